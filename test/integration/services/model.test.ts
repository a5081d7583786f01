// The services with the real inference worker on the real tiny packs.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { damagedPackCopy, FIXTURES, harness, importFile, PACKS, type Harness } from './helpers.js';
import { openDatabase, computeMeansFromScratch, getMean } from '../../../main/store/index.js';

describe('services with the real model (tiny-random and stories260k packs)', () => {
  let h: Harness;
  let pid: number;
  before(async () => {
    h = await harness({});
    cpSync(join(PACKS, 'stories260k'), join(h.dir, 'packs', 'stories260k'), { recursive: true });
    pid = h.svc.profiles.create('me').id;
  });
  after(async () => h.cleanup());

  test('imported documents are compressed in the background and the running means equal a recompute', async () => {
    const r = await importFile(h.svc, pid, 'archive.zip');
    assert.equal(r.stored, 4);
    await importFile(h.svc, pid, 'article.md');
    const st = await h.svc.queue.drain();
    assert.equal(st.state, 'idle');
    assert.equal(st.pending, 0);
    assert.equal(st.packId, 'tiny-random');
    const prof = h.svc.profiles.get(pid);
    assert.deepEqual(prof.compression, { packId: 'tiny-random', compressed: 5, pending: 0, held: 0 });
    assert.ok(h.svc.documents.list({ profileId: pid }).items.every((d) => d.compressed));
    const rc = h.svc.settings.recompute();
    assert.equal(rc.documents, 5);
    assert.ok(rc.maxAbsDiff <= 1e-6, `drift ${rc.maxAbsDiff}`);
    assert.equal(h.svc.settings.get().provider, 'cpu');
  });

  test("an import the queue will learn goes from storing to compressing: it never reports a 'done' that turns back into 'compressing'", async () => {
    const profileId = h.svc.profiles.create('phases').id;
    const { jobId } = h.svc.imports.start({ path: join(FIXTURES, 'tweets.js'), profileId });
    try {
      const phases: string[] = [];
      const off = h.svc.onEvent((e) => {
        if (e.type === 'import' && e.progress.jobId === jobId && phases.at(-1) !== e.progress.phase) phases.push(e.progress.phase);
      });
      const r = await h.svc.imports.wait(jobId, { waitForCompression: true });
      off();
      assert.equal(r.stored, 3);
      assert.equal(r.compressed, 3);
      assert.ok(phases.includes('compressing'), phases.join(' > '));
      assert.equal(phases.at(-1), 'done', phases.join(' > '));
      assert.equal(phases.indexOf('done'), phases.length - 1, `'done' before the end: ${phases.join(' > ')}`);
    } finally {
      h.svc.profiles.delete(profileId); // the later tests count this suite's documents
    }
  });

  test('pause holds the queue, resume finishes it; an import can wait for its compressions', async () => {
    h.svc.queue.pause();
    const { jobId } = h.svc.imports.start({ path: join(FIXTURES, 'export.jsonl'), profileId: pid });
    const stored = await h.svc.imports.wait(jobId);
    assert.equal(stored.stored, 3);
    assert.equal(h.svc.queue.status().state, 'paused');
    assert.equal(h.svc.queue.status().pending, 3);
    h.svc.queue.resume();
    const st = await h.svc.queue.drain();
    assert.equal(st.pending, 0);
    const { jobId: j2 } = h.svc.imports.start({ path: join(FIXTURES, 'notes.txt'), profileId: pid, options: { kind: 'tweet' } });
    const done = await h.svc.imports.wait(j2, { waitForCompression: true });
    assert.equal(done.phase, 'done');
    assert.equal(done.compressed, done.stored);
    assert.equal(done.stored, 3);
    h.svc.documents.delete(h.svc.documents.list({ profileId: pid, limit: 6 }).items.map((d) => d.id));
    assert.equal(h.svc.profiles.get(pid).docCounts.tweet + h.svc.profiles.get(pid).docCounts.article, 5);
  });

  test('restyle streams n candidates token by token and saves each to history; undo restores a deleted one', async () => {
    const events = [];
    for await (const ev of h.svc.restyle.run({ profileId: pid, task: 'paraphrase', draft: 'coffee and code every morning', docs: 'all', n: 3, sampling: { seed: 7, maxNewTokens: 8 } }))
      events.push(ev);
    const start = events[0]!;
    assert.equal(start.type, 'start');
    assert.equal(start.type === 'start' && start.usedDocs, 4, 'tweets only for the paraphrase task');
    const done = events.filter((e) => e.type === 'candidate-done');
    assert.equal(done.length, 3);
    for (const d of done) {
      if (d.type !== 'candidate-done') continue;
      const streamed = events
        .filter((e) => e.type === 'token' && e.candidate === d.candidate)
        .map((e) => (e.type === 'token' ? e.text : ''))
        .join('');
      assert.equal(d.text, streamed.trim(), 'the final text is what was streamed');
    }
    assert.equal(events.at(-1)!.type, 'done');
    const saved = done.filter((d) => d.type === 'candidate-done' && d.generationId !== null).length;
    const hist = h.svc.history.list({ profileId: pid });
    assert.equal(hist.total, saved);
    const first = hist.items[0]!;
    assert.equal(first.task, 'paraphrase');
    assert.equal(first.draft, 'coffee and code every morning');
    assert.equal(first.packId, 'tiny-random');
    assert.deepEqual(h.svc.history.delete([first.id]), { deleted: 1 });
    assert.equal(h.svc.history.list({ profileId: pid }).total, saved - 1);
    assert.deepEqual(h.svc.history.undoDelete([first.id]), { restored: 1 });
    assert.equal(h.svc.history.list({ profileId: pid }).total, saved);
  });

  test('relevant-N merges only the best-matching documents; none uses no documents', async () => {
    let used = -1;
    for await (const ev of h.svc.restyle.run({ profileId: pid, task: 'paraphrase', draft: 'more coffee please', docs: { relevant: 1 }, n: 1, sampling: { maxNewTokens: 2 } })) {
      if (ev.type === 'start') used = ev.usedDocs;
    }
    assert.equal(used, 1);
    for await (const ev of h.svc.restyle.run({ profileId: pid, task: 'headline', draft: 'x', docs: 'none', n: 1, sampling: { maxNewTokens: 2 } })) {
      if (ev.type === 'start') used = ev.usedDocs;
    }
    assert.equal(used, 0);
  });

  test('aborting a restyle ends it early without saving the aborted candidates', async () => {
    const ac = new AbortController();
    const before = h.svc.history.list().total;
    let tokens = 0;
    let aborted: boolean | null = null;
    for await (const ev of h.svc.restyle.run({ profileId: pid, task: 'paraphrase', draft: 'stop me', docs: 'all', n: 2, sampling: { maxNewTokens: 60, seed: 1 } }, ac.signal)) {
      if (ev.type === 'token' && ++tokens === 3) ac.abort();
      if (ev.type === 'done') aborted = ev.aborted;
    }
    assert.equal(aborted, true);
    assert.ok(tokens < 120, `generation stopped early (${tokens} tokens)`);
    assert.equal(h.svc.history.list().total, before);
  });

  test('switching packs keeps the old pack rows and queues compressions for the new one', async () => {
    const listed = h.svc.packs.list();
    assert.deepEqual(listed.map((p) => [p.id, p.valid, p.active]).sort(), [
      ['stories260k', true, false],
      ['tiny-random', true, true],
    ]);
    const s = await h.svc.packs.setActive('stories260k');
    assert.equal(s.active, true);
    const st = await h.svc.queue.drain();
    assert.equal(st.packId, 'stories260k');
    assert.equal(st.pending, 0);
    const db = openDatabase(join(h.dir, 'data', 'commer.db'));
    try {
      const rows = db.prepare('SELECT pack_id, count(*) AS n FROM compressions GROUP BY pack_id ORDER BY pack_id').all();
      assert.deepEqual(rows, [
        { pack_id: 'stories260k', n: 5 },
        { pack_id: 'tiny-random', n: 5 },
      ]);
      assert.equal(getMean(db, pid, 'tiny-random', ['tweet'])!.count, 4, 'old pack mean kept');
      assert.equal(computeMeansFromScratch(db).size, 4);
    } finally {
      db.close();
    }
    assert.equal(h.svc.settings.get().activePackId, 'stories260k');
  });

  test('changing the thread count reloads the model and keeps it working', async () => {
    const info = await h.svc.settings.update({ threads: 1 });
    assert.equal(info.threads, 1);
    assert.equal(info.provider, 'cpu');
    await assert.rejects(h.svc.settings.update({ threads: -1 }), { code: 'INVALID_INPUT' });
    let done = 0;
    for await (const ev of h.svc.restyle.run({ profileId: pid, task: 'paraphrase', draft: 'after reload', docs: 'all', n: 1, sampling: { maxNewTokens: 3 } })) {
      if (ev.type === 'candidate-done') done++;
    }
    assert.equal(done, 1);
  });

  test('a damaged pack is reported with the PackError message and is not activated', async () => {
    const bad = join(h.dir, 'packs', 'broken');
    damagedPackCopy(bad, 'broken');
    const v = await h.svc.packs.validate(bad);
    assert.equal(v.ok, false);
    assert.match(!v.ok ? v.error : '', /embeddings\.f32.*sha256|sha256.*embeddings\.f32/);
    const good = await h.svc.packs.validate(join(PACKS, 'tiny-random'));
    assert.equal(good.ok, true);
    await assert.rejects(h.svc.packs.setActive('broken'), { code: 'PACK_INVALID' });
    const after = h.svc.packs.list().find((p) => p.active)!;
    assert.deepEqual([after.id, after.valid], ['stories260k', true], 'the previous pack is back in use');
    const broken = h.svc.packs.list().find((p) => p.id === 'broken')!;
    assert.equal(broken.valid, false);
    assert.match(broken.error!, /sha256/);
    assert.equal(h.svc.queue.status().state, 'idle');
    await assert.rejects(h.svc.packs.setActive('nope'), { code: 'NOT_FOUND' });
  });

  test('deleting documents and profiles keeps the means consistent; export and delete-all', async () => {
    const p2 = h.svc.profiles.create('other').id;
    await importFile(h.svc, p2, 'tweets.csv');
    await h.svc.queue.drain();
    const docs = h.svc.documents.list({ profileId: pid }).items;
    const del = h.svc.documents.delete([docs[0]!.id, docs[1]!.id]);
    assert.equal(del.deleted, 2);
    assert.equal(typeof del.undoToken, 'string', 'a delete can be undone (data-tools.test.ts tests the undo)');
    h.svc.profiles.delete(p2);
    assert.ok(h.svc.settings.recompute().maxAbsDiff <= 1e-6);
    const out = join(h.dir, 'export.json');
    const r = await h.svc.settings.exportAll(out);
    const data = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(r.bytes, readFileSync(out).length);
    assert.equal(data.format, 'commer-studio-export');
    assert.equal(data.profiles.length, 1);
    assert.equal(data.profiles[0].documents.length, 3);
    assert.ok(data.generations.length >= 1);
    h.svc.settings.deleteAll();
    assert.deepEqual(h.svc.profiles.list(), []);
    assert.equal(h.svc.history.list().total, 0);
    assert.equal(h.svc.settings.get().activePackId, 'stories260k', 'app configuration survives');
  });
});

test('closing the services while a restyle streams ends the stream as aborted', async () => {
  // stories260k, three candidates: generation runs long enough (hundreds of ms) that the
  // close issued at the first token always lands mid-stream; tiny-random could finish first.
  const h2 = await harness({ packs: [PACKS] });
  try {
    const pid = h2.svc.profiles.create('me').id;
    await importFile(h2.svc, pid, 'tweets.js');
    await h2.svc.queue.drain();
    let closing: Promise<void> | null = null;
    let last: string | null = null;
    for await (const ev of h2.svc.restyle.run({ profileId: pid, task: 'paraphrase', draft: 'keep going', docs: 'all', n: 3, sampling: { maxNewTokens: 60 } })) {
      if (ev.type === 'token' && !closing) closing = h2.svc.close();
      last = ev.type === 'done' ? `done:${ev.aborted}` : ev.type;
    }
    await closing;
    assert.equal(last, 'done:true');
  } finally {
    await h2.cleanup();
  }
});
