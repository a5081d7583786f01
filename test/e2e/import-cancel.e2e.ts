// Issue 11, items 7 and 8, in the browser: cancel that cancels (reading and learning stop,
// the card and the toast say how many documents were kept, one click removes what the
// import added and nothing that was there before), and progress that agrees with itself
// (the sidebar and the card show the same figures while a drop is learned; a toast says
// "finished" only when the card does; several files each get their own bar and count).
// Real web host, real services, the shipped default pack (SmolLM2, real weights): it
// learns slowly enough on a CPU for a cancel to land mid-learning.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { RunningHost } from './helpers/web-host.js';
import { openBrowserSession, type BrowserSession } from './helpers/session.js';
import { chromiumPath, hasChromium, obamaCsv, screenshotDir } from './helpers/paths.js';
import { tweetsJs } from './helpers/archive.js';
import { Studio } from './pages/studio.js';

const PACK = 'smollm2-135m-k4';

describe('import cancel, undo and progress, in a browser', { skip: hasChromium() ? false : `no Chromium at ${chromiumPath}` }, () => {
  let session: BrowserSession;
  let host: RunningHost;
  let page: Page;
  let app: Studio;
  let pageErrors: string[];

  /** Opens the library and waits until it counts `n` documents. */
  const libraryHas = async (n: number) => {
    await app.go('Library');
    await app.library.search('');
    await app.library.waitForCount(n, 30_000);
  };

  before(async () => {
    session = await openBrowserSession({ viewport: { width: 1280, height: 860 } });
    ({ host, page, app, pageErrors } = session);
  });
  after(async () => {
    await session?.close();
  });

  test('set up: the shipped pack in use, a profile with 20 tweets learned', { timeout: 600_000 }, async (t) => {
    if (!host.packs.valid.includes(PACK)) return t.skip(`${PACK} is not in models/packs`);
    await app.open(host.url);
    const first = await tweetsJs(20);
    await app.learnedProfile(PACK, 'Obama', [{ name: 'first.js', bytes: Buffer.from(first.text), type: 'text/javascript' }], {
      afterImport: async () => {
        assert.equal(await app.importPage.stat('stored'), 20);
        // While the pack is still loading an import ends once stored, and says what is left to learn.
        await app.toast(/^Import finished\. 20 new documents(; 20 still to learn)?\./).waitFor();
        await app.clearToasts();
        await app.importPage.dismiss();
      },
    });
    await app.go('Import');
  });

  test('cancel while learning: learning stops, card and toast say the same counts, one click removes what the import added and keeps what was there', { timeout: 600_000 }, async (t) => {
    if (!host.packs.valid.includes(PACK)) return t.skip(`${PACK} is not in models/packs`);
    // The same real tweets: the first 20 are already in the profile.
    const archive = await tweetsJs(2000);
    await app.dropFiles([{ name: 'tweets.js', bytes: Buffer.from(archive.text), type: 'text/javascript' }]);
    await app.importPage.file('tweets.js').waitFor();
    await app.importPage.waitPhase('compressing', 120_000);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=stat-compressed]')?.firstChild?.textContent?.replace(/\D/g, '') ?? 0) > 0, undefined, { timeout: 300_000 });
    await app.importPage.cancel();
    await app.importPage.waitPhase('cancelled', 30_000);

    const stored = await app.importPage.stat('stored');
    const learnedAtCancel = await app.importPage.stat('compressed');
    assert.equal(stored, archive.tweets - 20, 'the 20 already there are not stored again');
    assert.equal(await app.importPage.stat('duplicates'), 20);
    assert.equal(await app.importPage.title.textContent(), 'Import cancelled');
    const line = (await app.importPage.summary.textContent()) ?? '';
    assert.equal(
      line,
      `${stored.toLocaleString('en-US')} documents kept, ${learnedAtCancel.toLocaleString('en-US')} learned; the other ${(stored - learnedAtCancel).toLocaleString('en-US')} will not be learned.`,
    );
    // The toast says what the card says, word for word, and offers the same undo.
    const toast = app.toast(`Import cancelled. ${line}`);
    await toast.waitFor();
    await toast.getByRole('button', { name: 'Undo' }).waitFor();
    assert.equal(await app.importPage.file('tweets.js').getAttribute('data-phase'), 'cancelled');
    await page.screenshot({ path: join(screenshotDir, '11-import-cancelled-undo.png') });

    // Learning really stopped: nothing more is learned, and the sidebar has nothing left to learn.
    await page.waitForTimeout(4000);
    assert.equal(await app.importPage.stat('compressed'), learnedAtCancel);
    assert.equal(await app.sidebarLearning.count(), 0);
    await app.go('Profiles');
    const card = (await app.profiles.card('Obama').textContent()) ?? '';
    assert.match(card, new RegExp(`${(stored - learnedAtCancel).toLocaleString('en-US')} documents from a cancelled import are kept but not learned`));
    await libraryHas(20 + stored);
    await page.getByText('not learned (import cancelled)').first().waitFor();

    // One click removes what this import added; the 20 of before stay, learned.
    await app.clearToasts();
    await app.go('Import');
    await app.importPage.removeWhatItAdded();
    await app.importPage.title.filter({ hasText: 'Import removed' }).waitFor({ timeout: 60_000 });
    assert.equal(await app.importPage.summary.textContent(), `The ${stored.toLocaleString('en-US')} documents this import added were removed, with what was learned from them.`);
    await app.toast(`Import removed. The ${stored.toLocaleString('en-US')} documents this import added were removed, with what was learned from them.`).waitFor();
    assert.equal(await app.importPage.progress.getByRole('button', { name: 'Remove what this import added' }).count(), 0, 'nothing left to remove');
    await libraryHas(20);
    await app.go('Profiles');
    await page.waitForFunction(() => /100%/.test(document.querySelector('[data-testid=profile-card]')?.textContent ?? ''));
    assert.match((await app.profiles.card('Obama').textContent()) ?? '', /Style up to date\./);
    await app.go('Import');
    await app.importPage.dismiss();
  });

  test('several files: each row has its own bar and count, the sidebar shows the same figures as the card, and "finished" comes only when the card is', { timeout: 900_000 }, async (t) => {
    if (!host.packs.valid.includes(PACK)) return t.skip(`${PACK} is not in models/packs`);
    await app.go('Profiles');
    await app.profiles.create('Three files');
    await app.waitActiveProfile('Three files');
    // Real tweets from the shared data, in three formats.
    const lines = (await readFile(join(obamaCsv, '../users40.jsonl'), 'utf8')).split('\n').filter((l) => l.trim());
    // Distinct as the store counts them (whitespace collapsed), so each file stores every row.
    const texts = [...new Map(lines.map((l) => (JSON.parse(l) as { text: string }).text).map((x) => [x.replace(/\s+/g, ' ').trim(), x] as const)).entries()].filter(([k]) => k).map(([, x]) => x);
    const jsonl = (from: number, to: number) =>
      Buffer.from(
        texts
          .slice(from, to)
          .map((text) => JSON.stringify({ text }))
          .join('\n') + '\n',
      );
    const csv = Buffer.from(
      'text\n' +
        texts
          .slice(3000, 3060)
          .map((x) => `"${x.replace(/"/g, '""')}"`)
          .join('\n') +
        '\n',
    );
    // Every toast that appears is logged with the card's phase and heading at that moment.
    await page.evaluate(() => {
      const w = window as unknown as { toastLog: Array<{ text: string; phase: string | null; title: string | null }> };
      w.toastLog = [];
      new MutationObserver((records) => {
        for (const r of records)
          for (const n of r.addedNodes) {
            if (!(n instanceof HTMLElement) || !n.classList.contains('toast')) continue;
            const card = document.querySelector('[data-testid=import-progress]');
            w.toastLog.push({ text: n.textContent ?? '', phase: card?.getAttribute('data-phase') ?? null, title: card?.querySelector('.section-title')?.textContent ?? null });
          }
      }).observe(document.body, { childList: true, subtree: true });
    });
    const files = ['alpha.jsonl', 'beta.csv', 'gamma.jsonl'];
    await app.dropFiles([
      { name: 'alpha.jsonl', bytes: jsonl(2000, 2040), type: 'application/json' },
      { name: 'beta.csv', bytes: csv, type: 'text/csv' },
      { name: 'gamma.jsonl', bytes: jsonl(4000, 4030), type: 'application/json' },
    ]);
    for (const f of files) await app.importPage.file(f).waitFor();
    await app.importPage.waitPhase('compressing', 120_000);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=stat-compressed]')?.firstChild?.textContent?.replace(/\D/g, '') ?? 0) > 0, undefined, { timeout: 300_000 });

    // At any one moment the sidebar and the card show the very same learned count and time left.
    for (let i = 0; i < 4; i++) {
      // One evaluate reads the whole page at one instant (no named helpers in here: the page gets the bare source).
      const seen = await page.evaluate(() => {
        const [card, cardEta, side, sideEta] = ['stat-compressed', 'stat-eta', 'sidebar-learned', 'sidebar-eta'].map(
          (id) => document.querySelector(`[data-testid=${id}]`)?.textContent?.replace(/\s+/g, ' ').trim() ?? null,
        );
        return { card, cardEta, side, sideEta, phase: document.querySelector('[data-testid=import-progress]')?.getAttribute('data-phase') };
      });
      if (seen.phase !== 'compressing') break;
      assert.ok(seen.side, `the sidebar shows the learning while the card does: ${JSON.stringify(seen)}`);
      assert.equal(seen.side, seen.card, JSON.stringify(seen));
      assert.equal(seen.sideEta ?? '—', seen.cardEta, JSON.stringify(seen));
      await page.waitForTimeout(700);
    }
    // Each file: its own bar and its own count.
    for (const f of files) {
      await app.importPage.fileBar(f).waitFor();
      assert.match((await app.importPage.fileCount(f).textContent()) ?? '', /^\d[\d,]* (\/ \d[\d,]* learned|new · \d[\d,]* learned)$/);
    }
    const perFile = await Promise.all(files.map((f) => app.importPage.fileBar(f).getAttribute('aria-valuemax').then(Number)));
    assert.deepEqual(perFile, [40, 60, 30], 'each bar counts its own file');
    await app.clearToasts();
    await page.screenshot({ path: join(screenshotDir, '12-import-progress-per-file.png') });

    assert.equal(await app.importPage.waitFinished(files, 600_000), 'done');
    assert.equal(await app.importPage.stat('compressed'), 130);
    for (const f of files) assert.match((await app.importPage.fileCount(f).textContent()) ?? '', /^(40|60|30) new · \1 learned$/);
    await app.toast(/^Import finished\. 130 new documents\./).waitFor();
    const log = await page.evaluate(() => (window as unknown as { toastLog: Array<{ text: string; phase: string | null; title: string | null }> }).toastLog);
    const finished = log.filter((e) => e.text.startsWith('Import finished'));
    assert.ok(finished.length >= 1, JSON.stringify(log));
    for (const e of finished)
      assert.deepEqual({ phase: e.phase, title: e.title }, { phase: 'done', title: 'Import finished' }, `a toast said finished while the card said otherwise: ${JSON.stringify(e)}`);
    await page.waitForTimeout(500);
    assert.equal(await app.sidebarLearning.count(), 0, 'nothing left to learn once the card says finished');
    assert.deepEqual(pageErrors, []);
  });
});
