// Issue 11 items 9, 10 and 15 on the real services (real SQLite file, real tiny pack):
// an export never blocks other reads; deleting all data finds the earlier exports and
// deletes them when asked; a library delete can be undone exactly; history search;
// the thread count in use and the refusal of counts this machine does not have.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import { harness, importFile, PACKS } from './helpers.js';
import { DB_FILE_NAME, insertDocuments, openDatabase } from '../../../main/store/index.js';
import { ServiceError } from '../../../main/services/index.js';

/** Adds `n` distinct tweets to a profile through a second connection (as another process would), fast. */
function addTweets(dataDir: string, profileId: number, n: number): void {
  const db = openDatabase(join(dataDir, DB_FILE_NAME));
  try {
    const docs = Array.from({ length: n }, (_, i) => ({ kind: 'tweet' as const, text: `tweet number ${i} about the weather and the roads, ${'word '.repeat(i % 17)}`, source: `bulk:${i + 1}` }));
    insertDocuments(db, profileId, docs);
  } finally {
    db.close();
  }
}

test('an export of many rows never blocks the reads (and writes) the app makes meanwhile, and is a snapshot', async () => {
  const h = await harness({ autoStartQueue: false, loadModelAtStart: false });
  try {
    const pid = h.svc.profiles.create('bulk').id;
    const N = 20_000;
    addTweets(join(h.dir, 'data'), pid, N);
    const out = join(h.dir, 'out', 'export.json');
    let settled = false;
    const exporting = h.svc.settings.exportAll(out).finally(() => (settled = true));
    let reads = 0;
    const errors: string[] = [];
    let wrote = false;
    while (!settled) {
      await tick();
      try {
        // What the Settings page and the others load while the export runs.
        h.svc.settings.get();
        h.svc.profiles.list();
        assert.equal(h.svc.documents.list({ profileId: pid, limit: 5 }).total, N);
        h.svc.history.list({ search: 'x' });
        h.svc.settings.listExports();
        // A write once the export is streaming rows, so after its snapshot began.
        if (!wrote && existsSync(out) && statSync(out).size > 100_000) {
          h.svc.profiles.create('made during the export');
          wrote = true;
        }
        reads++;
      } catch (e) {
        errors.push((e as Error).message);
      }
    }
    const r = await exporting;
    assert.deepEqual(errors.slice(0, 3), []);
    assert.ok(reads >= 20, `the export yielded to other work ${reads} times; expected many (it streams ${N} rows)`);
    const data = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(r.bytes, readFileSync(out).length);
    assert.equal(data.profiles.length, 1, 'the profile created after the export began is not in it: one snapshot');
    assert.equal(data.profiles[0].documents.length, N);
    assert.equal(data.settings.exports, undefined, 'the record of export files is not part of the data');
    assert.ok(wrote, 'a write was made while the export streamed');
    assert.equal(h.svc.profiles.list().length, 2);
  } finally {
    await h.cleanup();
  }
});

