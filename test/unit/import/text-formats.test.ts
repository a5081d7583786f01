import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  parseTextBlocks,
  parseTextWhole,
  parseMarkdown,
  parseHtml,
  parseCsvRows,
  detectCsvLayout,
  detectFormat,
  decodeTweetEntities,
  toIsoDate,
  ImportParseError,
  type CsvRow,
} from '../../../main/core/import/index.js';
import { chunked, collect, docs } from './helpers.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/import/${name}`, import.meta.url), 'utf8');

async function* rows(list: string[][]): AsyncGenerator<CsvRow> {
  let line = 1;
  for (const cells of list) yield { cells, line: line++ };
}

describe('plain text', () => {
  test('blocks split on blank lines, with the line each starts on', async () => {
    const evs = await collect(parseTextBlocks(chunked(fixture('notes.txt'), [3])));
    assert.deepEqual(docs(evs), ['First block, a short thought.', 'Second block\nspans two lines.', 'Third block after several blank lines.']);
    assert.deepEqual(
      evs.map((e) => (e.type === 'doc' ? e.doc.line : 0)),
      [1, 3, 8],
    );
  });

  test('whole file as one document; empty input refused', async () => {
    assert.equal(docs(await collect(parseTextWhole(chunked(fixture('notes.txt'))))).length, 1);
    await assert.rejects(collect(parseTextBlocks(chunked(''))), /empty/);
    await assert.rejects(collect(parseTextWhole(chunked('  \n '))), /empty/);
  });

  test('a row with U+FFFD (bytes invalid in the encoding) is a row error', async () => {
    const evs = await collect(parseTextBlocks(chunked('good\n\nbad \uFFFD here\n')));
    assert.deepEqual(docs(evs), ['good']);
    assert.match(evs[1]!.type === 'error' ? evs[1]!.message : '', /not valid UTF-8/);
  });
});

describe('articles', () => {
  test('markdown: formatting, link targets and front matter removed', async () => {
    const [d] = docs(await collect(parseMarkdown(chunked(fixture('article.md'), [10]))));
    assert.ok(d);
    assert.match(d, /^Why I write every morning/);
    assert.match(d, /Writing early keeps the day honest\. I keep a notebook by the bed\./);
    assert.doesNotMatch(d, /example\.com|\*\*|Front matter|^#/m);
  });

  test('html: prose kept; script, style, nav, footer, images and hrefs dropped', async () => {
    const [d] = docs(await collect(parseHtml(chunked(fixture('article.html')))));
    assert.ok(d);
    assert.match(d, /The quiet power of long walks/);
    assert.match(d, /I walk for an hour & think\. Read more/);
    assert.doesNotMatch(d, /var x|color:red|Home \| About|\(c\) me|x\.png|https:/);
  });

  test('an article with no visible text is refused', async () => {
    await assert.rejects(collect(parseMarkdown(chunked(fixture('blank.md')))), /empty/);
    await assert.rejects(collect(parseHtml(chunked('<html><script>x</script></html>'))), /no visible text/);
  });
});

describe('csv rows', () => {
  test('header with a text column; dates, entities, retweets', async () => {
    const evs = await collect(
      parseCsvRows(
        rows([
          ['created_at', 'text'],
          ['10/16/17 22:59', 'Hi &amp; bye'],
          ['1/2/18 1:02', 'RT @x: no'],
        ]),
        {},
      ),
    );
    assert.deepEqual(docs(evs), ['Hi & bye']);
    assert.equal(evs[0]!.type === 'doc' && evs[0]!.doc.writtenAt, '2017-10-16T22:59:00.000Z');
    assert.equal(evs[1]!.type, 'skip');
  });

  test('no text column: the error names the columns found', () => {
    assert.throws(
      () => detectCsvLayout(['created_at', 'url', 'replies'], {}),
      (e: unknown) => e instanceof ImportParseError && /columns found: created_at, url, replies/.test(e.message),
    );
    assert.throws(() => detectCsvLayout(['a', 'b'], { textField: 'body' }), /no column "body"; columns found: a, b/);
    assert.equal(detectCsvLayout(['when', 'Body_Text'], { textField: 'body_text' }).textIndex, 1);
  });

  test('a single headerless column is text', async () => {
    const evs = await collect(parseCsvRows(rows([['just a line'], ['another']]), {}));
    assert.deepEqual(docs(evs), ['just a line', 'another']);
  });
});

describe('helpers', () => {
  test('format detection by name and content', () => {
    assert.equal(detectFormat('tweets.js', 'window.YTD.tweets.part0 = ['), 'tweets-js');
    assert.equal(detectFormat('export.json', 'window.YTD.tweets.part0 = ['), 'tweets-js');
    assert.equal(detectFormat('a.json', '[{"text":1}]'), 'json');
    assert.equal(detectFormat('a.json', '{"text":1}\n{"text":2}'), 'jsonl');
    assert.equal(detectFormat('a.json', '{"data": [\n {"text": 1}'), 'json');
    assert.equal(detectFormat('page.txt', '<!DOCTYPE html><html>'), 'html');
    assert.equal(detectFormat('x.zip', 'PK'), 'twitter-zip');
    assert.equal(detectFormat('x.xyz', 'hello'), null);
  });

  test('entities and dates', () => {
    assert.equal(decodeTweetEntities('a &amp; b &lt;3 &#8217; &#x1F600; &bogus;'), 'a & b <3 \u2019 \u{1F600} &bogus;');
    assert.equal(toIsoDate('Wed Oct 10 20:19:24 +0000 2018'), '2018-10-10T20:19:24.000Z');
    assert.equal(toIsoDate('not a date'), null);
    assert.equal(toIsoDate(1539202764), '2018-10-10T20:19:24.000Z');
  });
});
