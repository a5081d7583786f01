// The pure readers resynchronise after a syntax error instead of losing the rest
// of the input, and stream in bounded memory whatever the chunking.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_LINE_CHARS, parseCsvRows, parseJsonArray, readCsvRows, splitLines } from '../../../main/core/import/index.js';
import { chunked, collect, docs } from './helpers.js';

const SIZES = [[1], [2, 3, 5, 7], [64], [100_000]];

describe('splitLines', () => {
  test('same lines whatever the chunking, \\r\\n split across chunks included', async () => {
    const text = 'a\r\nbb\n\r\nccc\r\n' + 'd'.repeat(1000) + '\nlast\r';
    for (const sizes of SIZES) {
      const got = await collect(splitLines(chunked(text, sizes)));
      assert.deepEqual(
        got,
        [
          { text: 'a', line: 1 },
          { text: 'bb', line: 2 },
          { text: '', line: 3 },
          { text: 'ccc', line: 4 },
          { text: 'd'.repeat(1000), line: 5 },
          { text: 'last', line: 6 },
        ],
        `chunk sizes ${sizes}`,
      );
    }
  });

  test('a line over the cap is reported with its length and not kept; the next line is read', async () => {
    const text = `short\n${'y'.repeat(5000)}\nafter\n${'z'.repeat(3000)}`;
    for (const sizes of [[7], [4096], [100_000]]) {
      const got = await collect(splitLines(chunked(text, sizes), 1000));
      assert.deepEqual(
        got,
        [
          { text: 'short', line: 1 },
          { text: null, line: 2, tooLong: true, length: 5000 },
          { text: 'after', line: 3 },
          { text: null, line: 4, tooLong: true, length: 3000 },
        ],
        `chunk sizes ${sizes}`,
      );
    }
    assert.equal(MAX_LINE_CHARS, 16 * 1024 * 1024);
  });
});

describe('JSON array resynchronisation', () => {
  const el = (i: number) => `  {\n    "tweet" : {\n      "full_text" : "tweet ${i}"\n    }\n  }`;
  const file = (els: string[], sep = (i: number) => (i < els.length - 1 ? ',' : '')) => `window.YTD.tweets.part0 = [\n${els.map((e, i) => e + sep(i)).join('\n')}\n]`;
  const ten = Array.from({ length: 10 }, (_, i) => el(i));

  test('a missing comma between elements loses nothing and is reported', async () => {
    for (const sizes of SIZES) {
      const evs = await collect(
        parseJsonArray(
          chunked(
            file(ten, (i) => (i === 3 || i === 9 ? '' : ',')),
            sizes,
          ),
          { twitter: true },
        ),
      );
      assert.equal(docs(evs).length, 10, `chunk sizes ${sizes}`);
      assert.deepEqual(
        evs.filter((e) => e.type === 'error').map((e) => [e.line, e.type === 'error' && e.lost]),
        [[2 + 4 * 5, 0]],
      );
    }
  });

  test('an unbalanced quote, a missing "}" or an extra "}" costs at most the element it is in', async () => {
    const cases: Array<[string, (e: string) => string, number]> = [
      ['unbalanced quote', (e) => e.replace('tweet 4"', 'tweet 4'), 9],
      ['missing }', (e) => e.replace(/\n {4}\}\n {2}\}$/, '\n  }'), 9],
      ['extra }', (e) => `${e}}`, 10],
      ['comma inside', (e) => e.replace('"full_text" :', '"a": 1 "full_text" :'), 9],
    ];
    for (const [name, edit, want] of cases) {
      for (const sizes of SIZES) {
        const evs = await collect(parseJsonArray(chunked(file(ten.map((e, i) => (i === 4 ? edit(e) : e))), sizes), { twitter: true }));
        const texts = docs(evs);
        assert.equal(texts.length, want, `${name}, chunk sizes ${sizes}`);
        assert.ok(texts.includes('tweet 9') && texts.includes('tweet 5'), name);
        assert.equal(evs.filter((e) => e.type === 'error').length, 1, name);
      }
    }
  });
});

describe('CSV reader', () => {
  const rows = async (text: string, sizes: number[]) => (await collect(readCsvRows(chunked(text, sizes)))).map((r) => (r.error ? `!${r.line}` : `${r.line}:${r.cells.join('|')}`));

  test('quoted fields with delimiters, doubled quotes and line breaks; quotes inside unquoted text', async () => {
    const text = 'text,n\r\n"a, ""b"" c",1\n"two\r\nlines",2\nsaid "hi" twice,3\n';
    for (const sizes of SIZES) assert.deepEqual(await rows(text, sizes), ['1:text|n', '2:a, "b" c|1', '3:two\r\nlines|2', '5:said "hi" twice|3']);
  });

  test('mixed line endings end rows wherever they are', async () => {
    for (const sizes of SIZES) assert.deepEqual(await rows('text\r\none\ntwo\rthree\r\nfour', sizes), ['1:text', '2:one', '3:two', '4:three', '5:four']);
  });

  test('an unbalanced quote costs one row: reading starts again on the next line', async () => {
    const text = 'text\n"one"\n"two\n"three"\n"fo"ur"\nfive\n"six';
    for (const sizes of SIZES) assert.deepEqual(await rows(text, sizes), ['1:text', '2:one', '!3', '4:three', '!5', '6:five', '!7']);
    const evs = await collect(parseCsvRows(readCsvRows(chunked(text, [3])), {}));
    assert.deepEqual(docs(evs), ['one', 'three', 'five']);
    assert.deepEqual(
      evs.filter((e) => e.type === 'error').map((e) => e.line),
      [3, 5, 7],
    );
  });
});
