// Queue control logic on a real database. The compressor here is a scripted
// stand-in that fails on demand: what is under test is the queue's handling of
// failures and retries, not the model (the real model runs in services/model.test.ts
// and in the fault suite).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { CompressionQueue, type Compressor } from '../../../main/jobs/compression-queue.js';
import { openDatabase, createProfile, insertDocuments, getMean, computeMeansFromScratch } from '../../../main/store/index.js';
import { tempDir } from '../store/helpers.js';

function scripted(failures: { left: number }): Compressor & { calls: number } {
  const c = {
    packId: 'p',
    k: 2,
    dim: 3,
    calls: 0,
    async compress(texts: string[]) {
      c.calls++;
      if (failures.left > 0) {
        failures.left--;
        throw new Error('host crashed');
      }
      return texts.map((t) => Float32Array.from({ length: 6 }, (_, i) => t.length + i));
    },
  };
  return c;
}

test('retries a failed batch, stops with a clear error after repeated failures, and resume continues', async () => {
  const t = tempDir();
  const db = openDatabase(join(t.dir, 'q.db'));
  try {
    const pid = createProfile(db, 'me').id;
    insertDocuments(
      db,
      pid,
      Array.from({ length: 20 }, (_, i) => ({ kind: 'tweet' as const, text: `doc ${i}`, source: 's' })),
    );
    const failures = { left: 1 };
    const states: string[] = [];
    const q = new CompressionQueue(db, { batchSize: 8, onStatus: (s) => states.push(s.state) });
    const c = scripted(failures);
    await q.setCompressor(c);
    let st = await q.drain();
    assert.equal(st.state, 'idle');
    assert.equal(st.pending, 0);
    assert.equal(c.calls, 4, 'one retry, then 3 batches of up to 8');
    assert.equal(getMean(db, pid, 'p', ['tweet'])!.count, 20);

    insertDocuments(
      db,
      pid,
      Array.from({ length: 5 }, (_, i) => ({ kind: 'tweet' as const, text: `late ${i}`, source: 's' })),
    );
    failures.left = 10;
    q.notify();
    st = await q.drain();
    assert.equal(st.state, 'error');
    assert.match(st.error!.message, /stopped after repeated failures: host crashed/);
    assert.equal(st.pending, 5, 'nothing half-committed');
    failures.left = 0;
    q.resume();
    st = await q.drain();
    assert.equal(st.state, 'idle');
    assert.equal(st.pending, 0);
    const fresh = [...computeMeansFromScratch(db).values()][0]!;
    assert.equal(fresh.count, 25);
    assert.equal(getMean(db, pid, 'p', ['tweet'])!.count, 25);
    assert.ok(states.includes('running') && states.includes('error'));
    await q.close();
  } finally {
    db.close();
    t.cleanup();
  }
});

test('pause stops between batches and keeps the rest pending', async () => {
  const t = tempDir();
  const db = openDatabase(join(t.dir, 'q.db'));
  try {
    const pid = createProfile(db, 'me').id;
    insertDocuments(
      db,
      pid,
      Array.from({ length: 40 }, (_, i) => ({ kind: 'tweet' as const, text: `doc ${i}`, source: 's' })),
    );
    const q = new CompressionQueue(db, { batchSize: 4 });
    let gate: (() => void) | null = null;
    const c: Compressor = {
      packId: 'p',
      k: 1,
      dim: 2,
      compress: async (texts) => {
        await new Promise<void>((r) => (gate = r));
        return texts.map(() => new Float32Array([1, 2]));
      },
    };
    await q.setCompressor(c);
    while (!gate) await new Promise((r) => setTimeout(r, 1));
    (gate as () => void)();
    q.pause();
    const st = await q.drain();
    assert.equal(st.state, 'paused');
    assert.ok(st.pending >= 36 && st.pending <= 40, `pending ${st.pending}`);
    await q.close();
  } finally {
    db.close();
    t.cleanup();
  }
});

