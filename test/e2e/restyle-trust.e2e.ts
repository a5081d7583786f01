// Issue 11 in the browser, on the shipped default pack (SmolLM2, real weights): the number of
// suggestions, the offensive-word filter with its note and its Settings switch, and what
// "most relevant N" used when the draft matched nothing. Real web host, real services, real model.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { RunningHost } from './helpers/web-host.js';
import { openBrowserSession, type BrowserSession } from './helpers/session.js';
import { chromiumPath, hasChromium, screenshotDir } from './helpers/paths.js';
import { jsonlFile } from './helpers/archive.js';
import { Studio } from './pages/studio.js';
import { findOffensiveWords, MASK_CHAR } from '../../main/core/offensive-words.js';

const PACK = 'smollm2-135m-k4';
const TWEETS = [
  'Health care reform passed the House tonight. This is what change looks like.',
  'Thank you to every volunteer who knocked on doors this weekend. You made the difference.',
  'Join us in Chicago on Saturday for a rally on jobs and the economy.',
  'We are going to rebuild our roads and bridges and put people back to work.',
];
// SmolLM2 repeats the draft's words in about half of its paraphrases (integration test: 6 of 12).
const PROFANE_DRAFT = 'fuck this shit, my asshole boss made me work on sunday';

describe('restyle a writer can trust, in a browser', { skip: hasChromium() ? false : `no Chromium at ${chromiumPath}` }, () => {
  let session: BrowserSession;
  let host: RunningHost;
  let page: Page;
  let app: Studio;
  let pageErrors: string[];
  const shot = async (name: string) => {
    await app.clearToasts();
    await page.screenshot({ path: join(screenshotDir, name) });
  };
  const cardTexts = () => app.restyle.suggestions.getByTestId('suggestion-text').allTextContents();

  before(async () => {
    session = await openBrowserSession();
    ({ host, page, app, pageErrors } = session);
  });
  after(async () => {
    await session?.close();
  });

  test('set up: the shipped pack in use, a profile with four tweets learned', { skip: false, timeout: 600_000 }, async (t) => {
    if (!host.packs.valid.includes(PACK)) return t.skip(`${PACK} is not in models/packs`);
    await app.open(host.url);
    // The import is done once stored; the background queue learns the documents (the Restyle header counts them).
    await app.learnedProfile(PACK, 'Obama', [jsonlFile(TWEETS)], {
      afterImport: async () => assert.equal(await app.importPage.stat('stored'), TWEETS.length, (await app.importPage.progress.textContent()) ?? ''),
    });
  });

  test('five suggestions on request; offensive words the model repeats are hidden and each card says how many', { timeout: 900_000 }, async () => {
    await app.go('Restyle');
    await app.restyle.chooseCount(5);
    await page.getByText('5 suggestions will appear here').waitFor();
    // Sampling is random here (the UI sets no seed); a few runs make a repeated word all but certain.
    let tries = 0;
    do {
      tries++;
      await app.restyle.run(PROFANE_DRAFT);
      await app.restyle.waitAllDone(300_000, 5);
    } while ((await app.restyle.hiddenNotes.count()) === 0 && tries < 4);
    assert.equal(await app.restyle.suggestions.count(), 5);
    const texts = await cardTexts();
    assert.ok((await app.restyle.hiddenNotes.count()) > 0, `no word was hidden in ${tries} runs: ${JSON.stringify(texts)}`);
    for (const text of texts) assert.deepEqual(findOffensiveWords(text), [], `visible: ${text}`);
    // A note sits on the cards whose text has masked words, and on no other (the model may write '*' itself, so not the reverse).
    for (let i = 0; i < 5; i++) {
      const note = app.restyle.suggestions.nth(i).getByTestId('hidden-note');
      if (!texts[i]!.includes(MASK_CHAR)) assert.equal(await note.count(), 0, texts[i]);
      if (await note.count()) {
        assert.ok(texts[i]!.includes(MASK_CHAR), texts[i]);
        assert.match((await note.textContent()) ?? '', /^(1 word|[2-9]\d* words) hidden$/);
      }
    }
    await shot('08-offensive-words-hidden.png');
  });

  test('"most relevant 8" with a draft that matches nothing says all documents were used instead', { timeout: 600_000 }, async () => {
    await app.restyle.chooseCount(1);
    await app.restyle.useRelevant(8);
    await app.restyle.run('zebras xylophone quokka');
    await app.restyle.waitAllDone(300_000, 1);
    assert.match((await app.restyle.docsUsed.textContent()) ?? '', /no document matched the draft, so all 4 documents were used instead/);
    await shot('09-relevant-nothing-matched.png');
    await app.restyle.run('a rally in Chicago on jobs');
    await app.restyle.waitAllDone(300_000, 1);
    assert.match((await app.restyle.docsUsed.textContent()) ?? '', /8 most relevant \(\d+ documents? matched and used\)/);
  });

  test('the filter switch in Settings is on by default, and turning it off is kept across a reload', async () => {
    await app.go('Settings');
    assert.equal(await app.settings.filterOffensive.isChecked(), true);
    await app.settings.filterOffensive.uncheck();
    await app.toast(/shown as the model writes them/).waitFor();
    await shot('10-settings-offensive-filter.png');
    await page.reload();
    await app.go('Settings');
    await page.waitForFunction(() => !document.querySelector<HTMLInputElement>('input[type=checkbox]')?.disabled);
    assert.equal(await app.settings.filterOffensive.isChecked(), false);
    assert.deepEqual(pageErrors, []);
  });
});
