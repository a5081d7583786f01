// The prefill step: how positions are split into graph calls (generation's and
// scoring's layouts), and what each call is fed: its slice of the embeddings, the
// mask and positions up to its end, the cache the previous call returned, and
// num_logits / outputs that differ for the last call.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { KvLayout, prefill, prefillChunks } from '../../../main/runtime/prefill.js';
import { floatTensor, int64Tensor, type Feeds, type OrtTensor, type SessionPort } from '../../../main/runtime/ort-session.js';
import { AbortError } from '../../../main/runtime/errors.js';

const spans = (c: { start: number; end: number }[]) => c.map((x) => [x.start, x.end]);

describe('prefillChunks', () => {
  test('generation: regular chunks from 0, the remainder last', () => {
    assert.deepEqual(spans(prefillChunks(10, 4)), [
      [0, 4],
      [4, 8],
      [8, 10],
    ]);
    assert.deepEqual(spans(prefillChunks(8, 4)), [
      [0, 4],
      [4, 8],
    ]);
    assert.deepEqual(spans(prefillChunks(3, 512)), [[0, 3]]);
    assert.deepEqual(spans(prefillChunks(1, 1)), [[0, 1]]);
  });

  test('scoring: the last chunk is the final max(chunk, scored) positions, the one before it cut short', () => {
    assert.deepEqual(spans(prefillChunks(10, 4, 2)), [
      [0, 4],
      [4, 6],
      [6, 10],
    ]);
    assert.deepEqual(
      spans(prefillChunks(10, 4, 7)),
      [
        [0, 3],
        [3, 10],
      ],
      'seven scored positions: one call of 7',
    );
    assert.deepEqual(spans(prefillChunks(10, 4, 10)), [[0, 10]]);
    assert.deepEqual(spans(prefillChunks(5, 512, 3)), [[0, 5]]);
    assert.deepEqual(spans(prefillChunks(12, 4, 1)), [
      [0, 4],
      [4, 8],
      [8, 12],
    ]);
  });

  test('every layout covers [0, total) in order without gaps, chunks within bounds', () => {
    for (let total = 1; total <= 40; total++) {
      for (const chunk of [1, 2, 3, 7, 16, 64]) {
        for (const holds of [undefined, 1, 2, 5, total]) {
          const c = prefillChunks(total, chunk, holds);
          let at = 0;
          c.forEach((x, i) => {
            assert.equal(x.start, at);
            assert.ok(x.end > x.start);
            const last = i === c.length - 1;
            assert.ok(x.end - x.start <= (last && holds !== undefined ? Math.max(chunk, holds) : chunk), `${total}/${chunk}/${holds}`);
            at = x.end;
          });
          assert.equal(at, total);
          if (holds !== undefined) assert.ok(c[c.length - 1]!.end - c[c.length - 1]!.start >= Math.min(holds, total));
        }
      }
    }
  });

  test('refuses an empty sequence and a bad chunk', () => {
    assert.throws(() => prefillChunks(0, 4), /at least one position/);
    assert.throws(() => prefillChunks(4, 0), /positive integer/);
  });
});

/** A session that records its calls and answers with presents one position longer per call, like the graph. */
function recordingSession(abortOn?: number): { session: SessionPort; calls: { feeds: Feeds; outputs: readonly string[] | undefined }[] } {
  const calls: { feeds: Feeds; outputs: readonly string[] | undefined }[] = [];
  const session: SessionPort = {
    inputNames: [],
    outputNames: [],
    inputs: [],
    outputs: [],
    provider: 'cpu',
    threads: 1,
    async run(feeds, outputs, signal) {
      calls.push({ feeds: { ...feeds }, outputs });
      if (calls.length === abortOn || signal?.aborted) throw new AbortError();
      const len = (feeds.attention_mask!.dims[1] as number) ?? 0;
      const out: Record<string, OrtTensor> = { logits: floatTensor(new Float32Array(3).fill(calls.length), [1, 1, 3]) };
      for (const name of ['present.0.key', 'present.0.value']) out[name] = floatTensor(new Float32Array(len * 2).fill(calls.length), [1, 1, len, 2]);
      return out;
    },
    dispose: async () => undefined,
  };
  return { session, calls };
}

