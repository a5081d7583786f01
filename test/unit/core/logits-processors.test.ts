// The parts of choosing a token, one at a time: logits processors (in place, at a
// row's offset in a batch buffer), their list, the samplers, and TokenSampler's
// split between processors that may touch the model's shared row and those that
// work on a private copy.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Rng } from '../../../main/core/rng.js';
import { createRng } from '../../../main/core/rng.js';
import {
  GreedySampler,
  LogitsProcessorList,
  MinNewTokensProcessor,
  MultinomialSampler,
  RepetitionPenaltyProcessor,
  resolveSampling,
  TemperatureProcessor,
  TokenSampler,
  type LogitsProcessor,
} from '../../../main/core/sampling.js';

function fixedRng(...values: number[]): Rng {
  let i = 0;
  return { next: () => values[i++ % values.length]!, nextUint32: () => 0 };
}

/** Two rows of vocab 4 in one buffer, as a [2, 1, 4] logits output holds them. */
function twoRows(): Float32Array {
  return new Float32Array([1, 2, 3, 4, -1, 5, 0.5, -2]);
}

describe('MinNewTokensProcessor', () => {
  const prompt = 3; // history holds 3 prompt ids before the generated ones

  test('bans every stop id of the row at the offset while fewer than min tokens are generated', () => {
    const x = twoRows();
    new MinNewTokensProcessor([1, 3], 2, prompt).apply(x, 4, [7, 7, 7, 0], prompt + 1);
    assert.deepEqual(Array.from(x), [1, 2, 3, 4, -1, -Infinity, 0.5, -Infinity], 'row 1 only, ids 1 and 3');
  });

  test('lets them through once min tokens exist', () => {
    const x = twoRows();
    new MinNewTokensProcessor([1, 3], 2, prompt).apply(x, 0, [7, 7, 7, 0, 2], prompt + 2);
    assert.deepEqual(Array.from(x), Array.from(twoRows()));
  });

  test('min 0 never bans', () => {
    const x = twoRows();
    new MinNewTokensProcessor([0], 0, prompt).apply(x, 0, [7, 7, 7], prompt);
    assert.deepEqual(Array.from(x), Array.from(twoRows()));
  });
});

describe('RepetitionPenaltyProcessor and TemperatureProcessor', () => {
  test('the penalty changes only the row at the offset, once per distinct id', () => {
    const x = twoRows();
    new RepetitionPenaltyProcessor(4, 2).apply(x, 4, [1, 0, 1], 3);
    // row 1 = [-1, 5, 0.5, -2]: id 0 negative -> *2, id 1 positive -> /2
    assert.deepEqual(Array.from(x), [1, 2, 3, 4, -2, 2.5, 0.5, -2]);
  });

  test('only the history before historyLen counts', () => {
    const x = new Float32Array([2, 2]);
    new RepetitionPenaltyProcessor(2, 2).apply(x, 0, [0, 1], 1);
    assert.deepEqual(Array.from(x), [1, 2]);
  });

  test('temperature divides only the row at the offset', () => {
    const x = twoRows();
    new TemperatureProcessor(0.5, 4).apply(x, 4);
    assert.deepEqual(Array.from(x), [1, 2, 3, 4, -2, 10, 1, -4]);
    const y = new Float32Array([3, -6]);
    new TemperatureProcessor(3, 2).apply(y, 0);
    assert.deepEqual(Array.from(y), [1, -2]);
  });
});

describe('LogitsProcessorList', () => {
  test('applies its processors in order with the same row and history', () => {
    const seen: string[] = [];
    const rec = (name: string): LogitsProcessor => ({
      apply: (logits, offset, history, len) => {
        seen.push(`${name}@${offset}:${Array.from(history).slice(0, len).join(',')}`);
        logits[offset] = logits[offset]! * 10 + (name === 'a' ? 1 : 2);
      },
    });
    const list = new LogitsProcessorList([rec('a'), rec('b')]);
    assert.equal(list.length, 2);
    const x = new Float32Array([0, 0, 0]);
    list.apply(x, 1, [4, 5, 6], 2);
    assert.deepEqual(seen, ['a@1:4,5', 'b@1:4,5']);
    assert.equal(x[1], 12, 'a then b: (0*10+1)*10+2');
  });

  test('an empty list changes nothing', () => {
    const x = twoRows();
    new LogitsProcessorList().apply(x, 0, [], 0);
    assert.deepEqual(Array.from(x), Array.from(twoRows()));
  });
});

