// Issue 11 items 9, 10, 14 and 15 in a browser: the command palette and the keyboard,
// undo of a library delete, history search and long drafts, the Threads field, an
// export that does not break the other pages, and "Delete all data" that deals with
// the earlier exports. Real web host, real services, the real stories260k pack.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startHost, type RunningHost } from './helpers/web-host.js';
import { chromiumPath, hasChromium, screenshotDir } from './helpers/paths.js';
import { Studio } from './pages/studio.js';

const PACK = 'stories260k';
const TWEETS = [
  'The little dog ran to the park to play with the ball.',
  'Lily found a shiny red apple under the big tree.',
  'Tom and his mom baked cookies on a rainy day.',
  'The bird sang a happy song in the morning sun.',
  'A small cat slept on the warm blanket by the fire.',
  'Ben built a tall tower of blocks and it fell down.',
  'The girl saw a rainbow after the storm and smiled.',
  'Grandpa told a story about a brave knight and a dragon.',
  'The frog jumped into the pond with a big splash.',
  'Sara shared her toys with her new friend at school.',
  'The boat sailed across the lake on a windy day.',
  'Max lost his hat in the garden and looked everywhere.',
];
const LONG_DRAFT =
  'Yesterday the whole town came out to the river for the summer fair, and there were boats, music, games for the children, a long table of pies that the bakers had made since dawn, and at the end of the day everybody watched the lanterns float slowly away into the dark.';
const SHORT_DRAFT = 'The dog found a ball in the park.';