describe('prefill', () => {
  const kv = new KvLayout(1, 1, 2);
  const dim = 2;
  const embeds = Float32Array.from({ length: 7 * dim }, (_, i) => i);
  const scale = floatTensor(new Float32Array([0]), []);
  const numLogits = { before: { num_logits: int64Tensor(new BigInt64Array([0n]), []) }, last: { num_logits: int64Tensor(new BigInt64Array([1n]), []) } };

  test('feeds each chunk its slice over the cache of the previous call; the last call asks for its own outputs', async () => {
    const { session, calls } = recordingSession();
    const r = await prefill(session, kv, { embeds, dim, chunks: prefillChunks(7, 3), constant: { lora_scale: scale }, numLogits, lastOutputs: ['logits', ...kv.presentNames] });
    assert.equal(calls.length, 3);
    assert.deepEqual(
      calls.map((c) => Array.from(c.feeds.inputs_embeds!.data as Float32Array)),
      [
        [0, 1, 2, 3, 4, 5],
        [6, 7, 8, 9, 10, 11],
        [12, 13],
      ],
    );
    assert.deepEqual(
      calls.map((c) => c.feeds.inputs_embeds!.dims),
      [
        [1, 3, 2],
        [1, 3, 2],
        [1, 1, 2],
      ],
    );
    assert.deepEqual(
      calls.map((c) => Array.from(c.feeds.position_ids!.data as BigInt64Array).map(Number)),
      [[0, 1, 2], [3, 4, 5], [6]],
    );
    assert.deepEqual(
      calls.map((c) => c.feeds.attention_mask!.dims),
      [
        [1, 3],
        [1, 6],
        [1, 7],
      ],
    );
    assert.deepEqual(
      calls.map((c) => c.feeds['past_key_values.0.key']!.dims),
      [
        [1, 1, 0, 2],
        [1, 1, 3, 2],
        [1, 1, 6, 2],
      ],
      'the cache grows by what each call added',
    );
    assert.equal((calls[2]!.feeds['past_key_values.0.value']!.data as Float32Array)[0], 2, "the second call's present fed to the third");
    assert.deepEqual(
      calls.map((c) => (c.feeds.num_logits!.data as BigInt64Array)[0]),
      [0n, 0n, 1n],
    );
    assert.ok(calls.every((c) => c.feeds.lora_scale === scale));
    assert.deepEqual(calls[0]!.outputs, kv.presentNames);
    assert.deepEqual(calls[2]!.outputs, ['logits', ...kv.presentNames]);
    assert.equal(r.lastChunkLength, 1);
    assert.equal((r.out.logits!.data as Float32Array)[0], 3, 'the last call answers');
  });

  test('a single chunk is one call with the last feeds', async () => {
    const { session, calls } = recordingSession();
    const r = await prefill(session, kv, { embeds, dim, chunks: prefillChunks(7, 512), constant: {}, numLogits, lastOutputs: ['logits'] });
    assert.equal(calls.length, 1);
    assert.equal((calls[0]!.feeds.num_logits!.data as BigInt64Array)[0], 1n);
    assert.equal(r.lastChunkLength, 7);
  });

  test('an abort in the middle propagates and stops the calls', async () => {
    const { session, calls } = recordingSession(2);
    await assert.rejects(prefill(session, kv, { embeds, dim, chunks: prefillChunks(7, 3), constant: {}, numLogits, lastOutputs: ['logits'] }), AbortError);
    assert.equal(calls.length, 2);
  });

  test('refuses chunks that run past the embeddings', async () => {
    const { session } = recordingSession();
    await assert.rejects(prefill(session, kv, { embeds, dim, chunks: prefillChunks(8, 3), constant: {}, numLogits, lastOutputs: ['logits'] }), /covers 8 positions but has embeddings for 7/);
  });
});

describe('KvLayout', () => {
  test('names, an empty cache, and presents fed back as the next past', () => {
    const kv = new KvLayout(2, 3, 4);
    assert.deepEqual(kv.pastNames, ['past_key_values.0.key', 'past_key_values.0.value', 'past_key_values.1.key', 'past_key_values.1.value']);
    assert.deepEqual(kv.presentNames, ['present.0.key', 'present.0.value', 'present.1.key', 'present.1.value']);
    const e = kv.empty(5);
    assert.deepEqual(Object.keys(e), kv.pastNames);
    assert.deepEqual(e['past_key_values.1.value']!.dims, [5, 3, 0, 4]);
    const t = floatTensor(new Float32Array(12), [1, 3, 1, 4]);
    const past = kv.pastFrom({ 'present.0.key': t, 'present.0.value': t, 'present.1.key': t, 'present.1.value': t, logits: t });
    assert.deepEqual(Object.keys(past), kv.pastNames);
    assert.equal(past['past_key_values.1.key'], t, 'no copy');
  });
});
