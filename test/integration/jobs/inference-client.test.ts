// The inference host in a real worker thread on a real pack: requests, streaming,
// cancel, a bad pack, and recovery after the worker is killed mid-request.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InferenceClient, InferenceError } from '../../../main/jobs/inference-client.js';
import { createWorkerTransport } from '../../../main/jobs/worker-transport.js';
import type { InferenceTransport } from '../../../main/jobs/inference-protocol.js';

const PACKS = fileURLToPath(new URL('../../fixtures/packs/', import.meta.url));

describe('inference client over worker_threads', () => {
  const transports: InferenceTransport[] = [];
  const client = new InferenceClient(() => {
    const t = createWorkerTransport();
    transports.push(t);
    return t;
  });
  after(async () => client.dispose());

  test('loads a pack and compresses to [k*dim] vectors, deterministically', async () => {
    const info = await client.load(join(PACKS, 'tiny-random'));
    assert.equal(info.packId, 'tiny-random');
    const [a, b] = await client.compress(['hello world', 'another text']);
    assert.equal(a!.length, info.k * info.dim);
    assert.ok(a!.some((x) => x !== 0));
    const [a2] = await client.compress(['hello world']);
    assert.deepEqual(Array.from(a2!), Array.from(a!));
    assert.notDeepEqual(Array.from(b!), Array.from(a!));
  });

  test('generate streams tokens and ends each candidate', async () => {
    const info = client.info!;
    const ends = new Map<number, string>();
    let tokens = 0;
    for await (const ev of client.generate({
      merged: new Float32Array(info.k * info.dim),
      task: 'paraphrase',
      input: 'hi',
      n: 2,
      temperature: 0,
      topK: 0,
      topP: 1,
      repetitionPenalty: 1,
      seed: 1,
      maxNewTokens: 5,
    })) {
      if (ev.done) ends.set(ev.candidate, ev.finishReason!);
      else tokens++;
    }
    assert.equal(ends.size, 2);
    assert.ok(tokens > 0);
  });

  test('a bad pack is refused with the PackError message', async () => {
    const other = new InferenceClient(() => createWorkerTransport());
    try {
      await assert.rejects(other.load(join(PACKS, 'does-not-exist')), (e: unknown) => e instanceof InferenceError && e.code === 'PACK_INVALID' && /does-not-exist/.test(e.message));
    } finally {
      await other.dispose();
    }
  });

  test('killing the worker fails the pending request clearly; the next request restarts it and reloads the pack', async () => {
    const texts = Array.from({ length: 1500 }, (_, i) => `document number ${i} with some words in it to compress, long enough to keep the worker busy for a while`);
    const pending = client.compress(texts);
    setTimeout(() => transports.at(-1)!.kill(), 30);
    await assert.rejects(pending, (e: unknown) => e instanceof InferenceError && e.code === 'HOST_CRASHED' && /stopped unexpectedly/.test(e.message));
    assert.equal(client.crashes, 1);
    const before = transports.length;
    const [v] = await client.compress(['hello world']);
    assert.equal(transports.length, before + 1, 'a fresh worker was started');
    assert.equal(v!.length, client.info!.k * client.info!.dim);
  });

  test('cancelling a compress rejects it with CANCELLED and the host stays usable', async () => {
    const ac = new AbortController();
    const texts = Array.from({ length: 1500 }, (_, i) => `text ${i} to compress, long enough that the request is still running when it is cancelled`);
    const p = client.compress(texts, ac.signal);
    setTimeout(() => ac.abort(), 20);
    await assert.rejects(p, (e: unknown) => e instanceof InferenceError && e.code === 'CANCELLED');
    const [v] = await client.compress(['still works']);
    assert.ok(v!.length > 0);
  });
});
