// Issue 11 item 3 in the browser, on the shipped default pack (SmolLM2, real weights,
// with its reference means): the style-strength slider on Restyle, what a run at a
// lower strength says it used, History's record of it, the choice kept across a
// reload, the slider disabled with a reason on a pack without a reference, and the
// measured strength curve on the Model page. Real web host, real services, real model.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { RunningHost } from './helpers/web-host.js';
import { openBrowserSession, type BrowserSession } from './helpers/session.js';
import { chromiumPath, hasChromium, repoRoot, screenshotDir } from './helpers/paths.js';
import { jsonlFile } from './helpers/archive.js';
import { Studio } from './pages/studio.js';

const PACK = 'smollm2-135m-k4';
const NO_REFERENCE_PACK = 'stories260k';
const TWEETS = [
  'Health care reform passed the House tonight. This is what change looks like.',
  'Thank you to every volunteer who knocked on doors this weekend. You made the difference.',
  'Join us in Chicago on Saturday for a rally on jobs and the economy.',
  'We are going to rebuild our roads and bridges and put people back to work.',
];

describe('style strength, in a browser', { skip: hasChromium() ? false : `no Chromium at ${chromiumPath}` }, () => {
  let session: BrowserSession;
  let host: RunningHost;
  let page: Page;
  let app: Studio;
  let pageErrors: string[];
  const shot = async (name: string) => {
    await app.clearToasts();
    await page.screenshot({ path: join(screenshotDir, name) });
  };

  before(async () => {
    session = await openBrowserSession();
    ({ host, page, app, pageErrors } = session);
  });
  after(async () => {
    await session?.close();
  });

  test('set up: the shipped pack in use, a profile with four tweets learned', { timeout: 600_000 }, async (t) => {
    if (!host.packs.valid.includes(PACK)) return t.skip(`${PACK} is not in models/packs`);
    await app.open(host.url);
    await app.learnedProfile(PACK, 'Obama', [jsonlFile(TWEETS)]);
  });

  test('the slider goes from generic to fully me; a run at "a little me" says so, and History records it', { timeout: 900_000 }, async () => {
    await app.go('Restyle');
    const slider = app.restyle.strength;
    assert.equal(await slider.isEnabled(), true, 'the shipped pack has reference means: the slider is usable');
    assert.equal(await slider.inputValue(), '1', 'fully me unless the user asks for less');
    assert.equal(await app.restyle.strengthValue.textContent(), 'fully me');
    await app.restyle.setStrengthSteps(0);
    assert.equal(await slider.inputValue(), '0');
    assert.equal(await app.restyle.strengthValue.textContent(), 'generic');
    await app.restyle.setStrengthSteps(1);
    assert.equal(await slider.inputValue(), '0.25');
    assert.equal(await slider.getAttribute('aria-valuetext'), 'a little me');
    await app.restyle.chooseCount(1);
    await app.restyle.run('we passed the bill and it is a big day for families');
    await app.restyle.waitAllDone(300_000, 1);
    assert.match((await app.restyle.docsUsed.textContent()) ?? '', /all documents \(4 documents used\) · style a little me · /);
    const text = ((await app.restyle.suggestionText(0).textContent()) ?? '').trim();
    assert.ok(text.length > 0, 'the model wrote something');
    await shot('19-style-strength.png');

    await app.go('History');
    const item = app.history.items.first();
    await item.waitFor();
    assert.match((await item.textContent()) ?? '', /style a little me/);
    // Reuse settings brings the strength back with the rest.
    await page.getByRole('button', { name: 'Reuse settings' }).first().click();
    await app.heading.filter({ hasText: 'Restyle' }).waitFor();
    assert.equal(await app.restyle.strength.inputValue(), '0.25');
  });

  test('the strength is kept across a reload; full strength runs say nothing extra', { timeout: 600_000 }, async () => {
    await app.restyle.setStrengthSteps(3);
    assert.equal(await app.restyle.strengthValue.textContent(), 'mostly me');
    await page.reload();
    await app.go('Restyle');
    assert.equal(await app.restyle.strength.inputValue(), '0.75');
    await app.restyle.setStrengthSteps(4);
    await app.restyle.chooseCount(1); // (the number of suggestions is not kept across a reload)
    await app.restyle.run('see you in Chicago on Saturday');
    await app.restyle.waitAllDone(300_000, 1);
    assert.doesNotMatch((await app.restyle.docsUsed.textContent()) ?? '', /style/);
  });

  test('the Model page plots perplexity against strength, and says whether it falls at every step', { timeout: 120_000 }, async () => {
    const evaluation = JSON.parse(readFileSync(join(repoRoot, 'models/packs', PACK, 'manifest.json'), 'utf8')).evaluation as Record<
      string,
      { commer_strength_curve?: { strengths: number[]; ppl: number[]; monotonic: boolean; persons_monotonic: number; persons: number } }
    >;
    await app.go('Model');
    await app.model.evalSections.first().waitFor();
    const tasks = ['paraphrase', 'headline'].filter((t) => evaluation[t]?.commer_strength_curve);
    assert.ok(tasks.length > 0, 'the shipped report carries the strength curve');
    assert.equal(await app.model.strengthCharts.count(), tasks.length);
    for (const [i, task] of tasks.entries()) {
      const c = evaluation[task]!.commer_strength_curve!;
      const verdict = (await app.model.strengthCharts.nth(i).getByTestId('strength-verdict').textContent()) ?? '';
      // The effect's size, from the report's own ends: perplexity at fully me against generic.
      const change = (c.ppl[c.strengths.indexOf(1)]! / c.ppl[c.strengths.indexOf(0)]! - 1) * 100;
      const effect = `${change < 0 ? '\u2212' : '+'}${Math.abs(change).toFixed(1)} %`;
      assert.equal(
        verdict,
        `${c.monotonic ? 'Falls at every step' : 'Does not fall at every step'} as strength rises (${effect} from generic to fully me); for ${c.persons_monotonic} of ${c.persons} persons on their own.`,
      );
      assert.equal(await app.model.strengthCharts.nth(i).locator('.chart-series.s-commer circle').count(), 5);
    }
    await app.model.strengthCharts.first().scrollIntoViewIfNeeded();
    await shot('23-model-style-strength.png');
  });

  test('on a pack without a reference the slider is disabled and says why; runs are fully me', { timeout: 300_000 }, async () => {
    await app.go('Settings');
    await app.settings.use(NO_REFERENCE_PACK);
    await app.settings.pack(NO_REFERENCE_PACK).locator('.chip', { hasText: 'in use' }).waitFor({ timeout: 120_000 });
    await app.go('Restyle');
    assert.equal(await app.restyle.strength.isDisabled(), true);
    assert.equal(await app.restyle.strength.inputValue(), '1');
    assert.equal(await app.restyle.strengthValue.textContent(), 'always fully you: this model pack has no generic tweet style to blend with');
    await shot('24-style-strength-unavailable.png');
    assert.deepEqual(pageErrors, []);
  });
});
