// Held imports outlive their jobs: after a restart (new services on the same data
// folder, as the app or the web host starting again) the imports the user cancelled
// are listed from the store, and their kept documents can be learned after all or
// removed, by import id. Real SQLite, the real inference worker on the tiny-random pack.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTweetsJs } from '../../faults/helpers.js';
import { PACKS } from './helpers.js';
import { openDatabase, getMean, type Database } from '../../../main/store/index.js';
import { createServices, ServiceError, type ImportProgress, type ServiceEvent, type Services } from '../../../main/services/index.js';

const PACK = 'tiny-random';

/** Starts an import and cancels it once `stored` documents are stored; resolves with its last event. */
function importAndCancel(svc: Services, path: string, profileId: number, stored: number): Promise<ImportProgress> {
  return new Promise((resolve) => {
    let jobId = '';
    let cancelled = false;
    const off = svc.onEvent((e) => {
      if (e.type !== 'import' || e.progress.jobId !== jobId) return;
      if (!cancelled && e.progress.stored >= stored) {
        cancelled = true;
        svc.imports.cancel(jobId);
      }
      if (['done', 'failed', 'cancelled'].includes(e.progress.phase)) {
        off();
        resolve(e.progress);
      }
    });
    jobId = svc.imports.start({ path, profileId }).jobId;
  });
}

const learned = (db: Database, profileId: number) =>
  (db.prepare('SELECT count(*) AS n FROM compressions c JOIN documents d ON d.id = c.document_id WHERE d.profile_id = ? AND c.pack_id = ?').get(profileId, PACK) as { n: number }).n;
const documents = (db: Database, profileId: number) => (db.prepare('SELECT count(*) AS n FROM documents WHERE profile_id = ?').get(profileId) as { n: number }).n;

/** Asserts that `p` rejects with a ServiceError of `code` whose message matches. */
async function rejectsWith(p: Promise<unknown> | (() => unknown), code: string, message: RegExp) {
  await assert.rejects(
    async () => (typeof p === 'function' ? p() : p),
    (err: unknown) => err instanceof ServiceError && err.code === code && message.test(err.message),
  );
}