test('a document that fails on its own is skipped once others compress; a failing last document stops the queue naming it', async () => {
  const t = tempDir();
  const db = openDatabase(join(t.dir, 'q.db'));
  try {
    const pid = createProfile(db, 'me').id;
    const texts = Array.from({ length: 12 }, (_, i) => (i === 5 ? 'poison pill' : `doc ${i}`));
    insertDocuments(
      db,
      pid,
      texts.map((text) => ({ kind: 'tweet' as const, text, source: 's' })),
    );
    const c: Compressor = {
      packId: 'p',
      k: 1,
      dim: 2,
      compress: async (batch) => {
        if (batch.some((x) => x.includes('poison'))) throw new Error('the model chokes on this one');
        return batch.map(() => new Float32Array([1, 2]));
      },
    };
    const q = new CompressionQueue(db, { batchSize: 4 });
    await q.setCompressor(c);
    let st = await q.drain();
    assert.equal(st.state, 'idle');
    assert.equal(st.pending, 0);
    assert.equal(st.skipped, 1);
    assert.equal(st.done, 11);
    assert.equal(getMean(db, pid, 'p', ['tweet'])!.count, 11);

    insertDocuments(db, pid, [{ kind: 'tweet', text: 'another poison at the end', source: 's' }]);
    q.notify();
    st = await q.drain();
    assert.equal(st.state, 'error');
    assert.match(st.error!.message, /document 13 could not be compressed: the model chokes on this one/);
    await q.close();
  } finally {
    db.close();
    t.cleanup();
  }
});

test('a compression holding NaN is a failed compression: never stored, the mean stays finite, and a model that only returns NaN stops the queue saying so', async () => {
  const t = tempDir();
  const db = openDatabase(join(t.dir, 'q.db'));
  try {
    const pid = createProfile(db, 'me').id;
    insertDocuments(
      db,
      pid,
      Array.from({ length: 9 }, (_, i) => ({ kind: 'tweet' as const, text: i === 4 ? 'this one diverges' : `doc ${i}`, source: 's' })),
    );
    const c: Compressor = {
      packId: 'p',
      k: 1,
      dim: 2,
      compress: async (batch) => batch.map((x) => (x.includes('diverges') ? new Float32Array([Number.NaN, 1]) : new Float32Array([1, 2]))),
    };
    const q = new CompressionQueue(db, { batchSize: 4 });
    await q.setCompressor(c);
    let st = await q.drain();
    assert.equal(st.state, 'idle');
    assert.deepEqual({ done: st.done, skipped: st.skipped, pending: st.pending }, { done: 8, skipped: 1, pending: 0 });
    const m = getMean(db, pid, 'p', ['tweet'])!;
    assert.equal(m.count, 8);
    assert.deepEqual(Array.from(m.mean), [1, 2]);
    assert.equal((db.prepare('SELECT count(*) AS n FROM compressions c JOIN documents d ON d.id = c.document_id WHERE d.text LIKE ?').get('%diverges%') as { n: number }).n, 0);
    await q.close();

    // A model whose every compression is NaN (a NaN in E): nothing is stored and the error names the reason.
    insertDocuments(db, pid, [
      { kind: 'tweet', text: 'fresh one', source: 's' },
      { kind: 'tweet', text: 'fresh two', source: 's' },
    ]);
    const broken: Compressor = { packId: 'q', k: 1, dim: 2, compress: async (batch) => batch.map(() => new Float32Array([Number.NaN, Number.NaN])) };
    const q2 = new CompressionQueue(db, { batchSize: 4 });
    await q2.setCompressor(broken);
    st = await q2.drain();
    assert.equal(st.state, 'error');
    assert.equal(st.done, 0);
    assert.match(st.error!.message, /compression stopped after repeated failures: the model returned NaN or infinite values for document \d+/);
    assert.equal(getMean(db, pid, 'q', ['tweet']), null);
    await q2.close();
  } finally {
    db.close();
    t.cleanup();
  }
});
