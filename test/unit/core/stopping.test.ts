import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { StopStringMatcher } from '../../../main/core/stopping.js';

function stream(stops: string[], pieces: string[]): { out: string; stopped: boolean } {
  const m = new StopStringMatcher(stops);
  let out = '';
  for (const p of pieces) {
    const r = m.push(p);
    out += r.text;
    if (r.stopped) return { out, stopped: true };
  }
  return { out: out + m.flush(), stopped: false };
}

describe('StopStringMatcher', () => {
  test('passes text through when there are no stops', () => {
    assert.deepEqual(stream([], ['a', 'b']), { out: 'ab', stopped: false });
  });
  test('stops at a stop string split across pieces and drops it', () => {
    assert.deepEqual(stream(['\n\n'], ['Hello', ' world\n', '\nmore']), { out: 'Hello world', stopped: true });
  });
  test('holds back a possible prefix, then releases it when it is not a stop', () => {
    const m = new StopStringMatcher(['END']);
    assert.deepEqual(m.push('abcE'), { text: 'abc', stopped: false });
    assert.deepEqual(m.push('N'), { text: '', stopped: false });
    assert.deepEqual(m.push('x'), { text: 'ENx', stopped: false });
  });
  test('the earliest of several stops wins', () => {
    assert.deepEqual(stream(['cd', 'b'], ['abcd']), { out: 'a', stopped: true });
  });
  test('flush releases held text at the end', () => {
    assert.deepEqual(stream(['END'], ['abcEN']), { out: 'abcEN', stopped: false });
  });
});