test('delete all data lists the earlier exports, deletes them when asked, and never a file that is not an export', async () => {
  const h = await harness({ autoStartQueue: false, loadModelAtStart: false });
  try {
    const dataDir = join(h.dir, 'data');
    const pid = h.svc.profiles.create('me').id;
    addTweets(dataDir, pid, 10);
    // One where the web host writes (inside the data folder), one elsewhere (Electron: Downloads; CLI: anywhere).
    const inData = join(dataDir, 'exports', 'commer-export-2026-01-01T00-00-00-000Z.json');
    const elsewhere = join(h.dir, 'Downloads', 'my-backup.json');
    await h.svc.settings.exportAll(inData);
    await h.svc.settings.exportAll(elsewhere);
    // An export written before exports were recorded: found by its place and name.
    const older = join(dataDir, 'exports', 'commer-export-2025-12-31T00-00-00-000Z.json');
    writeFileSync(older, readFileSync(inData));
    // A file with an export's name that is not one is never listed or deleted.
    const impostor = join(dataDir, 'exports', 'commer-export-notes.json');
    writeFileSync(impostor, '{"mine": true}');

    const listed = h.svc.settings.listExports();
    assert.deepEqual(listed.map((e) => e.path).sort(), [elsewhere, inData, older].sort());
    for (const e of listed) assert.equal(e.bytes, readFileSync(e.path).length);

    // Kept when not asked: still listed afterwards, so a later delete offers them again.
    const kept = h.svc.settings.deleteAll();
    assert.equal(kept.exportsDeleted, 0);
    assert.equal(kept.exportsKept.length, 3);
    assert.deepEqual(h.svc.profiles.list(), []);
    assert.equal(h.svc.settings.listExports().length, 3);

    // A user who replaced the file behind a recorded path keeps their file.
    writeFileSync(elsewhere, 'my own notes');
    assert.equal(h.svc.settings.listExports().length, 2);
    const gone = h.svc.settings.deleteAll({ exports: true });
    assert.equal(gone.exportsDeleted, 2);
    assert.deepEqual(gone.exportsKept, []);
    assert.ok(!existsSync(inData) && !existsSync(older));
    assert.equal(readFileSync(elsewhere, 'utf8'), 'my own notes');
    assert.ok(existsSync(impostor));
    assert.deepEqual(h.svc.settings.listExports(), []);
  } finally {
    await h.cleanup();
  }
});

test('delete all data stops an export that is still running and leaves no half file', async () => {
  const h = await harness({ autoStartQueue: false, loadModelAtStart: false });
  try {
    const pid = h.svc.profiles.create('bulk').id;
    addTweets(join(h.dir, 'data'), pid, 20_000);
    const out = join(h.dir, 'data', 'exports', 'commer-export-2026-01-02T00-00-00-000Z.json');
    const exporting = h.svc.settings.exportAll(out);
    // Until the export has started streaming rows.
    while (!existsSync(out) || readFileSync(out).length < 100_000) await tick();
    h.svc.settings.deleteAll({ exports: true });
    await assert.rejects(exporting, (e: unknown) => e instanceof ServiceError && e.code === 'CANCELLED');
    assert.ok(!existsSync(out));
    // The WAL, which held the deleted rows, is emptied once the stopped export has let go of its snapshot.
    await tick();
    assert.equal(statSync(join(h.dir, 'data', `${DB_FILE_NAME}-wal`)).size, 0);
    assert.deepEqual(h.svc.settings.listExports(), []);
  } finally {
    await h.cleanup();
  }
});

test('a library delete is undone exactly: same document, id, compression and running mean, without learning again', async () => {
  const h = await harness({ packs: [PACKS] });
  try {
    await h.svc.packs.setActive('stories260k');
    const pid = h.svc.profiles.create('me').id;
    await importFile(h.svc, pid, 'tweets.csv');
    await h.svc.queue.drain();
    const before = h.svc.documents.list({ profileId: pid, limit: 500 }).items;
    const victim = before[1]!;
    assert.ok(victim.compressed);
    const statusBefore = h.svc.queue.status();

    const del = h.svc.documents.delete([victim.id]);
    assert.equal(del.deleted, 1);
    assert.ok(del.undoToken);
    assert.equal(h.svc.documents.list({ profileId: pid, limit: 500 }).total, before.length - 1);
    assert.equal(h.svc.profiles.get(pid).compression.compressed, before.length - 1);

    assert.deepEqual(h.svc.documents.restore(del.undoToken), { restored: 1, alreadyThere: 0, profileGone: 0 });
    const after = h.svc.documents.list({ profileId: pid, limit: 500 }).items;
    assert.deepEqual(after, before, 'the same rows, ids and compressed flags come back');
    assert.deepEqual(h.svc.profiles.get(pid).compression, { packId: 'stories260k', compressed: before.length, pending: 0, held: 0 });
    assert.equal(h.svc.queue.status().pending, statusBefore.pending, 'nothing to learn again');
    // The running mean holds it again: agrees with a full recompute.
    assert.ok(h.svc.settings.recompute().maxAbsDiff <= 1e-6);
    // Searchable again (the FTS index follows the row).
    const word = victim.text.match(/[A-Za-z]{5,}/)![0];
    assert.ok(h.svc.documents.list({ profileId: pid, search: word }).items.some((d) => d.id === victim.id));

    // A token works once; a made-up one is refused clearly.
    assert.throws(
      () => h.svc.documents.restore(del.undoToken!),
      (e: unknown) => e instanceof ServiceError && e.code === 'NOT_FOUND' && /can no longer be undone/.test(e.message),
    );

    // Re-imported meanwhile: nothing doubles.
    const again = h.svc.documents.delete([victim.id]);
    await importFile(h.svc, pid, 'tweets.csv');
    assert.deepEqual(h.svc.documents.restore(again.undoToken!), { restored: 0, alreadyThere: 1, profileGone: 0 });
    assert.equal(h.svc.documents.list({ profileId: pid }).total, before.length);
  } finally {
    await h.cleanup();
  }
});

