// Cancel and undo of an import, on real SQLite with the real inference worker on the
// tiny-random pack. Cancel stops reading and learning at once: the documents already
// stored stay, held back from learning (also across a restart), and the job's last
// event carries the counts that stay. Undo removes exactly the documents the import
// inserted (never one that was there before it), their compressions and their share of
// the running mean.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeTweetsJs } from '../../faults/helpers.js';
import { allTexts, harness, ROOT, type Harness } from './helpers.js';
import { openDatabase, getMean, type Database } from '../../../main/store/index.js';
import type { ImportProgress, Services } from '../../../main/services/index.js';

const USERS40 = join(ROOT, '../shared/data/tweets/users40.jsonl');
const PACK = 'tiny-random';

/** Starts an import and cancels it at the first event `when` accepts; resolves with the job's events up to its end. */
function startAndCancel(svc: Services, path: string, profileId: number, when: (p: ImportProgress) => boolean): Promise<{ jobId: string; events: ImportProgress[]; atCancel: ImportProgress | null }> {
  return new Promise((resolve) => {
    const events: ImportProgress[] = [];
    let atCancel: ImportProgress | null = null;
    let jobId = '';
    const off = svc.onEvent((e) => {
      if (e.type !== 'import' || e.progress.jobId !== jobId) return;
      events.push(e.progress);
      if (!atCancel && when(e.progress)) {
        atCancel = e.progress;
        svc.imports.cancel(jobId);
      }
      if (['done', 'failed', 'cancelled'].includes(e.progress.phase)) {
        off();
        resolve({ jobId, events, atCancel });
      }
    });
    jobId = svc.imports.start({ path, profileId, options: {} }).jobId;
  });
}

/** How many of a profile's documents have a compression with the pack, read from the file itself. */
function learned(db: Database, profileId: number): number {
  return (db.prepare('SELECT count(*) AS n FROM compressions c JOIN documents d ON d.id = c.document_id WHERE d.profile_id = ? AND c.pack_id = ?').get(profileId, PACK) as { n: number }).n;
}

