// End to end: an import that understands the file before it imports it. Debian's
// Chromium drives the real renderer on the real web host and services: the real
// Obama export gets its encoding proposed, a CSV without a text column gets a column
// picker, and a drop of broken files gets one truthful line per file.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startHost, type RunningHost } from './helpers/web-host.js';
import { chromiumPath, hasChromium, obamaCsv, repoRoot, screenshotDir } from './helpers/paths.js';
import { Studio } from './pages/studio.js';

const skip = !hasChromium() ? `no Chromium at ${chromiumPath}` : !existsSync(obamaCsv) ? `no ${obamaCsv}` : false;
const FIXTURES = join(repoRoot, 'test/fixtures/import');

describe('import: encoding, text column and problems', { skip }, () => {
  let host: RunningHost;
  let browser: Browser;
  let page: Page;
  let app: Studio;
  const pageErrors: string[] = [];
  let stored = 0;

  const shot = async (name: string) => {
    await app.clearToasts();
    await page.screenshot({ path: join(screenshotDir, name) });
  };

  before(async () => {
    mkdirSync(screenshotDir, { recursive: true });
    host = await startHost();
    browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'] });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      const expectedApiFailure = m.text().startsWith('Failed to load resource') && m.location().url.includes('/api/invoke/');
      if (m.type() === 'error' && !expectedApiFailure) pageErrors.push(`console: ${m.text()} (${m.location().url})`);
    });
    app = new Studio(page);
    await app.open(host.url);
    await app.go('Profiles');
    await app.profiles.create('Obama');
    await page.getByRole('heading', { name: 'Import', level: 1 }).waitFor();
    // What is learned is not under test here: with the queue paused an import ends when its documents are stored.
    await page.evaluate(async () => {
      const r = await window.api!.pauseQueue();
      if (!r.ok) throw new Error(r.error.message);
    });
  });

  after(async () => {
    await browser?.close();
    await host?.close();
  });

  test('the real Obama CSV: Windows-1252 is proposed before importing; accepted, every row is imported', { timeout: 240_000 }, async () => {
    await app.dropFiles([{ name: 'BarackObama.csv', bytes: readFileSync(obamaCsv), type: 'text/csv' }]);
    const card = app.importPage.encodingProposal('BarackObama.csv');
    await card.waitFor({ timeout: 60_000 });
    const text = (await card.textContent()) ?? '';
    assert.match(text, /BarackObama\.csv looks like Windows-1252/);
    // The numbers are the host's own parser's: 1,097 of 2,856 rows (retweets are skipped either way) lose characters as UTF-8.
    assert.match(text, /Read as UTF-8, 1,097 of its 2,856 rows hold characters that cannot be read/);
    assert.match(text, /Read as Windows-1252, all 2,856 rows can be read/);
    // Nothing is imported while the question is open, and the manual choice is as it was.
    assert.equal(await app.importPage.stat('stored'), 0);
    assert.equal(await page.getByTestId('import-encoding').inputValue(), '');
    await shot('13-import-encoding-proposal.png');

    await app.importPage.answerEncoding('BarackObama.csv', 'use');
    assert.equal(await app.importPage.waitFinished(['BarackObama.csv'], 180_000), 'done');
    stored = await app.importPage.stat('stored');
    assert.equal(stored, 2856);
    assert.equal(await app.importPage.problems.count(), 0, 'no row was rejected');
    assert.equal(await page.getByTestId('import-encoding').inputValue(), '', 'the proposal applied to this file only');
    await app.go('Library');
    await app.library.search('');
    await app.library.waitForCount(stored, 30_000);
    // A character UTF-8 could not read is in the library now, as Windows-1252 reads it.
    await app.library.search('SenJohnMcCain');
    await app.library.waitForCount(1, 30_000);
  });

  test('a CSV without a text column: the columns are shown with a sample row, the picked one is imported', { timeout: 120_000 }, async () => {
    await app.go('Import');
    await app.importPage.dismiss();
    // Real tweets (users40.jsonl) under column names the importer does not know.
    const tweets = readFileSync(join(obamaCsv, '../users40.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .slice(0, 6)
      .map((l) => (JSON.parse(l) as { text: string }).text);
    const csv = ['id,posted,status,likes', ...tweets.map((t, i) => `${i + 1},2010-0${i + 1}-01 10:00,"${t.replace(/"/g, '""')}",${i * 3}`)].join('\n');
    await app.dropFiles([{ name: 'my-posts.csv', bytes: Buffer.from(csv), type: 'text/csv' }]);
    const picker = app.importPage.columnPicker('my-posts.csv');
    await picker.waitFor({ timeout: 60_000 });
    assert.deepEqual(await picker.locator('.column-name').allTextContents(), ['id', 'posted', 'status', 'likes']);
    assert.equal((await picker.locator('.column-sample').nth(2).textContent())?.trim(), tweets[0]!.trim());
    assert.equal(await app.importPage.pickedColumn('my-posts.csv'), 'status', 'the column holding prose is preselected');
    await shot('14-import-column-picker.png');

    await app.importPage.pickColumn('my-posts.csv', 'status');
    assert.equal(await app.importPage.waitFinished(['my-posts.csv'], 90_000), 'done');
    const n = await app.importPage.stat('stored');
    assert.equal(n, new Set(tweets.map((t) => t.trim())).size);
    stored += n;
    await app.go('Library');
    await app.library.search('');
    await app.library.waitForCount(stored, 30_000);
  });

  test('seven files, four of them broken: one entry per file, each problem counted once, names as dropped, a truthful summary', { timeout: 180_000 }, async () => {
    await app.go('Import');
    await app.importPage.dismiss();
    const fixture = (f: string) => readFileSync(join(FIXTURES, f));
    const junkZip = Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) % 256))]);
    const files = [
      { name: 'My archive (2).zip', bytes: junkZip, type: 'application/zip' },
      { name: 'photos.zip', bytes: fixture('not-an-archive.zip'), type: 'application/zip' },
      { name: 'scan.txt', bytes: fixture('image.txt') },
      { name: 'notes.txt', bytes: fixture('empty.txt') },
      { name: 'tweets-truncated.js', bytes: fixture('tweets-truncated.js') },
      { name: 'export.jsonl', bytes: fixture('export.jsonl') },
      { name: 'tweets.csv', bytes: fixture('tweets.csv'), type: 'text/csv' },
    ];
    await app.dropFiles(files);
    await app.importPage.waitFinished(
      files.map((f) => f.name),
      150_000,
    );
    await app.importPage.problems.waitFor();
    const listed = await app.importPage.problemFiles();
    const byName = new Map(listed.map((p) => [p.file, p]));
    assert.equal(listed.length, byName.size, 'each file is listed once');
    assert.deepEqual([...byName.keys()].sort(), ['My archive (2).zip', 'export.jsonl', 'notes.txt', 'photos.zip', 'scan.txt', 'tweets-truncated.js']);
    for (const name of ['My archive (2).zip', 'photos.zip', 'scan.txt', 'notes.txt']) {
      const p = byName.get(name)!;
      assert.equal(p.failed, true, name);
      assert.equal(p.count, 1, `${name}: a whole file that failed is one problem`);
      assert.equal(p.summary, 'Not imported; nothing of this file was stored.', name);
    }
    assert.match(byName.get('My archive (2).zip')!.text, /not a readable zip archive/);
    assert.match(byName.get('photos.zip')!.text, /neither data\/tweets\.js .* entries found: photo\.jpg, readme\.pdf/);
    assert.match(byName.get('scan.txt')!.text, /is a PNG image/);
    assert.match(byName.get('notes.txt')!.text, /notes\.txt is empty/);
    // Files that were partly imported say how much, and what was lost.
    assert.match(byName.get('export.jsonl')!.summary, /^3 new documents imported; 1 row could not be read and was skipped\.$/);
    assert.match(byName.get('export.jsonl')!.text, /line 3/);
    assert.match(byName.get('tweets-truncated.js')!.summary, /^\d+ new documents? imported; the file could not be read past line \d+\.$/);
    const total = listed.reduce((n, p) => n + p.count, 0);
    assert.equal(await app.importPage.problems.getAttribute('data-count'), String(total));
    assert.match((await app.importPage.problems.locator('h3').textContent()) ?? '', new RegExp(`^\\s*${total} problems in 6 of 7 files$`));
    // The web host saved the uploads in a temp folder; no trace of it reaches the user.
    const card = (await app.importPage.progress.textContent()) ?? '';
    assert.doesNotMatch(card, /commer-uploads|\/tmp\/|[A-Za-z0-9_-]{22}\//);
    assert.doesNotMatch(card, /These rows were skipped; the rest of the file was imported/);
    await app.toast(new RegExp(`${total} problems`)).waitFor();
    await app.clearToasts();
    await app.importPage.problems.evaluate((el) => el.scrollIntoView({ block: 'end' }));
    await shot('15-import-errors.png');
  });

  test('a manual Windows-1252 choice and a UTF-8 file: UTF-8 is proposed for that file, and the choice stays for the next', { timeout: 120_000 }, async () => {
    await app.go('Import');
    await app.importPage.dismiss();
    await page.getByTestId('import-encoding').selectOption('windows-1252');
    await app.dropFiles([{ name: 'accents.csv', bytes: Buffer.from('text\nCafé crème à la française, déjà vu\n', 'utf8'), type: 'text/csv' }]);
    const card = app.importPage.encodingProposal('accents.csv');
    await card.waitFor({ timeout: 60_000 });
    assert.match((await card.textContent()) ?? '', /accents\.csv looks like UTF-8.*valid UTF-8.*read as Windows-1252, those would come out garbled/);
    await app.importPage.answerEncoding('accents.csv', 'use');
    assert.equal(await app.importPage.waitFinished(['accents.csv'], 90_000), 'done');
    assert.equal(await app.importPage.stat('stored'), 1);
    assert.equal(await page.getByTestId('import-encoding').inputValue(), 'windows-1252');
    await app.go('Library');
    await app.library.search('française');
    await app.library.waitForCount(1, 30_000);
    await app.go('Import');
    await page.getByTestId('import-encoding').selectOption('');
  });

  test('no page errors', () => {
    assert.deepEqual(pageErrors, []);
  });
});