describe('samplers', () => {
  test('greedy reads the row at the offset', () => {
    const g = new GreedySampler(4);
    const x = twoRows();
    assert.equal(g.sample(x, 0), 3);
    assert.equal(g.sample(x, 4), 1);
  });

  test('multinomial: hand-computed draws, top-k and top-p cuts, row untouched', () => {
    // row 1 of the buffer: probabilities 0.1, 0.6, 0.3 (sorted: id1 0.6, id2 0.3, id0 0.1)
    const x = new Float32Array([9, 9, 9, Math.log(0.1), Math.log(0.6), Math.log(0.3)]);
    const before = Array.from(x);
    assert.equal(new MultinomialSampler(3, 0, 1, fixedRng(0.5)).sample(x, 3), 1);
    assert.equal(new MultinomialSampler(3, 0, 1, fixedRng(0.7)).sample(x, 3), 2);
    assert.equal(new MultinomialSampler(3, 0, 1, fixedRng(0.95)).sample(x, 3), 0);
    assert.equal(new MultinomialSampler(3, 1, 1, fixedRng(0.999)).sample(x, 3), 1, 'top-k 1 is greedy');
    assert.equal(new MultinomialSampler(3, 0, 0.8, fixedRng(0.95)).sample(x, 3), 2, 'top-p 0.8 drops the 0.1 token');
    assert.deepEqual(Array.from(x), before);
  });

  test('multinomial draws follow the distribution with a seeded generator', () => {
    const x = new Float32Array([Math.log(0.1), Math.log(0.6), Math.log(0.3)]);
    const s = new MultinomialSampler(3, 0, 1, createRng(42));
    const counts = [0, 0, 0];
    for (let i = 0; i < 20_000; i++) counts[s.sample(x, 0)]!++;
    assert.ok(Math.abs(counts[1]! / 20_000 - 0.6) < 0.02, String(counts));
    assert.ok(Math.abs(counts[2]! / 20_000 - 0.3) < 0.02, String(counts));
  });
});

describe('TokenSampler composition', () => {
  test('settings from resolveSampling are taken as they are; raw options are checked', () => {
    const resolved = resolveSampling({ temperature: 0.5, topK: 2 });
    assert.equal(new TokenSampler(4, resolved, createRng(1)).settings, resolved);
    assert.deepEqual(new TokenSampler(4, { temperature: 0.5, topK: 2 }, createRng(1)).settings, resolved);
    assert.throws(() => new TokenSampler(4, { topP: 0 }, createRng(1)), RangeError);
  });

  test('processors follow the settings: none for plain greedy, penalty then temperature otherwise', () => {
    const kinds = (o: Parameters<typeof resolveSampling>[0]) => new TokenSampler(4, o, createRng(1)).processors.processors.map((p) => p.constructor.name);
    assert.deepEqual(kinds({}), []);
    assert.deepEqual(kinds({ temperature: 1 }), [], 'temperature 1 divides by nothing');
    assert.deepEqual(kinds({ repetitionPenalty: 1.2 }), ['RepetitionPenaltyProcessor']);
    assert.deepEqual(kinds({ temperature: 0.7, repetitionPenalty: 1.2 }), ['RepetitionPenaltyProcessor', 'TemperatureProcessor']);
    assert.equal(new TokenSampler(4, {}, createRng(1)).sampler.constructor.name, 'GreedySampler');
    assert.equal(new TokenSampler(4, { temperature: 0.7 }, createRng(1)).sampler.constructor.name, 'MultinomialSampler');
  });

  test('shared processors act on the model row; a penalty works on a copy and leaves the row for the next candidate', () => {
    const eos = 3;
    const shared = [new MinNewTokensProcessor([eos], 1, 1)];
    const a = new TokenSampler(4, { repetitionPenalty: 100 }, createRng(1), shared);
    const b = new TokenSampler(4, {}, createRng(1), shared);
    const row = new Float32Array([1, 1.5, 1.2, 9]); // eos is the argmax
    // Both candidates read the same row (the prefill's), history = [bos] only.
    assert.equal(a.pick(row, 0, [1], 1), 2, 'eos banned, id 1 penalised');
    assert.deepEqual(Array.from(row), [1, 1.5, Math.fround(1.2), -Infinity], 'the ban is on the row, the penalty is not');
    assert.equal(b.pick(row, 0, [1], 1), 1, 'the other candidate sees the row without the first one penalty');
    // Once a token exists the ban lifts.
    assert.equal(b.pick(new Float32Array([1, 1.5, 1.2, 9]), 0, [1, 1], 2), eos);
  });

  test('seeded candidates drawing from one generator in turn are reproducible', () => {
    const x = new Float32Array([Math.log(0.2), Math.log(0.5), Math.log(0.3)]);
    const draw = () => {
      const rng = createRng(9);
      const s = [0, 1, 2].map(() => new TokenSampler(3, resolveSampling({ temperature: 0.9 }), rng));
      const out: number[] = [];
      for (let step = 0; step < 30; step++) for (const c of s) out.push(c.pick(x, 0, [], 0));
      return out;
    };
    const first = draw();
    assert.deepEqual(draw(), first);
    assert.ok(new Set(first).size > 1, 'the draws vary');
  });
});
