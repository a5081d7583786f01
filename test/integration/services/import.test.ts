import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeTweetsJs } from '../../faults/helpers.js';
import { allTexts, harness, importFile, OBAMA_CSV, type Harness } from './helpers.js';

describe('import service (real SQLite, no model)', () => {
  let h: Harness;
  before(async () => {
    h = await harness({ loadModelAtStart: false, autoStartQueue: false });
  });
  after(async () => h.cleanup());

  const cases: Array<[string, number, string, Record<string, unknown>?]> = [
    ['tweets.js', 3, 'tweet'],
    ['archive.zip', 4, 'tweet'],
    ['tweets.csv', 3, 'tweet'],
    ['custom-column.csv', 2, 'tweet', { textColumn: 'body_text' }],
    ['export.json', 3, 'tweet'],
    ['export.jsonl', 3, 'tweet'],
    ['api-export.json', 2, 'tweet'],
    ['notes.txt', 3, 'tweet', { textSplit: 'blocks', kind: 'tweet' }],
    ['article.md', 1, 'article'],
    ['article.html', 1, 'article'],
    ['utf16.csv', 2, 'tweet'],
  ];
  for (const [file, expected, kind, options] of cases) {
    test(`${file}: ${expected} new ${kind} documents; importing again adds nothing`, async () => {
      const p = h.svc.profiles.create(`p-${file}`);
      const r = await importFile(h.svc, p.id, file, options);
      assert.equal(r.phase, 'done', JSON.stringify(r.error ?? r.errors));
      assert.equal(r.stored, expected);
      const list = h.svc.documents.list({ profileId: p.id });
      assert.equal(list.total, expected);
      assert.ok(list.items.every((d) => d.kind === kind));
      assert.ok(
        list.items.every((d) => d.source.startsWith(file)),
        'source names the file',
      );
      const again = await importFile(h.svc, p.id, file, options);
      assert.equal(again.phase, 'done');
      assert.equal(again.stored, 0);
      assert.equal(again.duplicates, r.parsed);
      assert.equal(h.svc.documents.list({ profileId: p.id }).total, expected);
    });
  }

  test('archive: retweets and replies skipped by default; replies kept on request', async () => {
    const p = h.svc.profiles.create('archive-replies');
    const r = await importFile(h.svc, p.id, 'archive.zip');
    assert.equal(r.skipped, 2);
    const withReplies = await importFile(h.svc, p.id, 'archive.zip', { includeReplies: true });
    assert.equal(withReplies.stored, 1);
    assert.ok(allTexts(h.svc, p.id).some((t) => t.includes('@friend totally agree')));
    assert.ok(!allTexts(h.svc, p.id).some((t) => t.includes('RT @someone')));
  });

  test('a zip of articles (blog export): one article per Markdown/HTML/text entry; a blank entry is a row error', async () => {
    const p = h.svc.profiles.create('blog');
    const r = await importFile(h.svc, p.id, 'articles.zip');
    assert.equal(r.phase, 'done');
    assert.equal(r.stored, 3);
    assert.deepEqual(
      r.errors.map((e) => e.file),
      ['articles.zip:posts/draft-empty.md'],
    );
    assert.match(r.errors[0]!.message, /empty/);
    const docs = h.svc.documents.list({ profileId: p.id }).items;
    assert.ok(docs.every((d) => d.kind === 'article'));
    assert.deepEqual(docs.map((d) => d.text.split('\n')[0]).sort(), ['A plain text note kept as an article.', 'First post', 'Second post']);
    const strict = await importFile(h.svc, p.id, 'articles.zip', { onBadRow: 'abort' });
    assert.equal(strict.phase, 'failed');
    assert.match(strict.error!.message, /draft-empty\.md/);
  });

  test('full-text search finds documents by words', async () => {
    const p = h.svc.profiles.create('search');
    await importFile(h.svc, p.id, 'tweets.js');
    const hits = h.svc.documents.list({ profileId: p.id, search: 'coffee' });
    assert.equal(hits.total, 1);
    assert.match(hits.items[0]!.text, /Coffee first/);
    assert.equal(h.svc.documents.list({ profileId: p.id, search: 'zebra' }).total, 0);
    assert.equal(h.svc.documents.list({ profileId: p.id, search: '"); DROP TABLE documents; --' }).total, 0);
  });

  test('the real BarackObama.csv: invalid UTF-8 rows are reported by line, the rest imported; windows-1252 imports them all', { skip: !existsSync(OBAMA_CSV) && 'needs ../shared/data' }, async () => {
    const p = h.svc.profiles.create('obama');
    const strict = await importFile(h.svc, p.id, OBAMA_CSV);
    assert.equal(strict.phase, 'done');
    assert.ok(strict.stored > 1000, `stored ${strict.stored}`);
    assert.ok(strict.errorCount > 0);
    assert.equal(strict.errors[0]!.file, 'BarackObama.csv');
    assert.equal(strict.errors[0]!.line, 5);
    assert.match(strict.errors[0]!.message, /not valid UTF-8/);
    const all = await importFile(h.svc, p.id, OBAMA_CSV, { encoding: 'windows-1252' });
    assert.equal(all.errorCount, 0);
    assert.equal(all.duplicates, strict.stored);
    assert.equal(strict.stored + all.stored, all.parsed);
    assert.ok(all.skipped > 0, 'retweets skipped');
  });

  test("onBadRow 'abort' stores nothing when a row is bad; 'skip' stores the good rows", async () => {
    const p = h.svc.profiles.create('abort');
    const a = await importFile(h.svc, p.id, 'tweets-bad-row.js', { onBadRow: 'abort' });
    assert.equal(a.phase, 'failed');
    assert.equal(a.error?.code, 'IMPORT_FAILED');
    assert.match(a.error!.message, /tweets-bad-row\.js line 23: invalid JSON/);
    assert.equal(h.svc.documents.list({ profileId: p.id }).total, 0);
    const s = await importFile(h.svc, p.id, 'tweets-bad-row.js', { onBadRow: 'skip' });
    assert.equal(s.phase, 'done');
    assert.equal(s.stored, 2);
    assert.equal(s.errorCount, 1);
    assert.equal(s.errors[0]!.line, 23);
  });

  for (const mode of ['skip', 'abort'] as const) {
    test(`cancel mid-import (${mode}): phase cancelled, ${mode === 'skip' ? 'whole batches kept' : 'nothing kept'}`, async () => {
      const file = join(h.dir, `cancel-${mode}.js`);
      await writeTweetsJs(file, 30_000, { seed: mode === 'skip' ? 1 : 2 });
      const p = h.svc.profiles.create(`cancel-${mode}`);
      const { jobId } = h.svc.imports.start({ path: file, profileId: p.id, options: { onBadRow: mode } });
      await new Promise<void>((resolve) => {
        const off = h.svc.onEvent((e) => {
          if (e.type !== 'import' || e.progress.jobId !== jobId) return;
          const ended = e.progress.phase === 'done' || e.progress.phase === 'failed';
          if (ended || (e.progress.phase === 'storing' && e.progress.stored >= 1000)) {
            off();
            // If it ended first, the assertions below say so instead of the test hanging.
            if (!ended) h.svc.imports.cancel(jobId);
            resolve();
          }
        });
      });
      const r = await h.svc.imports.wait(jobId);
      assert.equal(r.phase, 'cancelled');
      const n = h.svc.documents.list({ profileId: p.id }).total;
      if (mode === 'skip') {
        assert.ok(n >= 1000 && n < 30_000, `${n} kept`);
        assert.equal(n % 1000, 0);
      } else assert.equal(n, 0);
    });
  }
});
