// Every kind of bad input gets a specific error and leaves the data as it was.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { allTexts, harness, importFile, type Harness } from '../integration/services/helpers.js';

describe('bad input is refused clearly and changes nothing', () => {
  let h: Harness;
  let pid: number;
  let baseline: string[];
  before(async () => {
    h = await harness({ loadModelAtStart: false, autoStartQueue: false });
    pid = h.svc.profiles.create('me').id;
    await importFile(h.svc, pid, 'tweets.js');
    await importFile(h.svc, pid, 'article.md');
    baseline = allTexts(h.svc, pid);
    assert.equal(baseline.length, 4);
  });
  after(async () => h.cleanup());

  const cases: Array<{ file: string; options?: Record<string, unknown>; code: string; message: RegExp; line?: number | null }> = [
    { file: 'archive-truncated.zip', code: 'IMPORT_FAILED', message: /archive-truncated\.zip is not a readable zip archive \(truncated or damaged/ },
    { file: 'not-an-archive.zip', code: 'IMPORT_FAILED', message: /has neither data\/tweets\.js \(a Twitter\/X archive\) nor \.md, \.html or \.txt files; entries found: photo\.jpg, readme\.pdf/ },
    { file: 'empty.txt', code: 'IMPORT_FAILED', message: /empty\.txt is empty \(0 bytes\)/ },
    { file: 'blank.md', code: 'IMPORT_FAILED', message: /blank\.md: the file is empty/ },
    { file: 'junk.csv', code: 'IMPORT_FAILED', message: /junk\.csv (contains NUL bytes: it is a binary file|looks like UTF-16)/ },
    { file: 'image.txt', code: 'IMPORT_FAILED', message: /image\.txt is a PNG image, not a text file/ },
    { file: 'utf16-nobom.txt', code: 'IMPORT_FAILED', message: /UTF-16 text without a byte-order mark/ },
    { file: 'no-text-column.csv', code: 'IMPORT_FAILED', message: /no text column .*columns found: created_at, url, replies/, line: 1 },
    { file: 'tweets.csv', options: { textColumn: 'body' }, code: 'IMPORT_FAILED', message: /no column "body"; columns found: created_at, text, retweets/ },
    { file: 'export-no-text.json', code: 'IMPORT_FAILED', message: /no text (field|column).*link, headline, short_description/ },
    { file: 'tweets-truncated.js', options: { onBadRow: 'abort' }, code: 'IMPORT_FAILED', message: /tweets-truncated\.js.*(truncated|unbalanced quote)/ },
    { file: 'tweets-bad-row.js', options: { onBadRow: 'abort' }, code: 'IMPORT_FAILED', message: /line 23: invalid JSON/ },
    { file: 'bad-quote.csv', options: { onBadRow: 'abort' }, code: 'IMPORT_FAILED', message: /bad-quote\.csv line 4: CSV error: .*unbalanced quote/ },
    { file: 'latin1.csv', options: { onBadRow: 'abort' }, code: 'IMPORT_FAILED', message: /latin1\.csv line 2: the row contains bytes that are not valid UTF-8/ },
    { file: 'unknown.xyz', code: 'INVALID_INPUT', message: /unknown file type "\.xyz"/ },
    { file: 'does-not-exist.csv', code: 'INVALID_INPUT', message: /no such file/ },
    { file: 'tweets.csv', options: { encoding: 'klingon' }, code: 'IMPORT_FAILED', message: /unknown text encoding "klingon"/ },
  ];

  for (const c of cases) {
    test(`${c.file}${c.options ? ` ${JSON.stringify(c.options)}` : ''} -> ${c.code}`, async () => {
      const r = await importFile(h.svc, pid, c.file, c.options);
      assert.equal(r.phase, 'failed', `expected failure, got ${r.phase} (${r.stored} stored)`);
      assert.equal(r.error?.code, c.code);
      assert.match(r.error!.message, c.message);
      assert.equal(r.stored, 0);
      assert.deepEqual(allTexts(h.svc, pid), baseline, 'existing documents unchanged');
    });
  }

  test("a bad row in 'skip' mode: good rows in, the bad one reported with file and line", async () => {
    const p2 = h.svc.profiles.create('skip-mode').id;
    const r = await importFile(h.svc, p2, 'latin1.csv');
    assert.equal(r.phase, 'done');
    assert.equal(r.stored, 1);
    assert.deepEqual(
      r.errors.map((e) => [e.file, e.line]),
      [['latin1.csv', 2]],
    );
    const t = await importFile(h.svc, p2, 'tweets-truncated.js');
    assert.equal(t.phase, 'done', 'complete elements before the cut are kept');
    assert.ok(t.stored >= 1);
    assert.match(t.errors.at(-1)!.message, /truncated|unbalanced quote/);
    const q = await importFile(h.svc, p2, 'bad-quote.csv');
    assert.equal(q.stored, 3, 'rows around the broken one are kept');
    assert.deepEqual([q.errors.at(-1)!.file, q.errors.at(-1)!.line], ['bad-quote.csv', 4]);
    assert.match(q.errors.at(-1)!.message, /^CSV error: .*unbalanced quote/);
    assert.deepEqual(allTexts(h.svc, pid), baseline, 'the other profile is untouched');
  });

  test('a document far too long for one article is refused', async () => {
    const big = join(h.dir, 'huge.md');
    writeFileSync(big, 'word '.repeat(500_000));
    const r = await importFile(h.svc, pid, big);
    assert.equal(r.phase, 'failed');
    assert.match(r.error!.message, /too large for one article/);
    assert.deepEqual(allTexts(h.svc, pid), baseline);
  });

  test('service calls with bad arguments throw typed errors', () => {
    assert.throws(() => h.svc.profiles.create('  '), { code: 'INVALID_INPUT' });
    assert.throws(() => h.svc.profiles.create('ME'), { code: 'CONFLICT' });
    assert.throws(() => h.svc.imports.start({ path: 'x', profileId: 999 }), { code: 'NOT_FOUND' });
    assert.throws(() => h.svc.documents.list({ profileId: pid, limit: 10_000 }), { code: 'INVALID_INPUT' });
    assert.throws(() => h.svc.documents.delete(['1' as unknown as number]), { code: 'INVALID_INPUT' });
  });
});
