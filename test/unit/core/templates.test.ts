import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { concatPromptText, documentIds, fillTemplate, keepFirst, keepLast, promptIds } from '../../../main/core/templates.js';

// A toy encoder: one id per character (its code point), so expectations are readable.
const enc = (s: string): number[] => Array.from(s, (c) => c.codePointAt(0)!);
const spec = { bosId: 1, maxDocTokens: 3, maxPromptTokens: 4 };

describe('fillTemplate', () => {
  test('fills placeholders in one pass', () => {
    assert.equal(fillTemplate('Paraphrase: {input}\nTweet:', { input: 'hi {input} {text}' }), 'Paraphrase: hi {input} {text}\nTweet:');
  });
  test('leaves unknown placeholders and fills numbers', () => {
    assert.equal(fillTemplate('Document {i}: {text} {other}', { i: 2, text: 'x' }), 'Document 2: x {other}');
  });
});

describe('truncation', () => {
  test('documents keep their start, prompts their end', () => {
    assert.deepEqual(keepFirst([1, 2, 3, 4], 2), [1, 2]);
    assert.deepEqual(keepLast([1, 2, 3, 4], 2), [3, 4]);
    assert.deepEqual(keepLast([1], 5), [1]);
  });
  test('documentIds = [bos] + enc(document(text))[:max_doc_tokens]', () => {
    assert.deepEqual(documentIds(enc, '<{text}>', 'abcdef', spec), [1, ...enc('<ab')]);
    assert.deepEqual(documentIds(enc, '{text}', 'a', spec), [1, 97]);
  });
  test('promptIds = [bos] + last max_prompt_tokens of enc(prompt)', () => {
    assert.deepEqual(promptIds(enc, 'P {input}:', 'xyz', spec), [1, ...enc('xyz:')]);
    assert.deepEqual(promptIds(enc, '{input}', 'ab', spec), [1, 97, 98]);
  });
  test('concat text numbers documents from 1, then the prompt', () => {
    assert.equal(concatPromptText('Document {i}: {text}\n', ['a', 'b'], 'Q {input}', 'z'), 'Document 1: a\nDocument 2: b\nQ z');
  });
});