test('history search finds a text in the draft or the suggestion, wildcards taken literally', async () => {
  const h = await harness({ packs: [PACKS] });
  try {
    await h.svc.packs.setActive('stories260k');
    const pid = h.svc.profiles.create('me').id;
    await importFile(h.svc, pid, 'tweets.csv');
    await h.svc.queue.drain();
    const drafts = ['The bridge over the river opens on Monday', 'Rain all week: 100% chance of staying in', 'A quiet day at home'];
    for (const draft of drafts) {
      for await (const ev of h.svc.restyle.run({ profileId: pid, task: 'paraphrase', draft, docs: 'all', n: 1, sampling: { seed: 1, maxNewTokens: 8 } })) void ev;
    }
    const all = h.svc.history.list();
    assert.equal(all.total, 3);
    assert.deepEqual(
      h.svc.history.list({ search: 'BRIDGE' }).items.map((g) => g.draft),
      [drafts[0]],
    );
    assert.deepEqual(
      h.svc.history.list({ search: '100%' }).items.map((g) => g.draft),
      [drafts[1]],
    );
    assert.equal(h.svc.history.list({ search: '%' }).total, 1, '% is a character here, not "anything"');
    assert.equal(h.svc.history.list({ search: '_' }).items.filter((g) => !g.output.includes('_') && !g.draft.includes('_')).length, 0);
    const out = all.items[0]!.output;
    const piece = out.slice(0, Math.min(6, out.length));
    assert.ok(
      h.svc.history.list({ search: piece }).items.some((g) => g.id === all.items[0]!.id),
      'found by its suggestion text',
    );
    assert.equal(h.svc.history.list({ search: 'no such words anywhere' }).total, 0);
  } finally {
    await h.cleanup();
  }
});

test('threads: the count in use is reported, and counts this machine does not have are refused', async () => {
  const h = await harness({ packs: [PACKS] });
  try {
    await h.svc.packs.setActive('stories260k');
    const st = h.svc.settings.get();
    assert.equal(st.threads, 0);
    assert.equal(st.maxThreads, availableParallelism());
    // stories260k is tiny: the automatic choice is one thread (ort-session defaultThreads).
    assert.equal(st.threadsInUse, 1);
    const max = availableParallelism();
    for (const bad of [-1, max + 1, 1.5]) {
      await assert.rejects(h.svc.settings.update({ threads: bad }), (e: unknown) => e instanceof ServiceError && e.code === 'INVALID_INPUT' && e.message.includes(`from 1 to ${max}`));
    }
    const set = await h.svc.settings.update({ threads: max });
    assert.equal(set.threads, max);
    assert.equal(set.threadsInUse, max);
    assert.equal((await h.svc.settings.update({ threads: 0 })).threadsInUse, 1);
  } finally {
    await h.cleanup();
  }
});
