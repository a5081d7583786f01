import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseJsonArray, parseJsonLines, splitJsonArray, ImportParseError } from '../../../main/core/import/index.js';
import { chunked, collect, docs } from './helpers.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/import/${name}`, import.meta.url), 'utf8');

describe('splitJsonArray', () => {
  test('gives the same elements and lines whatever the chunking', async () => {
    const text = fixture('tweets.js');
    const whole = await collect(splitJsonArray(chunked(text), { allowAssignmentPrefix: true }));
    assert.equal(whole.length, 5);
    assert.deepEqual(
      whole.map((e) => JSON.parse(e.json!).tweet.id_str),
      ['1001', '1002', '1003', '1004', '1005'],
    );
    for (const sizes of [[1], [2, 3, 5, 7], [64], [1000]]) {
      const parts = await collect(splitJsonArray(chunked(text, sizes), { allowAssignmentPrefix: true }));
      assert.deepEqual(parts, whole, `chunk sizes ${sizes}`);
    }
    // Line numbers point at where each element starts in the file.
    const lines = text.split('\n');
    for (const e of whole) assert.match(lines[e.line - 1]!, /^\s*\{/);
  });

  test('handles scalars, nested brackets in strings and escaped quotes', async () => {
    const els = await collect(splitJsonArray(chunked('[1, "a]b", {"x": "}\\"{"}, [2,[3]], null]', [3]), { allowAssignmentPrefix: false }));
    assert.deepEqual(
      els.map((e) => JSON.parse(e.json!)),
      [1, 'a]b', { x: '}"{' }, [2, [3]], null],
    );
  });

  test('refuses text before the array unless it is an assignment', async () => {
    await assert.rejects(collect(splitJsonArray(chunked('hello [1]'), { allowAssignmentPrefix: true })), /unexpected text before the JSON array/);
    await assert.rejects(collect(splitJsonArray(chunked('x = [1]'), { allowAssignmentPrefix: false })), /unexpected text before/);
    await assert.rejects(collect(splitJsonArray(chunked('{"a": 1}'), { allowAssignmentPrefix: true })), /no JSON array found/);
    await assert.rejects(collect(splitJsonArray(chunked('[1] trailing'), { allowAssignmentPrefix: true })), /after the end of the array/);
  });

  test('an object wrapping the records as its first field ({"data": [...]}) streams like an array', async () => {
    const text = '{\n  "data": [\n    {"text": "one"},\n    {"text": "two"}\n  ],\n  "meta": {"count": 2, "list": [1, 2]}\n}\n';
    for (const sizes of [[1], [5], [1000]]) {
      const els = await collect(splitJsonArray(chunked(text, sizes), { allowAssignmentPrefix: false, allowObjectWrapper: true }));
      assert.deepEqual(els, [
        { json: '{"text": "one"}', line: 3 },
        { json: '{"text": "two"}', line: 4 },
      ]);
    }
    await assert.rejects(collect(splitJsonArray(chunked('{"meta": {"n": [1]}, "data": []}'), { allowAssignmentPrefix: false, allowObjectWrapper: true })), /first field is not the array of records/);
    await assert.rejects(collect(splitJsonArray(chunked('{"data": [1]}'), { allowAssignmentPrefix: true })), /first field is not the array/);
  });

  test('a truncated array is an error naming the line, after yielding the complete elements', async () => {
    const got: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const e of splitJsonArray(chunked(fixture('tweets-truncated.js'), [17]), { allowAssignmentPrefix: true })) got.push(e.json!);
      })(),
      (err: unknown) => err instanceof ImportParseError && /truncated/.test(err.message) && (err.line ?? 0) > 1,
    );
    assert.ok(got.length >= 2, 'complete elements before the cut are still delivered');
  });
});

describe('parseJsonArray (Twitter archive)', () => {
  test('skips retweets and replies by default, decodes entities, parses dates', async () => {
    const evs = await collect(parseJsonArray(chunked(fixture('tweets.js'), [50]), { twitter: true }));
    assert.deepEqual(docs(evs), [
      'Shipping the new release today & it feels great. Thanks to everyone who tested it!',
      'Coffee first, then code. Then more coffee \u2615\ufe0f',
      'Small steps < big plans. Every day.\nNew line inside a tweet with a "quote" and a [bracket] {brace}',
    ]);
    assert.deepEqual(
      evs.filter((e) => e.type === 'skip').map((e) => (e.type === 'skip' ? e.reason : '')),
      ['retweet', 'reply'],
    );
    const first = evs.find((e) => e.type === 'doc');
    assert.equal(first?.type === 'doc' && first.doc.writtenAt, '2018-10-10T20:19:24.000Z');
  });

  test('keeps replies and retweets when asked', async () => {
    const evs = await collect(parseJsonArray(chunked(fixture('tweets.js')), { twitter: true, includeReplies: true, includeRetweets: true }));
    assert.equal(docs(evs).length, 5);
  });

  test('a malformed element is a row error with its line; the others still parse', async () => {
    const evs = await collect(parseJsonArray(chunked(fixture('tweets-bad-row.js')), { twitter: true }));
    const errs = evs.filter((e) => e.type === 'error');
    assert.equal(errs.length, 1);
    assert.equal(
      errs[0]!.type === 'error' && errs[0]!.line,
      fixture('tweets-bad-row.js')
        .split('\n')
        .findIndex((l) => l.includes('broken')) + 1,
    );
    assert.equal(docs(evs).length, 2);
  });

  test('records without a text field: the error lists the fields found', async () => {
    await assert.rejects(
      collect(parseJsonArray(chunked(fixture('export-no-text.json')), {})),
      /no text column \(columns: link, headline, short_description\)|fields?: link, headline, short_description/,
    );
    const evs = await collect(parseJsonArray(chunked(fixture('export-no-text.json')), { textField: 'headline' }));
    assert.deepEqual(docs(evs), ['h']);
  });

  test('generic JSON export: strings and objects; blank text is a skip', async () => {
    const evs = await collect(parseJsonArray(chunked(fixture('export.json'), [9]), {}));
    assert.deepEqual(docs(evs), ['First exported post', 'Second exported post', 'a bare string record', 'First exported post']);
    assert.equal(evs.filter((e) => e.type === 'skip').length, 1);
  });
});

describe('parseJsonLines', () => {
  test('one record per line; a bad line is an error with its number', async () => {
    const evs = await collect(parseJsonLines(chunked(fixture('export.jsonl'), [4]), {}));
    assert.deepEqual(docs(evs), ['jsonl one', 'jsonl two', 'jsonl four']);
    const err = evs.find((e) => e.type === 'error');
    assert.equal(err?.type === 'error' && err.line, 3);
  });

  test('an empty file and a non-JSON first line are refused', async () => {
    await assert.rejects(collect(parseJsonLines(chunked('\n\n'), {})), /empty/);
    await assert.rejects(collect(parseJsonLines(chunked('hello\n{"text":"x"}\n'), {})), /line 1 of a JSON Lines file is not JSON/);
  });
});
