// Issue 11 items 2 and 4 in the browser, on the real stories260K pack through the real web
// host: "Compare without my voice" (the n = 0 generation with the run's seed, beside each
// suggestion and never in History), generic suggestions for a profile with no documents,
// and "why it sounds like you": the person's closest documents, each opening the Library on it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { RunningHost } from './helpers/web-host.js';
import { openBrowserSession, type BrowserSession } from './helpers/session.js';
import { chromiumPath, hasChromium, screenshotDir } from './helpers/paths.js';
import { jsonlFile } from './helpers/archive.js';
import { Studio } from './pages/studio.js';

const PACK = 'stories260k';
const STORIES = [
  'Lily had a red ball. She played with the ball in the park every day.',
  'Tom saw a big dog in the park. The dog was happy and wagged its tail.',
  'The little bird sang a song in the tree. Mom smiled at the bird.',
  'Ben and his sister baked a cake. The cake was sweet and warm.',
  'One day the sun was hot, so the kids went to swim in the lake.',
  'The cat hid under the bed because it was scared of the loud storm.',
  'Sam wanted to play outside, but it was raining. He was sad.',
  'Mia found a shiny box. Inside the box was a little toy car.',
];
// Imported after the stories, so the stories sit at the bottom of the newest-first Library list and
// opening one has to scroll to it. Words TinyStories never writes, so no suggestion is "close" to these.
const FILLER = Array.from({ length: 40 }, (_, i) => `Quarterly ledger reconciliation memo ${i + 1}: invoices, accruals, amortization.`);
const DRAFT = 'The girl went to the park with her dog and a red ball.';

