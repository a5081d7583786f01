// Held imports survive a restart, in a browser: two imports are cancelled while they are
// read, the web host is restarted on the same data folder (no import job is left, the
// import card is gone), and the Library still says, per import, how many kept documents
// are not learned, with "Learn them" (the queue learns them) and "Remove them" (after a
// confirmation that names the count, exactly what that import added goes). Real web
// host, real services, the tiny-random fixture pack (this needs no real voice).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { RunningHost } from './helpers/web-host.js';
import { openBrowserSession, type BrowserSession } from './helpers/session.js';
import { chromiumPath, hasChromium, screenshotDir } from './helpers/paths.js';
import { writeTweetsJs } from '../faults/helpers.js';
import { Studio } from './pages/studio.js';

const PACK = 'tiny-random';
const TWEETS = 30_000;
const fmt = (n: number) => n.toLocaleString('en-US');

describe('held imports after a restart, in a browser', { skip: hasChromium() ? false : `no Chromium at ${chromiumPath}` }, () => {
  let session: BrowserSession;
  let host: RunningHost;
  let restarted: RunningHost | undefined;
  let page: Page;
  let app: Studio;
  let pageErrors: string[];
  let tmp: string;
  /** What each import's card said when it was cancelled. */
  const kept = new Map<string, { stored: number; learned: number }>();

  before(async () => {
    session = await openBrowserSession({ viewport: { width: 1280, height: 860 } });
    ({ host, page, app, pageErrors } = session);
    tmp = await mkdtemp(join(tmpdir(), 'commer-held-e2e-'));
  });
  after(async () => {
    // The restarted host owns the data folder now; the first one only has its (stopped) process.
    await restarted?.close();
    await session?.close();
    await rm(tmp, { recursive: true, force: true });
  });

  /** Drops a big tweets.js and cancels it once its first batches are stored; records what the card kept. */
  const importAndCancel = async (name: string, seed: number) => {
    const path = join(tmp, name);
    await writeTweetsJs(path, TWEETS, { seed });
    await app.dropFiles([{ name, bytes: await readFile(path), type: 'text/javascript' }]);
    await app.importPage.file(name).waitFor();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=stat-stored]')?.textContent?.replace(/\D/g, '') ?? 0) >= 1000, undefined, { timeout: 300_000 });
    await app.importPage.cancel();
    await app.importPage.waitPhase('cancelled', 60_000);
    const stored = await app.importPage.stat('stored');
    const learned = await app.importPage.stat('compressed');
    assert.ok(stored >= 1000 && stored < TWEETS, `${name}: ${stored} kept`);
    assert.ok(learned < stored, `${name}: ${learned} of ${stored} learned at the cancel`);
    kept.set(name, { stored, learned });
    await app.clearToasts();
    await app.importPage.dismiss();
  };

  const sentence = (file: string) => {
    const k = kept.get(file)!;
    const n = k.stored - k.learned;
    return `${file}: ${fmt(n)} document${n === 1 ? '' : 's'} kept from a cancelled import ${n === 1 ? 'is' : 'are'} not learned.`;
  };

  test('two imports cancelled while read; their notices are in the Library', { timeout: 600_000 }, async () => {
    await app.open(host.url);
    await app.usePack(PACK);
    await app.go('Profiles');
    await app.profiles.create('Held');
    await page.getByRole('heading', { name: 'Import', level: 1 }).waitFor();
    await importAndCancel('learn-me.js', 41);
    await importAndCancel('remove-me.js', 42);
    await app.go('Library');
    await app.library.heldNotice('remove-me.js').waitFor();
    assert.equal(await app.library.heldText('learn-me.js'), sentence('learn-me.js'));
    assert.equal(await app.library.heldText('remove-me.js'), sentence('remove-me.js'));
  });

  test('after a restart of the web host on the same data folder: the notices are back; Learn them learns, Remove them removes', { timeout: 600_000 }, async () => {
    const a = kept.get('learn-me.js')!;
    const b = kept.get('remove-me.js')!;
    restarted = await host.restart();
    await app.open(restarted.url);
    // The Import page has no card after a restart; it shows the same notices.
    await app.go('Import');
    assert.equal(await app.importPage.progress.count(), 0, 'no import card after a restart');
    await app.library.heldNotice('remove-me.js').waitFor();
    assert.equal(await app.library.heldText('learn-me.js'), sentence('learn-me.js'));
    await app.go('Library');
    await app.library.search('');
    await app.library.waitForCount(a.stored + b.stored, 60_000);
    // The notices come from the store: no job is left, and still one per cancelled import, oldest first.
    await app.library.heldNotice('learn-me.js').waitFor();
    assert.deepEqual(await app.library.heldNotices.evaluateAll((els) => els.map((e) => e.getAttribute('data-file'))), ['learn-me.js', 'remove-me.js']);
    assert.equal(await app.library.heldText('learn-me.js'), sentence('learn-me.js'));
    assert.equal(await app.library.heldText('remove-me.js'), sentence('remove-me.js'));
    await page.getByText('not learned (import cancelled)').first().waitFor();
    await app.clearToasts();
    await page.screenshot({ path: join(screenshotDir, '25-held-import-after-restart.png') });

    // Learn them: the notice goes, and the queue learns every document that import kept.
    await app.library.learnHeld('learn-me.js');
    await app.toast(`Learning the ${fmt(a.stored - a.learned)} documents kept from learn-me.js.`).waitFor();
    await app.library.heldNotice('learn-me.js').waitFor({ state: 'detached', timeout: 30_000 });
    await app.go('Profiles');
    const card = app.profiles.card('Held');
    const heldB = b.stored - b.learned;
    await page.waitForFunction(
      (want) => (document.querySelector('[data-testid=profile-card]')?.textContent ?? '').includes(want),
      `Style up to date. ${fmt(heldB)} documents from a cancelled import are kept but not learned.`,
      { timeout: 300_000 },
    );
    const bar = card.getByRole('progressbar', { name: 'Style learned for Held' });
    assert.equal(Number(await bar.getAttribute('aria-valuenow')), a.stored + b.learned, 'every document of learn-me.js learned, and what remove-me.js had before its cancel');
    assert.equal(Number(await bar.getAttribute('aria-valuemax')), a.stored + b.stored);

    // Remove them: a confirmation with the count; then exactly that import's documents are gone.
    await app.go('Library');
    const dialog = await app.library.removeHeld('remove-me.js');
    assert.equal(await dialog.getByRole('heading').textContent(), `Remove ${fmt(b.stored)} documents?`);
    assert.match((await dialog.textContent()) ?? '', /remove-me\.js.*This cannot be undone\./);
    await dialog.getByRole('button', { name: `Remove ${fmt(b.stored)} documents` }).click();
    await app.toast(`Removed the ${fmt(b.stored)} documents remove-me.js added.`).waitFor({ timeout: 120_000 });
    await dialog.waitFor({ state: 'hidden' });
    await app.library.waitForCount(a.stored, 60_000);
    assert.equal(await app.library.heldNotices.count(), 0, 'nothing held: no notice');
    assert.equal(await page.getByTestId('held-imports').count(), 0);
    await app.go('Profiles');
    await page.waitForFunction(() => /100%/.test(document.querySelector('[data-testid=profile-card]')?.textContent ?? ''), undefined, { timeout: 60_000 });
    assert.equal(Number(await bar.getAttribute('aria-valuenow')), a.stored);
    const after = (await card.textContent()) ?? '';
    assert.match(after, /Style up to date\./);
    assert.doesNotMatch(after, /cancelled import/);
    assert.deepEqual(pageErrors, []);
  });
});
