import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { IncrementalDecoder } from '../../../main/runtime/tokenizer.js';

// A byte-level toy tokenizer with the two behaviours that break naive streaming:
// ids >= 256 are whole pieces where "▁" means a space; ids < 256 are raw bytes
// (byte fallback); the decoder strips one leading space of the whole decode, like
// SentencePiece's dummy prefix.
const pieces = new Map<number, string>([
  [300, '▁Hello'],
  [301, '▁world'],
  [302, '!'],
]);
const toy = {
  decode(ids: ArrayLike<number>): string {
    const bytes: number[] = [];
    for (const id of Array.from(ids)) {
      if (id < 256) bytes.push(id);
      else bytes.push(...new TextEncoder().encode(pieces.get(id)!.replaceAll('▁', ' ')));
    }
    const s = new TextDecoder('utf-8').decode(Uint8Array.from(bytes));
    return s.startsWith(' ') ? s.slice(1) : s;
  },
};

function streamAll(ids: number[]): string[] {
  const d = new IncrementalDecoder(toy);
  const out = ids.map((id) => d.push(id));
  out.push(d.flush());
  return out;
}

describe('IncrementalDecoder', () => {
  test('keeps the spaces between words (no per-token leading-space strip)', () => {
    const deltas = streamAll([300, 301, 302]);
    assert.deepEqual(deltas, ['Hello', ' world', '!', '']);
    assert.equal(deltas.join(''), toy.decode([300, 301, 302]));
  });

  test('never emits half of a multi-byte character', () => {
    const smile = Array.from(new TextEncoder().encode('😀')); // 4 bytes
    const deltas = streamAll([300, ...smile, 302]);
    for (const d of deltas) assert.ok(!d.includes('\uFFFD'), JSON.stringify(deltas));
    assert.deepEqual(deltas, ['Hello', '', '', '', '😀', '!', '']);
    assert.equal(deltas.join(''), 'Hello😀!');
  });

  test('flush releases a dangling partial character as U+FFFD', () => {
    const d = new IncrementalDecoder(toy);
    assert.equal(d.push(300), 'Hello');
    assert.equal(d.push(0xf0), '');
    assert.equal(d.flush(), '\uFFFD');
  });
});
