// Token-level stopping criteria and one candidate's end (criteria + text decoder +
// stop strings), with a small decoder that holds text back the way a byte-level
// decoder does while a character is incomplete.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { CandidateStopping, MaxNewTokensCriterion, StopTokensCriterion, StoppingCriteriaList, type TokenTextStream } from '../../../main/core/stopping.js';

/** ids -> pieces; a piece ending in '~' is held until the next id (an incomplete character), and flush() releases it without the '~'. */
class PieceDecoder implements TokenTextStream {
  private held = '';
  constructor(private readonly pieces: Record<number, string>) {}
  push(id: number): string {
    const p = this.held + this.pieces[id]!;
    if (p.endsWith('~')) {
      this.held = p.slice(0, -1);
      return '';
    }
    this.held = '';
    return p;
  }
  flush(): string {
    const t = this.held;
    this.held = '';
    return t;
  }
}

const EOS = 0;
const pieces = { 1: 'Hello', 2: ' wor', 3: 'ld', 4: '.', 5: ' E', 6: 'ND', 7: ' caf~', 8: 'e' };
const criteria = (max: number) => new StoppingCriteriaList([new StopTokensCriterion([EOS, 9]), new MaxNewTokensCriterion(max)]);

function run(ids: number[], max: number, stops: string[] = []): { texts: string[]; reason: string | null; steps: number } {
  const c = new CandidateStopping(criteria(max), new PieceDecoder(pieces), stops);
  const texts: string[] = [];
  let reason: string | null = null;
  let steps = 0;
  for (const id of ids) {
    const s = c.next(id, ++steps);
    texts.push(s.text);
    reason = s.reason;
    if (reason) break;
  }
  return { texts, reason, steps };
}

describe('stopping criteria', () => {
  test('stop tokens: any of the ids', () => {
    const s = new StopTokensCriterion([0, 9]);
    assert.equal(s.reason, 'eos');
    assert.deepEqual(
      [0, 9, 1].map((id) => s.isDone(id, 1)),
      [true, true, false],
    );
  });

  test('max new tokens: done at the count, checked', () => {
    const m = new MaxNewTokensCriterion(3);
    assert.deepEqual(
      [1, 2, 3, 4].map((g) => m.isDone(5, g)),
      [false, false, true, true],
    );
    assert.throws(() => new MaxNewTokensCriterion(0), /maxNewTokens must be a positive integer/);
  });

  test('the list names the first criterion met, in order', () => {
    const list = criteria(2);
    assert.equal(list.check(1, 1), null);
    assert.equal(list.check(1, 2), 'length');
    assert.equal(list.check(EOS, 2), 'eos', 'a stop token on the last step is still eos');
    assert.equal(new StoppingCriteriaList([new MaxNewTokensCriterion(2), new StopTokensCriterion([EOS])]).check(EOS, 2), 'length', 'order decides');
  });
});

describe('CandidateStopping', () => {
  test('plain text streams through until the length limit', () => {
    assert.deepEqual(run([1, 2, 3, 4], 3), { texts: ['Hello', ' wor', 'ld'], reason: 'length', steps: 3 });
  });

  test('a stop token adds no text but releases what the decoder held', () => {
    assert.deepEqual(run([1, 7, EOS], 10), { texts: ['Hello', '', ' caf'], reason: 'eos', steps: 3 });
    assert.deepEqual(run([1, 9], 10), { texts: ['Hello', ''], reason: 'eos', steps: 2 }, 'any stop id');
  });

  test('a stop string split over tokens cuts the text before it', () => {
    assert.deepEqual(run([1, 5, 6, 1], 10, ['END']), { texts: ['Hello', ' ', ''], reason: 'stop', steps: 3 }, "' E': the 'E' is held");
    assert.deepEqual(run([1, 2, 3, 4], 10, ['ld.']), { texts: ['Hello', ' wor', '', ''], reason: 'stop', steps: 4 });
  });

  test('text held back as a possible stop is released when it is not one, and at the end', () => {
    assert.deepEqual(run([5, 1], 10, [' END']), { texts: ['', ' EHello'], reason: null, steps: 2 });
    assert.deepEqual(run([1, 5], 2, [' END']), { texts: ['Hello', ' E'], reason: 'length', steps: 2 }, 'the last token releases the held " E"');
    assert.deepEqual(run([1, 5, EOS], 5, [' END']), { texts: ['Hello', '', ' E'], reason: 'eos', steps: 3 });
  });

  test('on the last token the decoder release can complete a stop string: still length, text cut', () => {
    // 'lo' is held as a possible 'lo c'; ' caf~' is held by the decoder, and its release completes the stop.
    assert.deepEqual(run([1, 7], 2, ['lo c']), { texts: ['Hel', ''], reason: 'length', steps: 2 });
    assert.deepEqual(run([1, 7], 2, ['caf']), { texts: ['Hello', ' '], reason: 'length', steps: 2 });
  });

  test('a character the end cuts in half (the decoder releases its first bytes as U+FFFD) is dropped, at the length limit and at a stop token', () => {
    // Seen from the shipped pack: "… you can help too! 🌍" cut by maxNewTokens inside the next emoji.
    const cut = { ...pieces, 10: ' too! \u{1F30D}', 11: ' \uFFFD~' };
    const end = (ids: number[], max: number) => {
      const c = new CandidateStopping(criteria(max), new PieceDecoder(cut));
      return ids.map((id, i) => c.next(id, i + 1).text).join('');
    };
    assert.equal(end([1, 10, 11], 3), 'Hello too! \u{1F30D} ');
    assert.equal(end([1, 10, 11, EOS], 10), 'Hello too! \u{1F30D} ');
    assert.equal(end([1, 10], 2), 'Hello too! \u{1F30D}', 'a whole character is kept');
  });

  test('a finished candidate takes no more tokens', () => {
    const c = new CandidateStopping(criteria(1), new PieceDecoder(pieces));
    assert.equal(c.next(1, 1).reason, 'length');
    assert.equal(c.done, true);
    assert.throws(() => c.next(1, 2), /already finished/);
  });
});
