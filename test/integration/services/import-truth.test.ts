// Imports that tell the truth: every record the file held is stored or counted as
// lost, with where; a syntax slip costs the record it is in, not the rest of the
// file; a damaged archive entry stores nothing of itself; 'abort' stores nothing.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImportOptions, ImportProgress } from '../../../main/services/index.js';
import { allTexts, harness, importFile, type Harness } from './helpers.js';
import { buildZip, tweetsJs } from './zip-writer.js';

const csv50 = (edit?: (i: number, row: string) => string, eol = (_i: number) => '\n') =>
  'text,created_at' + eol(-1) + Array.from({ length: 50 }, (_, i) => (edit ? edit(i, `"row ${i}, quoted",2020-01-01`) : `"row ${i}, quoted",2020-01-01`) + eol(i)).join('');

describe('imports count every record the file held', () => {
  let h: Harness;
  let n = 0;
  before(async () => {
    h = await harness({ loadModelAtStart: false, autoStartQueue: false });
  });
  after(async () => h.cleanup());

  /** Imports `content` as a fresh file into a fresh profile. */
  async function imp(name: string, content: string | Buffer, options: ImportOptions = {}): Promise<ImportProgress & { texts: string[] }> {
    const pid = h.svc.profiles.create(`p${++n}`).id;
    const file = join(h.dir, `${n}-${name}`);
    writeFileSync(file, content);
    const r = await importFile(h.svc, pid, file, options);
    return { ...r, texts: allTexts(h.svc, pid).map((t) => t.replace(/^\w+\|/, '')) };
  }

  test('tweets.js missing one comma between elements: all 50 stored, the slip reported, nothing lost', async () => {
    const r = await imp(
      'tweets.js',
      tweetsJs(50, undefined, (i) => (i === 0 ? '' : i < 49 ? ',' : '')),
    );
    assert.equal(r.phase, 'done');
    assert.equal(r.stored, 50);
    assert.equal(r.errorCount, 1);
    assert.equal(r.lost, 0);
    assert.equal(r.incomplete, false);
    assert.match(r.errors[0]!.message, /"," is missing before the element on line 15/);
    const a = await imp(
      'tweets.js',
      tweetsJs(50, undefined, (i) => (i === 0 ? '' : i < 49 ? ',' : '')),
      { onBadRow: 'abort' },
    );
    assert.equal(a.phase, 'failed');
    assert.deepEqual(a.texts, []);
  });

  test('tweets.js with an unbalanced quote or a missing "}" in one tweet: that one tweet lost, with its line', async () => {
    const quote = await imp(
      'tweets.js',
      tweetsJs(50, (i, el) => (i === 16 ? el.replace('coffee and code"', 'coffee and code') : el)),
    );
    assert.equal(quote.stored, 49);
    assert.equal(quote.lost, 1);
    assert.deepEqual(
      quote.errors.map((e) => [e.line, e.lost]),
      [[2 + 16 * 13, 1]],
    );
    assert.match(quote.errors[0]!.message, /not closed \(an unbalanced quote\)/);
    assert.ok(!quote.texts.some((t) => t.startsWith('tweet number 16 ')));
    const brace = await imp(
      'tweets.js',
      tweetsJs(50, (i, el) => (i === 16 ? el.replace(/\n {4}\}\n {2}\}$/, '\n  }') : el)),
    );
    assert.equal(brace.stored, 49);
    assert.equal(brace.lost, 1);
    assert.equal(brace.incomplete, false);
    for (const bad of [quote, brace]) {
      const a = await imp(
        'tweets.js',
        tweetsJs(50, (i, el) => (i === 16 ? el.replace('coffee and code"', 'coffee and code') : el)),
        { onBadRow: 'abort' },
      );
      assert.equal(a.phase, 'failed');
      assert.equal(a.stored, 0, `${bad.file}`);
    }
  });

  test('CSV with an unbalanced quote: one row lost, the 49 others stored', async () => {
    const r = await imp(
      't.csv',
      csv50((i, row) => (i === 16 ? row.replace('quoted"', 'quoted') : row)),
    );
    assert.equal(r.phase, 'done');
    assert.equal(r.stored, 49);
    assert.equal(r.lost, 1);
    assert.deepEqual(
      r.errors.map((e) => [e.file, e.line]),
      [[`${n}-t.csv`, 18]],
    );
    assert.match(r.errors[0]!.message, /^CSV error: .*unbalanced quote/);
    const a = await imp(
      't.csv',
      csv50((i, row) => (i === 16 ? row.replace('quoted"', 'quoted') : row)),
      { onBadRow: 'abort' },
    );
    assert.equal(a.phase, 'failed');
    assert.deepEqual(a.texts, []);
  });

  test('CSV with mixed line endings (\\r\\n, \\n, \\r): one document per row, none merged', async () => {
    const r = await imp(
      'mixed.csv',
      csv50(undefined, (i) => (i < 20 ? '\r\n' : i < 35 ? '\n' : '\r')),
    );
    assert.equal(r.errorCount, 0);
    assert.equal(r.stored, 50);
    assert.ok(
      r.texts.every((t) => /^row \d+, quoted$/.test(t)),
      r.texts.find((t) => !/^row \d+, quoted$/.test(t)),
    );
  });

  test('zip with a damaged deflated entry: an error for that entry, none of its records stored, the other entry stored', async () => {
    const { zip, dataAt } = buildZip([
      { name: 'data/tweets.js', data: tweetsJs(3000) },
      { name: 'data/tweets-part1.js', data: tweetsJs(5).replace(/tweet number/g, 'second part') },
    ]);
    const at = dataAt['data/tweets.js']!;
    for (let k = 0; k < 64; k++) zip[Math.floor((at.start + at.end) / 2) + k] ^= 0x55;
    const r = await imp('archive.zip', zip);
    assert.equal(r.phase, 'done');
    assert.equal(r.stored, 5);
    assert.ok(r.texts.every((t) => t.startsWith('second part')));
    assert.equal(r.incomplete, true);
    assert.deepEqual(
      r.errors.map((e) => [e.file, e.line, e.lost]),
      [[`${n}-archive.zip:data/tweets.js`, null, null]],
    );
    assert.match(r.errors[0]!.message, /damaged/);
    const a = await imp('archive.zip', zip, { onBadRow: 'abort' });
    assert.equal(a.phase, 'failed');
    assert.deepEqual(a.texts, []);
  });

  test('a flipped bit in a stored entry fails its CRC-32: the changed text is not stored', async () => {
    const { zip, dataAt } = buildZip([{ name: 'data/tweets.js', data: tweetsJs(20), method: 0 }]);
    const text = zip.subarray(dataAt['data/tweets.js']!.start, dataAt['data/tweets.js']!.end).toString('latin1');
    zip[dataAt['data/tweets.js']!.start + text.indexOf('tweet number 7 ') + 6] ^= 0x01; // "tweet number" -> "tweet!number"
    const r = await imp('stored.zip', zip);
    assert.equal(r.stored, 0);
    assert.ok(!r.texts.some((t) => t.includes('tweet!number')));
    assert.match(r.errors[0]!.message, /checksum \(CRC-32\)/);
    assert.equal(r.incomplete, true);
  });

  test('an encrypted entry is named as encrypted', async () => {
    const { zip } = buildZip([{ name: 'data/tweets.js', data: tweetsJs(3), method: 0, encrypted: true }]);
    const r = await imp('locked.zip', zip);
    assert.equal(r.stored, 0);
    assert.match(r.errors[0]!.message, /encrypted \(a password-protected zip\)/);
    assert.doesNotMatch(r.errors[0]!.message, /size mismatch/);
  });

  test('error labels name the file once', async () => {
    const { zip, dataAt } = buildZip([{ name: 'data/tweets.js', data: tweetsJs(3) }]);
    zip.fill(0x41, dataAt['data/tweets.js']!.start, dataAt['data/tweets.js']!.end);
    const r = await imp('X.zip', zip, { onBadRow: 'abort' });
    assert.equal(r.phase, 'failed');
    const label = `${n}-X.zip`;
    assert.equal(r.error!.message.split(label).length - 1, 2, r.error!.message); // "<file>: 1 bad row, … (first: <file>:data/tweets.js: …)"
    for (const e of r.errors) assert.ok(!e.message.includes(label), e.message);
  });

  test('full_text holding a number says so', async () => {
    const r = await imp('n.json', JSON.stringify([{ full_text: 'fine' }, { full_text: 12345 }]));
    assert.equal(r.stored, 1);
    assert.match(r.errors[0]!.message, /field "full_text" is number, expected text/);
    const first = await imp('n.json', JSON.stringify([{ full_text: 12345 }, { full_text: 'fine' }]));
    assert.match(first.errors[0]!.message, /field "full_text" is number/);
  });

  test('invalid JSON after a {"data": [...]} wrapper is reported', async () => {
    const r = await imp('w.json', '{"data": [{"text": "one"}, {"text": "two"}], "meta": {"next": "abc", }');
    assert.equal(r.stored, 2);
    assert.equal(r.errorCount, 1);
    assert.match(r.errors[0]!.message, /after the records array is not valid/);
    const a = await imp('w.json', '{"data": [{"text": "one"}], "meta": {"n": 1', { onBadRow: 'abort' });
    assert.equal(a.phase, 'failed');
    assert.equal(a.stored, 0);
  });

  test('a 4 MB HTML page with a short article is imported (the cap applies to its text)', async () => {
    const page = `<html><head><style>${'.c{color:red}'.repeat(150_000)}</style></head><body><article>${'<p style="margin:0">A paragraph of the article.</p>\n'.repeat(40_000)}</article></body></html>`;
    assert.ok(page.length > 4_000_000);
    const r = await imp('page.html', page);
    assert.equal(r.phase, 'done', r.error?.message);
    assert.equal(r.stored, 1);
  });

  test('Markdown nested too deeply gets our message, not a request to report a marked bug', async () => {
    const r = await imp('deep.md', `# Title\n\n${'>'.repeat(50_000)} deep\n`);
    assert.equal(r.phase, 'failed');
    assert.match(r.error!.message, /nests block quotes or lists too deeply/);
    assert.doesNotMatch(r.error!.message, /markedjs|Maximum call stack/);
  });

  test('a JSON Lines line over the cap is an error for that line; the lines after it are stored', async () => {
    const big = JSON.stringify({ text: 'x'.repeat(17 * 1024 * 1024) });
    const r = await imp('big.jsonl', `{"text": "first"}\n${big}\n{"text": "after"}\n`);
    assert.deepEqual(r.texts.sort(), ['after', 'first']);
    assert.equal(r.lost, 1);
    assert.deepEqual(
      r.errors.map((e) => e.line),
      [2],
    );
    assert.match(r.errors[0]!.message, /line 2 is 17,825,803 characters long, more than the 16,777,216/);
  });
});
