// CommerModel.score / scoreConcat (the evaluator's perplexity) on a real pack:
// the one-pass, chunked NLL equals the NLL assembled token by token from
// forwardLast, and does not depend on the prefill chunk size.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadModel, type CommerModel } from '../../../main/runtime/index.js';
import { fillTemplate } from '../../../main/core/templates.js';
import { primaryPack } from './fixture-packs.js';

const pack = primaryPack();

function logSoftmaxAt(logits: Float32Array, id: number): number {
  let max = -Infinity;
  for (const v of logits) if (v > max) max = v;
  let sum = 0;
  for (const v of logits) sum += Math.exp(v - max);
  return logits[id]! - max - Math.log(sum);
}

describe('CommerModel.score', { skip: pack ? false : 'no fixture pack (the golden test fails for that)' }, () => {
  let m: CommerModel;
  let small: CommerModel;
  const input = 'the rain stopped and we went out for a long walk by the river';
  const target = 'Rain stopped.  Long walk by the river\nwith the dog!';

  before(async () => {
    m = await loadModel(pack!, { executionProvider: 'cpu', threads: 1 });
    small = await loadModel(pack!, { executionProvider: 'cpu', threads: 1, prefillChunk: 3 });
  });
  after(async () => {
    await m.dispose();
    await small.dispose();
  });

  test('without a merge, the NLL is the sum of per-token log-probabilities read one position at a time', async () => {
    const man = m.info.manifest;
    const prompt = [man.tokens.bos_id, ...m.tokenizer.encode(fillTemplate(man.templates.tasks.paraphrase!.prompt, { input }))];
    const tgt = [...m.tokenizer.encode('Rain stopped. Long walk by the river with the dog!'), man.tokens.eos_id];
    let want = 0;
    for (let j = 0; j < tgt.length; j++) {
      const { logits } = await m.forwardLast([...prompt, ...tgt.slice(0, j)], 0);
      want -= logSoftmaxAt(logits, tgt[j]!);
    }
    const got = await m.score({ merged: null, task: 'paraphrase', input, target });
    assert.equal(got.tokens, tgt.length);
    assert.equal(got.prefixPositions, 0);
    assert.ok(Math.abs(got.nll - want) < 1e-3 * Math.max(1, want), `score ${got.nll} vs token by token ${want}`);
  });

  test('with a merge and with documents in the prompt, chunked prefill gives the same NLL', async () => {
    const [a, b] = await m.compress(['Coffee first. Then code.', 'Shipped the release today, thanks all']);
    const merged = new Float32Array(a!.length);
    for (let i = 0; i < merged.length; i++) merged[i] = (a![i]! + b![i]!) / 2;
    const one = await m.score({ merged, task: 'paraphrase', input, target });
    const chunked = await small.score({ merged, task: 'paraphrase', input, target });
    assert.equal(one.prefixPositions, m.info.k);
    assert.ok(Math.abs(one.nll - chunked.nll) < 1e-3 * Math.max(1, one.nll), `${one.nll} vs ${chunked.nll}`);
    const plain = await m.score({ merged: null, task: 'paraphrase', input, target });
    assert.notEqual(one.nll, plain.nll, 'the merge changes the prediction');

    const docs = ['Coffee first. Then code.', 'Shipped the release today, thanks all'];
    const full = await m.scoreConcat({ docs, task: 'paraphrase', input, target });
    const fullChunked = await small.scoreConcat({ docs, task: 'paraphrase', input, target });
    assert.ok(Math.abs(full.nll - fullChunked.nll) < 1e-3 * Math.max(1, full.nll));
    assert.ok(full.prefixPositions > m.info.k, 'all document tokens are in the prompt');
    const budget = await m.scoreConcat({ docs, task: 'paraphrase', input, target, docTokens: m.info.k });
    assert.equal(budget.prefixPositions, m.info.k, 'the budget baseline keeps k document tokens');
    assert.notEqual(budget.nll, full.nll);
  });

  test('bad requests are refused at the call, before any work', () => {
    assert.throws(() => m.score({ merged: new Float32Array(3), task: 'paraphrase', input, target }), /merged must be/);
    assert.throws(() => m.scoreConcat({ docs: [], task: 'paraphrase', input, target, docTokens: -1 }), /docTokens/);
    assert.throws(() => m.score({ merged: null, task: 'nope' as 'paraphrase', input, target }), /no "nope" task/);
    assert.throws(() => m.score({ merged: null, task: 'paraphrase', input, target: 7 as unknown as string }), /target must be a string/);
  });
});
