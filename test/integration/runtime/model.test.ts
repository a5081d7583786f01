// Behaviour of CommerModel on a real pack with real onnxruntime sessions:
// batching, candidates, seeds, stop conditions, cancel, and input errors.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, RunningMean, RuntimeInputError, type CommerModel, type TokenEvent } from '../../../main/runtime/index.js';
import { primaryPack } from './fixture-packs.js';

const pack = primaryPack();

interface Candidate {
  ids: number[];
  text: string;
  reason: string | undefined;
  doneEvents: number;
}

async function collect(stream: AsyncIterable<TokenEvent>, onEvent?: (ev: TokenEvent, count: number) => void): Promise<Candidate[]> {
  const out: Candidate[] = [];
  let count = 0;
  for await (const ev of stream) {
    const c = (out[ev.candidate] ??= { ids: [], text: '', reason: undefined, doneEvents: 0 });
    assert.equal(c.doneEvents, 0, 'no events after a candidate is done');
    if (ev.tokenId >= 0) c.ids.push(ev.tokenId);
    c.text += ev.text;
    if (ev.done) {
      c.doneEvents++;
      c.reason = ev.finishReason;
    }
    onEvent?.(ev, ++count);
  }
  return out;
}

describe('CommerModel', { skip: pack ? false : 'no fixture pack (the golden test fails for that)' }, () => {
  let m: CommerModel;
  const docs = [
    'Just shipped the new release 🚀 thanks everyone who tested it!',
    'Coffee first. Then code. Then more coffee ☕',
    'Reading about compression of documents into soft tokens, fascinating stuff https://example.com/paper',
    'ok',
  ];

  before(async () => {
    m = await loadModel(pack!, { executionProvider: 'cpu' });
  });
  after(async () => m.dispose());

  test('compress keeps input order and batch size does not change results', async () => {
    const a = await m.compress(docs, { batchSize: 1 });
    const b = await m.compress(docs, { batchSize: 3 });
    const { k, dim } = m.info;
    assert.equal(a.length, docs.length);
    for (let i = 0; i < docs.length; i++) {
      assert.equal(a[i]!.length, k * dim);
      for (let j = 0; j < k * dim; j++) assert.ok(Math.abs(a[i]![j]! - b[i]![j]!) < 1e-4, `doc ${i} value ${j}`);
    }
    // Different documents compress differently (the compressor is not ignoring its input).
    let diff = 0;
    for (let j = 0; j < k * dim; j++) diff = Math.max(diff, Math.abs(a[0]![j]! - a[3]![j]!));
    assert.ok(diff > 1e-3);
    assert.deepEqual(await m.compress([]), []);
  });

  test('compress reports progress and can be cancelled', async () => {
    const seen: number[] = [];
    // A batch holds documents of one token length (these four all differ), so each document
    // twice gives four full batches of 2.
    await m.compress([...docs, ...docs], { batchSize: 2, onProgress: (done) => seen.push(done) });
    assert.deepEqual(seen, [2, 4, 6, 8]);
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(m.compress(docs, { signal: ac.signal }), { name: 'AbortError' });
  });

  test('greedy n=3 gives three identical candidates equal to n=1 (cache expansion is exact)', async () => {
    const merged = new RunningMean(m.info.k * m.info.dim);
    for (const c of await m.compress(docs)) merged.add(c);
    const req = { merged: merged.mean(), task: 'paraphrase' as const, input: 'I really like this new phone', maxNewTokens: 12 };
    const [one] = await collect(m.generate(req));
    const three = await collect(m.generate({ ...req, n: 3 }));
    assert.equal(three.length, 3);
    for (const c of three) {
      assert.deepEqual(c.ids, one!.ids);
      assert.equal(c.text, one!.text);
      assert.equal(c.doneEvents, 1);
    }
  });

  test('candidates that finish early leave the batch without disturbing the others', async () => {
    // Sample 4 candidates from the top 5 with a stop string, so they end at
    // different steps and the batch shrinks. Every sampled token must then be in
    // the top 5 of the model's logits for its own candidate's context; a row
    // mix-up after shrinking would feed tokens from another context.
    const prompt = 'Once upon a time';
    const res = await collect(m.continueText(prompt, { n: 4, temperature: 1.5, topK: 5, seed: 4, maxNewTokens: 24, stop: ['.'] }));
    assert.equal(res.length, 4);
    const lengths = new Set(res.map((c) => c.ids.length));
    assert.ok(lengths.size > 1, `candidates should end at different steps: ${[...lengths]}`);
    const base = [m.info.manifest.tokens.bos_id, ...m.tokenizer.encode(prompt)];
    for (const c of res) {
      for (let i = 0; i < c.ids.length; i++) {
        const { logits } = await m.forwardLast([...base, ...c.ids.slice(0, i)], 0);
        const top5 = Array.from(logits.keys())
          .sort((a, b) => logits[b]! - logits[a]!)
          .slice(0, 5);
        assert.ok(top5.includes(c.ids[i]!), `token ${i} of a candidate (${c.ids[i]}) is not in its top 5 ${top5}`);
      }
    }
  });

  test('sampling is reproducible with a seed and varies across candidates', async () => {
    const req = { merged: null, task: 'headline' as const, input: 'Local team wins the cup', n: 3, temperature: 1.2, topK: 50, topP: 0.95, seed: 7, maxNewTokens: 16 };
    const a = await collect(m.generate(req));
    const b = await collect(m.generate(req));
    assert.deepEqual(
      a.map((c) => c.ids),
      b.map((c) => c.ids),
    );
    assert.ok(new Set(a.map((c) => c.ids.join(','))).size > 1, 'candidates differ');
    const c = await collect(m.generate({ ...req, seed: 8 }));
    assert.notDeepEqual(
      a.map((x) => x.ids),
      c.map((x) => x.ids),
    );
  });

  test('streamed text equals decoding the generated ids', async () => {
    const [c] = await collect(m.continueText('Once upon a time', { maxNewTokens: 40, temperature: 0.8, seed: 3 }));
    const stops = new Set([m.info.manifest.tokens.eos_id, ...m.info.manifest.tokens.stop_ids]);
    assert.equal(c!.text, m.tokenizer.decode(c!.ids.filter((i) => !stops.has(i))));
  });

  test('max tokens ends with "length" after exactly that many tokens', async () => {
    const [c] = await collect(m.continueText('The', { maxNewTokens: 5, repetitionPenalty: 1.3 }));
    if (c!.reason === 'length') assert.equal(c!.ids.length, 5);
    else assert.equal(c!.reason, 'eos');
  });

  test('a stop string ends the candidate before it', async () => {
    const [free] = await collect(m.continueText('Once upon a time', { maxNewTokens: 30 }));
    const words = free!.text.trim().split(/\s+/);
    assert.ok(words.length >= 4, free!.text);
    const stop = ` ${words[3]}`;
    const [c] = await collect(m.continueText('Once upon a time', { maxNewTokens: 30, stop: [stop] }));
    assert.equal(c!.reason, 'stop');
    assert.equal(c!.text, free!.text.slice(0, free!.text.indexOf(stop)));
  });

  test('abort ends every candidate with "aborted" and frees the model', async () => {
    const ac = new AbortController();
    const res = await collect(m.continueText('Once upon a time', { maxNewTokens: 60, n: 2, temperature: 1, seed: 1, signal: ac.signal }), (_ev, count) => {
      if (count === 6) ac.abort();
    });
    assert.equal(res.length, 2);
    for (const c of res) {
      assert.equal(c.reason, 'aborted');
      assert.equal(c.doneEvents, 1);
      assert.ok(c.ids.length <= 4);
    }
    const [after1] = await collect(m.continueText('Hi', { maxNewTokens: 2 }));
    assert.ok(after1!.ids.length >= 1);
  });

  test('breaking out of the stream early frees the model', async () => {
    for await (const ev of m.continueText('Once', { maxNewTokens: 30 })) {
      void ev;
      break;
    }
    const [c] = await collect(m.continueText('Hi', { maxNewTokens: 2 }));
    assert.ok(c!.ids.length >= 1);
  });

  test('dispose during a stream ends it as aborted, then refuses new calls', async () => {
    const other = await loadModel(pack!, { executionProvider: 'cpu' });
    let disposing: Promise<void> | null = null;
    const res = await collect(other.continueText('Once upon a time', { maxNewTokens: 40 }), (_ev, count) => {
      if (count === 3) disposing = other.dispose();
    });
    await disposing;
    assert.equal(res[0]!.reason, 'aborted');
    assert.ok(res[0]!.ids.length <= 4);
    assert.throws(() => other.continueText('x'), /disposed/);
    await assert.rejects(other.compress(['x']), /disposed/);
  });

  test('overlapping calls are refused, not interleaved', async () => {
    const it = m.continueText('Once', { maxNewTokens: 5 })[Symbol.asyncIterator]();
    await it.next();
    await assert.rejects(m.compress(['x']), RuntimeInputError);
    await it.return?.(undefined);
  });

  test('prompt-concat baseline runs with 0 and several documents and prefills more for more documents', async () => {
    const sizes: number[] = [];
    for (const d of [[], docs]) {
      const [c] = await collect(m.generateConcat({ docs: d, task: 'paraphrase', input: 'hello there', maxNewTokens: 4, onPrefill: (p) => sizes.push(p.positions) }));
      assert.ok(c!.ids.length >= 1);
    }
    assert.ok(sizes[1]! > sizes[0]! + 20, String(sizes));
  });

  test('bad input is refused with a specific error and nothing runs', () => {
    const ok = { merged: null, task: 'paraphrase' as const, input: 'x' };
    assert.throws(() => m.generate({ ...ok, merged: new Float32Array(3) }), /merged must be a Float32Array of k\*dim/);
    const nan = new Float32Array(m.info.k * m.info.dim);
    nan[5] = Number.NaN;
    assert.throws(() => m.generate({ ...ok, merged: nan }), /non-finite value at 5/);
    assert.throws(() => m.generate({ ...ok, task: 'summary' as never }), /no "summary" task/);
    assert.throws(() => m.generate({ ...ok, input: 42 as never }), /input must be a string/);
    assert.throws(() => m.generate({ ...ok, n: 0 }), /n must be an integer/);
    assert.throws(() => m.generate({ ...ok, temperature: -1 }), /temperature/);
    assert.throws(() => m.generate({ ...ok, maxNewTokens: 0 }), /maxNewTokens/);
    assert.throws(() => m.generate({ ...ok, seed: Number.POSITIVE_INFINITY }), RuntimeInputError);
    assert.throws(() => m.continueText('x', { stop: [1 as never] }), /stop must be an array of strings/);
  });

  test('chunked prefill of a long prompt gives the same tokens as one-shot prefill', async () => {
    const small = await loadModel(pack!, { executionProvider: 'cpu', prefillChunk: 37 });
    try {
      const req = { docs: [...docs, ...docs, ...docs], task: 'paraphrase' as const, input: 'a long one', maxNewTokens: 12 };
      let positions = 0;
      const [a] = await collect(m.generateConcat({ ...req, onPrefill: (p) => (positions = p.positions) }));
      const [b] = await collect(small.generateConcat(req));
      assert.ok(positions > 3 * 37, `prompt of ${positions} positions spans several chunks`);
      assert.deepEqual(b!.ids, a!.ids);
    } finally {
      await small.dispose();
    }
    await assert.rejects(loadModel(pack!, { prefillChunk: 0 }), /prefillChunk must be a positive integer/);
  });

  test('any of several stop ids ends a candidate (a chat model stops on two tokens)', async () => {
    // Make a token the greedy path produces a second stop id (the manifest is not hashed),
    // and generation must end there with 'eos', whichever of the stop ids it met.
    const prompt = 'Once upon a time';
    const [free] = await collect(m.continueText(prompt, { maxNewTokens: 20 }));
    const man = m.info.manifest;
    const at = free!.ids.findIndex((id, i) => i >= 2 && !free!.ids.slice(0, i).includes(id) && id !== man.tokens.eos_id);
    assert.ok(at > 0, `no usable token in ${free!.ids}`);
    const extra = free!.ids[at]!;
    const tmp = await mkdtemp(join(tmpdir(), 'commer-stop-'));
    try {
      const dir = join(tmp, 'pack');
      await cp(pack!, dir, { recursive: true });
      const mf = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
      mf.tokens.stop_ids = [man.tokens.eos_id, extra];
      await writeFile(join(dir, 'manifest.json'), JSON.stringify(mf));
      const two = await loadModel(dir, { executionProvider: 'cpu' });
      try {
        const [c] = await collect(two.continueText(prompt, { maxNewTokens: 20 }));
        assert.equal(c!.reason, 'eos');
        assert.deepEqual(c!.ids, free!.ids.slice(0, at + 1), 'ends on the extra stop id, reported as the last token');
        assert.equal(c!.text, m.tokenizer.decode(free!.ids.slice(0, at)));
        // minNewTokens holds back every stop id, not only eos.
        const [held] = await collect(two.continueText(prompt, { maxNewTokens: at + 2, minNewTokens: at + 2 }));
        assert.equal(held!.reason, 'length');
        assert.equal(held!.ids.length, at + 2);
        assert.ok(!held!.ids.includes(extra) && !held!.ids.includes(man.tokens.eos_id), `stop ids suppressed: ${held!.ids}`);
      } finally {
        await two.dispose();
      }
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });

  test('a custom prompt task fills {input}', async () => {
    const [c] = await collect(m.generate({ merged: null, task: { prompt: 'Once upon a time, {input}' }, input: 'a cat', maxNewTokens: 5 }));
    assert.ok(c!.ids.length >= 1);
  });
});