describe('import cancel and undo (real SQLite, tiny-random pack)', () => {
  let h: Harness;
  let db: Database;
  before(async () => {
    h = await harness({});
    // The pack loads in the background; draining an empty queue waits for it.
    await h.svc.queue.drain();
    assert.equal(h.svc.queue.status().packId, PACK);
    db = openDatabase(join(h.dir, 'data', 'commer.db'));
  });
  after(async () => {
    db?.close();
    await h.cleanup();
  });

  test(
    'cancel while learning: the job ends cancelled, learning of its documents stops at once, all stay; resume learns the rest',
    { timeout: 180_000, skip: !existsSync(USERS40) && 'needs ../shared/data' },
    async () => {
      const pid = h.svc.profiles.create('learning').id;
      const r = await startAndCancel(h.svc, USERS40, pid, (p) => p.phase === 'compressing');
      const end = r.events.at(-1)!;
      assert.ok(r.atCancel, `the job reached the compressing phase (phases: ${[...new Set(r.events.map((e) => e.phase))].join(', ')})`);
      assert.equal(end.phase, 'cancelled', 'not "done": the user stopped it');
      assert.ok(end.stored > 7000, `stored ${end.stored}`);
      assert.ok(end.compressed < end.stored, `${end.compressed} of ${end.stored} learned at the cancel`);
      assert.equal(h.svc.imports.get(r.jobId).phase, 'cancelled');
      // Nothing stored is lost by the cancel.
      assert.equal(h.svc.documents.list({ profileId: pid }).total, end.stored);
      // Learning stopped: nothing of this import is learned after the cancel, however long we wait.
      const st = await h.svc.queue.drain();
      await sleep(300);
      assert.equal(learned(db, pid), end.compressed, 'the learned count is the one the cancelled event gave');
      assert.equal(st.pending, 0, 'the held documents are not work left');
      assert.equal(h.svc.queue.status().held, end.stored - end.compressed);
      assert.deepEqual(h.svc.profiles.get(pid).compression, { packId: PACK, compressed: end.compressed, pending: 0, held: end.stored - end.compressed });
      // The profile's mean holds exactly the documents learned before the cancel.
      assert.equal(getMean(db, pid, PACK, ['tweet'])?.count ?? 0, end.compressed);
      // A second cancel of an ended job changes nothing.
      h.svc.imports.cancel(r.jobId);
      assert.equal(h.svc.imports.get(r.jobId).phase, 'cancelled');

      // Learn them after all: the job goes back to learning and ends done (its file was read whole).
      const resumed = h.svc.imports.resume(r.jobId);
      assert.equal(resumed.phase, 'compressing');
      const final = await h.svc.imports.wait(r.jobId, { waitForCompression: true });
      assert.equal(final.phase, 'done');
      assert.equal(final.compressed, end.stored);
      assert.equal(learned(db, pid), end.stored);
      assert.equal(h.svc.queue.status().held, 0);
      assert.throws(() => h.svc.imports.resume(r.jobId), /only a cancelled import can be learned after all \(this one is done\)/);
      h.svc.profiles.delete(pid);
    },
  );

  test('cancel while storing: reading stops, the whole batches stored stay and are not learned further; undo removes them and their share of the mean', { timeout: 180_000 }, async () => {
    const file = join(h.dir, 'big.js');
    await writeTweetsJs(file, 30_000, { seed: 11 });
    const pid = h.svc.profiles.create('storing').id;
    const r = await startAndCancel(h.svc, file, pid, (p) => p.phase === 'storing' && p.stored >= 3000);
    const end = r.events.at(-1)!;
    assert.ok(r.atCancel, 'cancelled while storing');
    assert.equal(end.phase, 'cancelled');
    assert.ok(end.stored >= 3000 && end.stored < 30_000, `${end.stored} kept`);
    assert.equal(end.stored % 1000, 0, 'whole batches only');
    assert.equal(h.svc.documents.list({ profileId: pid }).total, end.stored);
    await h.svc.queue.drain();
    await sleep(300);
    const n = learned(db, pid);
    assert.equal(n, end.compressed, 'the last event counts what was learned while reading; nothing after');
    assert.ok(n < end.stored, `${n} of ${end.stored} learned`);
    assert.equal(getMean(db, pid, PACK, ['tweet'])?.count ?? 0, n);
    // Still held after a restart of the queue (the hold is on disk, not in memory).
    h.svc.queue.pause();
    h.svc.queue.resume();
    await h.svc.queue.drain();
    assert.equal(learned(db, pid), n);

    const u = await h.svc.imports.undo(r.jobId);
    assert.equal(u.removed, end.stored);
    assert.equal(h.svc.imports.get(r.jobId).removed, end.stored);
    assert.equal(h.svc.documents.list({ profileId: pid }).total, 0);
    assert.equal(learned(db, pid), 0);
    assert.equal(getMean(db, pid, PACK, ['tweet']), null, 'no compression left, no mean');
    assert.equal((await h.svc.imports.undo(r.jobId)).removed, 0, 'a second undo finds nothing more');
    assert.equal(h.svc.queue.status().held, 0);
    h.svc.profiles.delete(pid);
  });

  test('undo of a finished import removes only what it added: documents already there before it stay, and the mean is the one before the import', { timeout: 180_000 }, async () => {
    const a = join(h.dir, 'first.js');
    const b = join(h.dir, 'second.js');
    // Same seed: the first 40 tweets of the second file are the first file's.
    await writeTweetsJs(a, 40, { seed: 21 });
    await writeTweetsJs(b, 300, { seed: 21 });
    const pid = h.svc.profiles.create('undo').id;
    const first = await h.svc.imports.wait(h.svc.imports.start({ path: a, profileId: pid }).jobId, { waitForCompression: true });
    assert.equal(first.stored, 40);
    assert.equal(first.compressed, 40);
    const textsBefore = allTexts(h.svc, pid);
    const meanBefore = getMean(db, pid, PACK, ['tweet'])!;
    assert.equal(meanBefore.count, 40);

    const { jobId } = h.svc.imports.start({ path: b, profileId: pid });
    const second = await h.svc.imports.wait(jobId, { waitForCompression: true });
    assert.equal(second.phase, 'done');
    assert.equal(second.stored, 260);
    assert.equal(second.duplicates, 40);
    assert.equal(getMean(db, pid, PACK, ['tweet'])!.count, 300);

    const u = await h.svc.imports.undo(jobId);
    assert.equal(u.removed, 260);
    assert.deepEqual(allTexts(h.svc, pid), textsBefore, 'exactly the documents of before remain');
    const meanAfter = getMean(db, pid, PACK, ['tweet'])!;
    assert.equal(meanAfter.count, 40);
    let maxDiff = 0;
    for (let i = 0; i < meanBefore.mean.length; i++) maxDiff = Math.max(maxDiff, Math.abs(meanAfter.mean[i]! - meanBefore.mean[i]!));
    assert.ok(maxDiff <= 1e-6, `mean moved by ${maxDiff}`);
    const rc = h.svc.settings.recompute();
    assert.ok(rc.maxAbsDiff <= 1e-6, `running means drift ${rc.maxAbsDiff} from a recompute`);
    assert.equal(h.svc.imports.get(jobId).phase, 'done', 'an undo of a finished import keeps its phase, with removed set');
    assert.equal(h.svc.imports.get(jobId).removed, 260);
    h.svc.profiles.delete(pid);
  });

  test('undo and resume of an unknown job say so', async () => {
    await assert.rejects(h.svc.imports.undo('nope'), /no import job nope/);
    assert.throws(() => h.svc.imports.resume('nope'), /no import job nope/);
  });
});