describe('with or without my voice, and why it sounds like me, in a browser', { skip: hasChromium() ? false : `no Chromium at ${chromiumPath}` }, () => {
  let session: BrowserSession;
  let host: RunningHost;
  let page: Page;
  let app: Studio;
  let pageErrors: string[];
  // The page scrolls inside <main>, and stories260K writes long suggestions: the window is made as tall
  // as the page for the picture (at most 2,800 px), so the comparison and the documents under the cards are in it.
  const shot = async (name: string) => {
    await app.clearToasts();
    const height = await page.evaluate(() => document.getElementById('main')!.scrollHeight);
    await page.setViewportSize({ width: 1280, height: Math.min(2800, Math.max(900, height)) });
    await page.screenshot({ path: join(screenshotDir, name) });
    await page.setViewportSize({ width: 1280, height: 900 });
  };
  const cardTexts = () => app.restyle.suggestions.getByTestId('suggestion-text').allTextContents();

  before(async () => {
    session = await openBrowserSession();
    ({ host, page, app, pageErrors } = session);
  });
  after(async () => {
    await session?.close();
  });

  test('set up: stories260K in use, a profile with 48 documents learned', { timeout: 600_000 }, async () => {
    assert.ok(host.packs.valid.includes(PACK), `${PACK} is a committed fixture`);
    await app.open(host.url);
    await app.learnedProfile(PACK, 'Storyteller', [jsonlFile(STORIES, 'stories.jsonl'), jsonlFile(FILLER, 'memos.jsonl')]);
  });

  test('each suggestion shows up to 3 of the person’s own documents closest to it, the shared words marked', { timeout: 300_000 }, async () => {
    await app.restyle.run(DRAFT);
    await app.restyle.waitAllDone(120_000);
    const texts = await cardTexts();
    let shown = 0;
    for (let i = 0; i < 3; i++) {
      const card = app.restyle.suggestions.nth(i);
      await card.getByRole('region', { name: `Why suggestion ${i + 1} sounds like you` }).waitFor();
      const docs = app.restyle.closestDocs(i);
      const n = await docs.count();
      assert.ok(n <= 3, `${n} documents`);
      if (n === 0) await card.getByTestId('closest-none').waitFor();
      for (let j = 0; j < n; j++) {
        const snippet = (await docs.nth(j).locator('.closest-snippet').textContent()) ?? '';
        assert.ok(STORIES.includes(snippet), `"${snippet}" is one of the stories (no memo shares a word with TinyStories)`);
        const marked = await docs.nth(j).locator('mark').allTextContents();
        assert.ok(marked.length > 0, snippet);
        for (const w of marked) assert.match(texts[i]!.toLowerCase(), new RegExp(`\\b${w.toLowerCase()}\\b`), `"${w}" is in suggestion ${i + 1}: ${texts[i]}`);
      }
      shown += n;
    }
    assert.ok(shown > 0, `stories260K writes TinyStories words; none of ${JSON.stringify(texts)} shares one with the stories`);
    await shot('17-why-it-sounds-like-me.png');
  });

  test('"Compare without my voice" adds the n = 0 text under each suggestion, clearly labelled, and History keeps only the voiced ones', { timeout: 300_000 }, async () => {
    const voiced = await cardTexts();
    assert.equal(await app.restyle.withoutVoice.count(), 0);
    await app.restyle.compareToggle.check();
    await app.restyle.waitWithoutVoiceDone(120_000);
    // The suggestions themselves were not generated again.
    assert.deepEqual(await cardTexts(), voiced);
    const without: string[] = [];
    for (let i = 0; i < 3; i++) {
      const block = app.restyle.suggestions.nth(i).getByTestId('without-voice');
      assert.match((await block.locator('.without-voice-label').textContent()) ?? '', /^Without my voice · same draft and seed, no documents · not saved$/);
      without.push(((await app.restyle.withoutVoiceText(i).textContent()) ?? '').trim());
    }
    console.log(`with my voice:    ${JSON.stringify(voiced)}\nwithout my voice: ${JSON.stringify(without)}`);
    assert.ok(
      without.every((t) => t.length > 0 && t !== '(no text)'),
      JSON.stringify(without),
    );
    assert.notDeepEqual(without, voiced, 'the documents change what the model writes');
    await shot('16-without-my-voice.png');

    // On, a new run writes both; off, the comparison is hidden.
    await page.getByRole('button', { name: 'Regenerate' }).click();
    await app.restyle.waitAllDone(120_000);
    await app.restyle.waitWithoutVoiceDone(120_000);
    await app.restyle.compareToggle.uncheck();
    assert.equal(await app.restyle.withoutVoice.count(), 0);

    await app.go('History');
    await app.history.items.first().waitFor();
    assert.equal(await app.history.items.count(), 6, 'two voiced runs of 3; the 6 texts without a voice are not in History');
    const outputs = await page.locator('.history-output').allTextContents();
    for (const t of without) assert.ok(!outputs.includes(t) || voiced.includes(t), `"${t}" (without my voice) is in History`);
  });

  test('a closest document opens the Library on it: its profile, highlighted, scrolled into view', { timeout: 120_000 }, async () => {
    await app.go('Restyle');
    const first = page.getByTestId('closest-doc').first();
    const id = await first.getAttribute('data-doc-id');
    const snippet = (await first.locator('.closest-snippet').textContent()) ?? '';
    await first.click();
    await app.heading.filter({ hasText: 'Library' }).waitFor();
    const row = app.library.focusedRow;
    await row.waitFor();
    assert.equal(await row.getAttribute('data-doc-id'), id);
    assert.equal((await row.locator('.doc-text').textContent())?.trim(), snippet);
    // The stories are below the 40 memos: the list had to scroll to show it.
    await page.waitForFunction(() => (document.querySelector('.library-scroll')?.scrollTop ?? 0) > 0);
    assert.equal(await app.library.isInView(row), true);
    assert.equal(await app.library.focusedRow.count(), 1);
    // A search is a new list: the highlight goes.
    await app.library.search('ball');
    assert.equal(await app.library.focusedRow.count(), 0);
  });

  test('a profile with no documents gives generic suggestions and says so; there is no voice to compare', { timeout: 300_000 }, async () => {
    await app.go('Profiles');
    await app.profiles.create('Nobody yet');
    await app.waitActiveProfile('Nobody yet');
    await app.go('Restyle');
    await page.getByText('has no documents yet, so suggestions won’t sound like anyone in particular').waitFor();
    await app.restyle.run(DRAFT);
    await app.restyle.waitAllDone(120_000);
    assert.equal(await page.locator('.notice-error').count(), 0, (await page.locator('.notice-error').allTextContents()).join(' | '));
    for (const t of await cardTexts()) assert.ok(t.trim().length > 0 && t !== '(no text)', t);
    assert.match((await app.restyle.docsUsed.textContent()) ?? '', /no documents yet, so these are generic suggestions/);
    assert.equal(await page.getByTestId('closest').count(), 0, 'no document, nothing to explain');
    assert.equal(await app.restyle.compareToggle.isDisabled(), true);
    await shot('18-empty-profile-generic.png');
    // History keeps them, and says they were generic.
    await app.go('History');
    await app.history.items.first().waitFor();
    assert.equal(await app.history.items.count(), 3);
    assert.equal(await app.history.items.locator('.chip', { hasText: 'generic: no documents yet' }).count(), 3);
    assert.deepEqual(pageErrors, []);
  });
});
