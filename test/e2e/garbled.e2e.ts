// A garbled suggestion folded away in the browser, on the shipped default pack (SmolLM2,
// real weights, real web host and services). Sampling is random in the app, so the test
// asks the host for one known seed by rewriting the renderer's real restyle:start request
// (the body is otherwise the renderer's own). With this profile, draft and seed the pack
// writes "justgotbackfromlisbon-the_oldtownandridustridewerewonderful …" as the third of
// three suggestions (the same as `commer restyle --json … -n 3 --seed 1`). If the pack is
// re-exported and that changes, find another seed with the CLI; the check is the fold.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { RunningHost } from './helpers/web-host.js';
import { openBrowserSession, type BrowserSession } from './helpers/session.js';
import { chromiumPath, hasChromium, screenshotDir } from './helpers/paths.js';
import { jsonlFile } from './helpers/archive.js';
import { Studio } from './pages/studio.js';
import { garbledReason } from '../../main/core/garbled.js';

const PACK = 'smollm2-135m-k4';
// The first four tweets of user 18123064 in ../shared/data/tweets/users40.jsonl (a travel account).
const TWEETS = [
  'Attractions in Pawtucket, Rhode Island The birthplace of the American Industrial Revolution #travel http://bit.ly/18MTBL',
  'The Notting Hill #Carnival - one of the most incredible Carnivals in the world #travel #london http://bit.ly/7Um6vJ #traveltuesday',
  'Why you need to learn the language if you live in other country http://bit.ly/4AFYN4 FUNNY #TRAVEL VIDEO',
  '#Edinburgh- A Truly Beautiful And Fascinating City! http://bit.ly/3ZdwnW #travel #tips',
];
const DRAFT = 'Just got back from Lisbon, the old town and the tram rides were wonderful.';
const SEED = 1;

describe('garbled suggestions, in a browser', { skip: hasChromium() ? false : `no Chromium at ${chromiumPath}` }, () => {
  let session: BrowserSession;
  let host: RunningHost;
  let page: Page;
  let app: Studio;
  let pageErrors: string[];

  before(async () => {
    session = await openBrowserSession();
    ({ host, page, app, pageErrors } = session);
  });
  after(async () => {
    await session?.close();
  });

  test('set up: the shipped pack in use, a travel profile with four tweets learned', { timeout: 600_000 }, async (t) => {
    if (!host.packs.valid.includes(PACK)) return t.skip(`${PACK} is not in models/packs`);
    await app.open(host.url);
    await app.learnedProfile(PACK, 'Traveller', [jsonlFile(TWEETS)]);
  });

  test('a garbled suggestion is folded with its reason; "Show it" opens it and Copy works; the others are shown as written', { timeout: 600_000 }, async () => {
    let asked = 0;
    await page.route('**/api/invoke/restyle:start', async (route) => {
      const body = JSON.parse(route.request().postData() ?? '{}') as { sampling?: Record<string, unknown> };
      asked++;
      await route.continue({ postData: JSON.stringify({ ...body, sampling: { ...body.sampling, seed: SEED } }) });
    });
    try {
      await app.go('Restyle');
      await app.restyle.chooseCount(3);
      await app.restyle.run(DRAFT);
      await app.restyle.waitAllDone(300_000, 3);
    } finally {
      await page.unroute('**/api/invoke/restyle:start');
    }
    assert.equal(asked, 1);
    const cards = app.restyle.suggestions;
    const texts = await cards.getByTestId('suggestion-text').allTextContents();
    const reasons = texts.map((t) => garbledReason(t.trim()));
    const garbled = reasons.flatMap((r, i) => (r ? [i] : []));
    assert.ok(garbled.length > 0, `seed ${SEED} gave no garbled suggestion any more (see the header): ${JSON.stringify(texts)}`);
    for (let i = 0; i < 3; i++) {
      const card = cards.nth(i);
      const fold = card.getByTestId('garbled-fold');
      if (reasons[i] === null) {
        assert.equal(await fold.count(), 0, `card ${i + 1} is readable and shown: ${texts[i]}`);
        assert.equal(await card.getByTestId('suggestion-text').isVisible(), true);
        continue;
      }
      assert.equal(await fold.textContent(), `Hidden: this suggestion looks garbled (${reasons[i]}). Show it`);
      assert.equal(await card.getByTestId('garbled-note').textContent(), 'Looks garbled');
      assert.equal(await card.getByTestId('suggestion-text').isVisible(), false, 'the garbled text is not shown');
      assert.equal(await page.getByRole('button', { name: `Copy suggestion ${i + 1}` }).isDisabled(), true);
    }
    await cards.nth(garbled[0]!).scrollIntoViewIfNeeded();
    await app.clearToasts();
    await page.screenshot({ path: join(screenshotDir, '26-garbled-folded.png') });
    const first = cards.nth(garbled[0]!);
    await first.getByRole('button', { name: 'Show it' }).click();
    assert.equal(await first.getByTestId('garbled-fold').count(), 0);
    assert.equal(await first.getByTestId('suggestion-text').isVisible(), true);
    assert.equal(await page.getByRole('button', { name: `Copy suggestion ${garbled[0]! + 1}` }).isEnabled(), true);
    assert.deepEqual(pageErrors, []);
  });
});