describe('keyboard, undo, search and data tools in a browser', { skip: hasChromium() ? false : `no Chromium at ${chromiumPath}` }, () => {
  let host: RunningHost;
  let browser: Browser;
  let page: Page;
  let app: Studio;
  const pageErrors: string[] = [];

  const invoke = async <T>(channel: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${host.origin}/api/invoke/${channel}`, {
      method: 'POST',
      headers: { 'x-commer-token': host.token, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const r = (await res.json()) as { ok: boolean; value: T; error?: { message: string } };
    if (!r.ok) throw new Error(`${channel}: ${r.error?.message}`);
    return r.value;
  };
  const waitLearned = async () => {
    for (let i = 0; i < 600; i++) {
      const q = await invoke<{ pending: number; state: string }>('queue:status');
      if (q.pending === 0 && q.state !== 'running') return;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error('the queue never finished learning');
  };
  const heading = (name: string) => page.getByRole('heading', { level: 1, name });

  before(async () => {
    mkdirSync(screenshotDir, { recursive: true });
    host = await startHost();
    browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'] });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light', acceptDownloads: true });
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      const expectedApiFailure = m.text().startsWith('Failed to load resource') && m.location().url.includes('/api/invoke/');
      if (m.type() === 'error' && !expectedApiFailure) pageErrors.push(`console: ${m.text()} (${m.location().url})`);
    });
    app = new Studio(page);
  });
  after(async () => {
    await browser?.close();
    await host?.close();
  });

  test('set up: stories260k in use, a profile with twelve tweets learned', { timeout: 300_000 }, async () => {
    await app.open(host.url);
    await app.usePack(PACK, 120_000);
    await app.go('Profiles');
    await app.profiles.create('Ada');
    await heading('Import').waitFor();
    await app.dropFiles([{ name: 'tweets.jsonl', bytes: Buffer.from(TWEETS.map((text) => JSON.stringify({ text })).join('\n') + '\n'), type: 'application/json' }]);
    await app.go('Library');
    await app.library.waitForCount(TWEETS.length, 120_000);
    await waitLearned();
  });

  test('Ctrl+K opens a command palette over every screen and action, with the shortcuts shown', async () => {
    await app.go('Restyle');
    await app.clearToasts();
    await app.palette.open();
    assert.equal(await app.palette.input.evaluate((el) => el === document.activeElement), true, 'the input has the focus');
    const titles = await app.palette.titles();
    for (const t of [
      'Restyle',
      'Library',
      'Import',
      'History',
      'Profiles',
      'Model',
      'Settings',
      'Search the library',
      'Search history',
      'Export all data',
      'Delete all data…',
      'Create a profile',
      'Write a new draft',
    ])
      assert.ok(titles.includes(t), `the palette offers "${t}" (it has: ${titles.join(', ')})`);
    const keys = await app.palette.shortcuts();
    assert.deepEqual(
      keys.find((k) => k.title === 'Library'),
      { title: 'Library', keys: ['G', 'L'], sequence: true },
    );
    assert.deepEqual(keys.find((k) => k.title === 'Search the library')?.keys, ['/']);
    assert.equal(await app.palette.selected.locator('.palette-title').textContent(), 'Restyle', 'the first option is selected');
    await page.screenshot({ path: join(screenshotDir, '20-command-palette.png') });

    // Arrow keys move the selection (and wrap); Enter runs the selected command.
    await app.palette.input.press('ArrowDown');
    await app.palette.input.press('ArrowDown');
    assert.equal(await app.palette.selected.locator('.palette-title').textContent(), 'Import');
    assert.equal(await app.palette.input.getAttribute('aria-activedescendant'), await app.palette.selected.getAttribute('id'));
    await app.palette.input.press('ArrowUp');
    await app.palette.input.press('Enter');
    await heading('Library').waitFor();
    await app.palette.dialog.waitFor({ state: 'hidden' });

    // Typing filters: by title, by a word it is known by, by letters in order.
    await app.palette.open();
    await app.palette.input.fill('hist');
    assert.deepEqual((await app.palette.titles()).slice(0, 2), ['History', 'Search history']);
    await app.palette.input.fill('backup');
    assert.deepEqual(await app.palette.titles(), ['Export all data']);
    await app.palette.input.fill('zzqx');
    assert.deepEqual(await app.palette.titles(), []);
    await app.palette.dialog.getByText('No command matches “zzqx”.').waitFor();
    // Escape closes it without running anything.
    await app.palette.input.press('Escape');
    await app.palette.dialog.waitFor({ state: 'hidden' });
    await heading('Library').waitFor();
    // Typed at the palette: runs the first match.
    await app.palette.open();
    await app.palette.run('sett');
    await heading('Settings').waitFor();
  });

  test('every shortcut the palette shows works from where it is shown', async () => {
    for (const from of ['Restyle', 'History'] as const) {
      await app.go(from);
      await app.palette.open();
      const shown = await app.palette.shortcuts();
      await app.palette.input.press('Escape');
      await app.palette.dialog.waitFor({ state: 'hidden' });
      assert.ok(shown.length >= 9, `shortcuts shown on ${from}: ${JSON.stringify(shown)}`);
      for (const s of shown) {
        await app.go(from);
        // A click on the heading: keys go to the page, not to a field.
        await heading(from).click();
        if (s.sequence) {
          for (const k of s.keys) await page.keyboard.press(k.toLowerCase());
          await heading(s.title).waitFor({ timeout: 5000 });
        } else if (s.keys.join('+') === '/') {
          await page.keyboard.press('/');
          const box = s.title === 'Search history' ? app.history.searchBox : app.library.searchBox;
          await page.waitForFunction(() => document.activeElement?.getAttribute('type') === 'search', null, { timeout: 5000 }).catch(() => undefined);
          assert.equal(await box.evaluate((el) => el === document.activeElement), true, `"/" on ${from} focuses the search for "${s.title}"`);
          await page.keyboard.press('Escape');
        } else {
          assert.deepEqual(s.keys, ['Ctrl', 'K'], `unexpected shortcut ${JSON.stringify(s)}`);
          await page.keyboard.press('Control+k');
          await app.palette.input.waitFor();
          await page.keyboard.press('Control+k');
          await app.palette.dialog.waitFor({ state: 'hidden' });
        }
      }
    }
    // Plain keys typed into a field stay text: "g" then "s" in the library search does not leave the page.
    await app.go('Library');
    await app.library.searchBox.click();
    await page.keyboard.type('gs');
    assert.equal(await app.library.searchBox.inputValue(), 'gs');
    await heading('Library').waitFor();
    await app.library.search('');
  });

  test('a library delete can be undone: the document comes back, still learned', async () => {
    await app.go('Library');
    await app.library.search('');
    const victim = TWEETS[4]!;
    const row = app.library.row(victim);
    await row.waitFor();
    await app.library.remove(row);
    await app.library.waitForCount(TWEETS.length - 1);
    assert.equal(await app.library.row(victim).count(), 0);
    await page.getByText(`${TWEETS.length - 1} tweets · 0 articles in`).waitFor();
    await app.library.undo.waitFor();
    await page.screenshot({ path: join(screenshotDir, '21-library-undo.png') });
    await app.library.undo.click();
    await app.toast('Document restored').waitFor();
    await app.library.waitForCount(TWEETS.length);
    await page.getByText(`${TWEETS.length} tweets · 0 articles in`).waitFor();
    await app.library.row(victim).waitFor();
    // Restored with its compression: no "learning" chip, nothing queued.
    assert.equal(await app.library.row(victim).locator('.chip-live').count(), 0);
    assert.equal((await invoke<{ pending: number }>('queue:status')).pending, 0);
    // "/" then typing searches the library.
    await heading('Library').click();
    await page.keyboard.press('/');
    await page.keyboard.type('blanket');
    await page.waitForFunction(() => {
      const el = document.querySelector('[data-testid=library-count]');
      return el?.getAttribute('data-query') === 'blanket' && el.getAttribute('data-state') === 'ready';
    });
    assert.equal(await app.library.count(), 1);
    await app.library.search('');
    await app.clearToasts();
  });

  test('history: search narrows it, a long draft is shortened with "Show all"', { timeout: 300_000 }, async () => {
    await app.go('Restyle');
    for (const d of [SHORT_DRAFT, LONG_DRAFT]) {
      await app.restyle.run(d);
      await app.restyle.waitAllDone(240_000);
    }
    await app.go('History');
    await app.history.items.first().waitFor();
    const total = await app.history.items.count();
    assert.equal(total, 6, 'three suggestions from each of the two drafts');
    await app.history.search('lanterns');
    assert.equal(await app.history.items.count(), 3);
    assert.match((await app.history.count.textContent()) ?? '', /^3 matching/);
    const first = app.history.items.first();
    const draft = first.getByTestId('expandable-text');
    assert.equal(await draft.getAttribute('data-state'), 'short');
    const shortText = (await draft.textContent()) ?? '';
    assert.ok(shortText.length < LONG_DRAFT.length && shortText.endsWith('…') && LONG_DRAFT.startsWith(shortText.slice(0, -1)), shortText);
    const more = first.getByRole('button', { name: /Show all/ });
    assert.equal(await more.getAttribute('aria-expanded'), 'false');
    await more.click();
    assert.equal(await draft.textContent(), LONG_DRAFT);
    assert.equal(await first.getByRole('button', { name: /Show less/ }).getAttribute('aria-expanded'), 'true');
    await app.clearToasts();
    await page.screenshot({ path: join(screenshotDir, '22-history-search.png') });
    // The short draft has no such button.
    await app.history.search('the dog found');
    assert.equal(await app.history.items.count(), 3);
    assert.equal(await app.history.items.getByRole('button', { name: /Show all/ }).count(), 0);
    // Nothing matches: said so, not an empty "no suggestions yet" page.
    await app.history.search('no such words anywhere');
    await page.getByTestId('history-no-match').waitFor();
    // "/" focuses the history search on this page.
    await heading('History').click();
    await page.keyboard.press('/');
    assert.equal(await app.history.searchBox.evaluate((el) => el === document.activeElement), true);
    await app.history.search('');
    assert.equal(await app.history.items.count(), total);
  });

  test('Threads shows the count in use, not 0, and refuses numbers out of range', async () => {
    const max = availableParallelism();
    await app.go('Settings');
    await page.waitForFunction(() => (document.querySelector('[data-testid=threads-note]')?.textContent ?? '').includes('in use'));
    // stories260k is small: the automatic choice is one thread.
    assert.equal(await app.settings.threads.inputValue(), '1');
    assert.ok(await app.settings.threadsAuto.isChecked());
    assert.match((await app.settings.threadsNote.textContent()) ?? '', /^1 in use, chosen for this pack/);
    await app.settings.threadsAuto.uncheck();
    for (const bad of [String(max + 1), '0', '-2', '1.5', 'four']) {
      await app.settings.threads.fill(bad);
      await app.settings.threadsError.waitFor();
      assert.ok(await app.settings.threadsSave.isDisabled(), `Save is off for "${bad}"`);
      assert.match((await app.settings.threadsError.textContent()) ?? '', new RegExp(`from 1 to ${max}`));
    }
    assert.match((await app.settings.threadsError.textContent()) ?? '', /“four” is not a thread count/);
    // For a look at the form with its message (not one of the committed screenshots).
    await page.screenshot({ path: join(tmpdir(), 'commer-e2e-threads-refused.png') });
    await app.settings.threads.fill(String(max + 1));
    assert.match((await app.settings.threadsError.textContent()) ?? '', new RegExp(`^${max + 1} is out of range`));
    // A count in range is saved and used.
    await app.settings.threads.fill(String(max));
    await app.settings.threadsSave.click();
    await app.toast(`The model now runs on ${max} thread${max === 1 ? '' : 's'}.`).waitFor({ timeout: 60_000 });
    await page.waitForFunction((m) => (document.querySelector('[data-testid=threads-note]')?.textContent ?? '').startsWith(`${m} in use, as set`), max, { timeout: 60_000 });
    assert.equal((await invoke<{ threads: number; threadsInUse: number }>('settings:get')).threadsInUse, max);
    // Back to automatic.
    await app.settings.threadsAuto.check();
    await app.settings.threadsSave.click();
    await app.toast('Threads are chosen automatically again.').waitFor({ timeout: 60_000 });
    await page.waitForFunction(() => (document.querySelector('[data-testid=threads-note]')?.textContent ?? '').startsWith('1 in use, chosen'), null, { timeout: 60_000 });
    assert.equal(await app.settings.threads.inputValue(), '1');
    await app.clearToasts();
  });

  test('an export of 30,000 documents runs while the other pages keep loading', { timeout: 400_000 }, async () => {
    // Learning paused (from the palette), so the big profile is only stored.
    await app.palette.open();
    await app.palette.run('pause learning');
    await app.toast('Learning paused').waitFor();
    await app.go('Profiles');
    await app.profiles.create('Bulk');
    await app.waitActiveProfile('Bulk');
    const lines = Array.from({ length: 30_000 }, (_, i) => JSON.stringify({ text: `Note ${i}: the weather was ${['fine', 'wet', 'cold', 'warm'][i % 4]} and the bus came at ${i % 24}:00.` }));
    await app.dropFiles([{ name: 'bulk.jsonl', bytes: Buffer.from(lines.join('\n') + '\n'), type: 'application/json' }]);
    await app.go('Library');
    await app.library.waitForCount(30_000, 300_000);

    await app.go('Settings');
    await app.settings.exportButton.click();
    // While the file is written: the Library (search, counts) and Settings (packs, settings, queue) load.
    let overlapped = false;
    for (let i = 0; i < 3; i++) {
      await app.go('Library');
      await app.library.search('bus');
      await app.go('Settings');
      await app.settings.pack(PACK).waitFor();
      if ((await app.settings.exportButton.textContent())?.includes('Exporting')) overlapped = true;
    }
    await app.toast(/Exported/).waitFor({ timeout: 120_000 });
    assert.ok(overlapped, 'the pages loaded while the export was still running');
    assert.equal(await page.getByRole('alert').filter({ hasText: 'Can’t reach the ComMer engine' }).count(), 0);
    assert.equal(await page.getByTestId('pack-error').count(), await app.settings.packs.filter({ has: page.locator('.chip-bad') }).count());
    await app.clearToasts();
  });

  test('delete all data lists the earlier export and deletes it too', async () => {
    const exportsDir = join(host.dataDir, 'exports');
    const files = readdirSync(exportsDir).filter((f) => f.startsWith('commer-export-'));
    assert.equal(files.length, 1);
    const dialog = await app.settings.openDeleteAll();
    const list = dialog.getByTestId('export-list');
    await list.waitFor();
    assert.match((await list.textContent()) ?? '', new RegExp(`An earlier export holds a copy[\\s\\S]*${files[0]!.replace(/[.]/g, '\\.')}`));
    const also = dialog.getByLabel('Also delete this export file');
    assert.ok(await also.isChecked(), 'deleting all data deletes the exports unless unticked');
    await dialog.getByText('Copies your browser downloaded').waitFor();
    await page.screenshot({ path: join(tmpdir(), 'commer-e2e-delete-all-exports.png') });
    await dialog.getByLabel(/Type DELETE to confirm/).fill('DELETE');
    await dialog.getByRole('button', { name: 'Delete everything and 1 export' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await app.toast('with 1 export file').waitFor();
    assert.ok(!existsSync(join(exportsDir, files[0]!)), 'the export file is gone');
    assert.deepEqual(await invoke('profiles:list'), []);
    assert.deepEqual(await invoke('settings:exports'), []);
  });

  test('no uncaught errors, CSP violations or failed loads in the page', () => {
    assert.deepEqual(pageErrors, []);
  });
});