describe('held imports across a restart (real SQLite, tiny-random pack)', () => {
  let dir: string;
  let svc: Services;
  let db: Database;
  const open = async () => {
    svc = await createServices({ dataDir: join(dir, 'data'), packDirs: [join(dir, 'packs')] });
    await svc.queue.drain();
    assert.equal(svc.queue.status().packId, PACK);
  };
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'commer-held-'));
    cpSync(join(PACKS, PACK), join(dir, 'packs', PACK), { recursive: true });
    await open();
    db = openDatabase(join(dir, 'data', 'commer.db'));
  });
  after(async () => {
    db?.close();
    await svc?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('cancelled imports are listed, learned or removed by import id; after a restart from the store, before it through their jobs', { timeout: 300_000 }, async () => {
    const pid = svc.profiles.create('held').id;
    const files = ['first.js', 'second.js', 'third.js'].map((name) => join(dir, name));
    for (const [i, f] of files.entries()) await writeTweetsJs(f, 8000, { seed: 31 + i });
    const ends: ImportProgress[] = [];
    for (const f of files) ends.push(await importAndCancel(svc, f, pid, 2000));
    for (const e of ends) {
      assert.equal(e.phase, 'cancelled');
      assert.ok(e.stored >= 2000 && e.stored < 8000, `${e.stored} kept`);
    }
    await svc.queue.drain();

    const list = svc.imports.held(pid);
    assert.deepEqual(
      list.map((h) => [h.file, h.documents, h.learned, h.status, h.profileId]),
      ends.map((e) => [e.file.split('/').pop(), e.stored, e.compressed, 'cancelled', pid]),
    );
    assert.ok(list.every((h) => !Number.isNaN(Date.parse(h.startedAt))));
    const [first, second, third] = list as [(typeof list)[0], (typeof list)[0], (typeof list)[0]];

    // Before the restart, the third goes through its live job: the job says what was removed.
    const jobOfThird = svc.imports.list().find((p) => p.file.endsWith('third.js'))!;
    assert.deepEqual(await svc.imports.remove(third.importId), { removed: third.documents });
    assert.equal(svc.imports.get(jobOfThird.jobId).removed, third.documents);
    assert.deepEqual(
      svc.imports.held(pid).map((h) => h.file),
      ['first.js', 'second.js'],
    );

    // Restart: new services on the same data folder. No job is left, the holds are.
    await svc.close();
    await open();
    assert.deepEqual(svc.imports.list(), []);
    assert.deepEqual(svc.imports.held(pid), [first, second]);
    assert.equal(svc.queue.status().held, first.documents - first.learned + second.documents - second.learned);
    assert.equal(learned(db, pid), first.learned + second.learned, 'nothing held was learned while the services started');

    // Learn the first after all: the queue learns every document it kept.
    const events: ServiceEvent[] = [];
    const off = svc.onEvent((e) => events.push(e));
    assert.deepEqual(await svc.imports.release(first.importId), { toLearn: first.documents - first.learned });
    assert.ok(
      events.some((e) => e.type === 'data-changed' && e.what === 'documents' && e.profileId === pid),
      'the Library hears that its documents changed',
    );
    await svc.queue.drain();
    off();
    assert.equal(learned(db, pid), first.documents + second.learned);
    assert.deepEqual(
      svc.imports.held(pid).map((h) => h.file),
      ['second.js'],
    );
    assert.deepEqual(svc.profiles.get(pid).compression, { packId: PACK, compressed: first.documents + second.learned, pending: 0, held: second.documents - second.learned });
    await rejectsWith(svc.imports.release(first.importId), 'CONFLICT', /^first\.js: its documents are learned already or waiting to be \(only a cancelled import's kept documents are held back\)$/);
    await rejectsWith(svc.imports.remove(first.importId), 'CONFLICT', /^first\.js: its documents are not held back by a cancel, so they are removed one by one in the Library, not here$/);

    // Remove the second: exactly its documents go, with what was learned from them; the mean is the first's alone.
    const before = documents(db, pid);
    const removing = svc.imports.remove(second.importId);
    await rejectsWith(svc.imports.remove(second.importId), 'CONFLICT', /^second\.js: its documents are being removed already$/);
    assert.deepEqual(await removing, { removed: second.documents });
    assert.equal(documents(db, pid), before - second.documents);
    assert.equal(documents(db, pid), first.documents);
    assert.equal(learned(db, pid), first.documents);
    assert.equal(getMean(db, pid, PACK, ['tweet'])!.count, first.documents);
    assert.deepEqual(svc.imports.held(pid), []);
    assert.equal(svc.queue.status().held, 0);
    const rc = svc.settings.recompute();
    assert.ok(rc.maxAbsDiff <= 1e-6, `running means drift ${rc.maxAbsDiff} from a recompute`);

    // Ids that name nothing, or no import at all.
    await rejectsWith(svc.imports.release(999_999), 'NOT_FOUND', /^no import with id 999999$/);
    await rejectsWith(svc.imports.remove(999_999), 'NOT_FOUND', /^no import with id 999999$/);
    await rejectsWith(svc.imports.release(0), 'INVALID_INPUT', /^importId must be an integer from 1/);
    await rejectsWith(svc.imports.remove('1' as unknown as number), 'INVALID_INPUT', /^importId must be an integer/);
    await rejectsWith(() => svc.imports.held(pid + 100), 'NOT_FOUND', /no profile with id/);
  });

  test('release through a live job: the job goes back to learning and ends, its kept documents all learned', { timeout: 300_000 }, async () => {
    const pid = svc.profiles.create('live').id;
    const file = join(dir, 'live.js');
    await writeTweetsJs(file, 6000, { seed: 77 });
    const end = await importAndCancel(svc, file, pid, 2000);
    assert.equal(end.phase, 'cancelled');
    const [h] = svc.imports.held(pid);
    assert.ok(h);
    const before = learned(db, pid);
    assert.ok(before < end.stored, `${before} of ${end.stored} learned at the cancel`);
    assert.deepEqual(await svc.imports.release(h.importId), { toLearn: end.stored - before });
    assert.equal(svc.imports.get(end.jobId).phase, 'compressing', 'its card follows the learning');
    const final = await svc.imports.wait(end.jobId, { waitForCompression: true });
    assert.equal(final.phase, 'cancelled', 'its file was not read whole: it stays a cancelled import, now learned');
    assert.equal(final.compressed, end.stored);
    assert.equal(learned(db, pid), end.stored);
    assert.deepEqual(svc.imports.held(pid), []);
  });
});
