// Issue 11 (the restyle experience a writer trusts), through the services and the real
// inference worker: the offensive-word filter on the shipped model's real output, what
// "most relevant N" really merged, and the number of suggestions.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { harness, importFile, type Harness } from './helpers.js';
import { shippedPacks } from '../runtime/fixture-packs.js';
import { findOffensiveWords, maskOffensive } from '../../../main/core/offensive-words.js';
import { garbledReason } from '../../../main/core/garbled.js';
import { ServiceError, type RestyleEvent, type RestyleRequest, type Services } from '../../../main/services/index.js';
import { openDatabase, getSetting } from '../../../main/store/index.js';

const TWEETS = [
  'Health care reform passed the House tonight. This is what change looks like.',
  'Thank you to every volunteer who knocked on doors this weekend. You made the difference.',
  'Join us in Chicago on Saturday for a rally on jobs and the economy.',
  'We are going to rebuild our roads and bridges and put people back to work.',
];
// SmolLM2 repeats the draft's words in about half of its paraphrases (measured: 6 of 12 at
// temperature 0.8), so a few seeds are enough to get real model output with listed words in it.
const PROFANE_DRAFT = 'fuck this shit, my asshole boss made me work on sunday';

async function collect(svc: Services, req: RestyleRequest): Promise<RestyleEvent[]> {
  const events: RestyleEvent[] = [];
  for await (const ev of svc.restyle.run(req)) events.push(ev);
  return events;
}
const finals = (events: RestyleEvent[]) => events.flatMap((e) => (e.type === 'candidate-done' ? [e] : []));
const streamedText = (events: RestyleEvent[], c: number) => events.flatMap((e) => (e.type === 'token' && e.candidate === c ? [e.text] : [])).join('');

const defaultPack = shippedPacks()[0];

describe('restyle a writer can trust (shipped pack, real worker)', { skip: defaultPack ? false : 'models/packs is empty' }, () => {
  let h: Harness;
  let pid: number;
  before(async () => {
    h = await harness({ packs: [join(defaultPack!, '..')] });
    pid = h.svc.profiles.create('Obama').id;
    const file = join(h.dir, 'tweets.jsonl');
    writeFileSync(file, TWEETS.map((text) => JSON.stringify({ text })).join('\n') + '\n');
    const r = await importFile(h.svc, pid, file);
    assert.equal(r.stored, TWEETS.length);
    assert.equal((await h.svc.queue.drain()).pending, 0);
  });
  after(async () => h?.cleanup());

  test('the filter is on by default; off, the model output carries listed words; on, the same stream comes masked and says how many', { timeout: 600_000 }, async () => {
    assert.equal(h.svc.settings.get().filterOffensive, true);
    await h.svc.settings.update({ filterOffensive: false });
    const base = { profileId: pid, task: 'paraphrase' as const, draft: PROFANE_DRAFT, docs: 'all' as const, n: 3 };
    let seed = 0;
    let raw: RestyleEvent[] = [];
    for (let s = 1; s <= 6 && !seed; s++) {
      raw = await collect(h.svc, { ...base, sampling: { seed: s, maxNewTokens: 24 } });
      if (finals(raw).some((d) => findOffensiveWords(d.text).length > 0)) seed = s;
    }
    assert.ok(seed, `the model never repeated a listed word in 6 seeds x 3 candidates: ${JSON.stringify(finals(raw).map((d) => d.text))}`);
    for (const d of finals(raw)) assert.equal(d.hidden, 0, 'nothing is hidden with the filter off');

    await h.svc.settings.update({ filterOffensive: true });
    const filtered = await collect(h.svc, { ...base, sampling: { seed, maxNewTokens: 24 } });
    let hiddenTotal = 0;
    for (const d of finals(filtered)) {
      const before = finals(raw).find((r) => r.candidate === d.candidate)!;
      const expected = maskOffensive(before.text);
      assert.equal(d.text, expected.text, 'the same sampled text, masked');
      assert.equal(d.hidden, expected.hidden);
      assert.equal(findOffensiveWords(d.text).length, 0);
      hiddenTotal += d.hidden ?? 0;
      // What streamed is what the card ends with, and no streamed piece ever showed a listed word.
      assert.equal(streamedText(filtered, d.candidate).trim(), d.text);
      let soFar = '';
      for (const e of filtered) {
        if (e.type !== 'token' || e.candidate !== d.candidate) continue;
        soFar += e.text;
        assert.equal(findOffensiveWords(soFar).length, 0, `streamed: ${JSON.stringify(soFar)}`);
      }
    }
    assert.ok(hiddenTotal > 0);
    // History keeps what the writer saw, not the hidden words.
    for (const g of h.svc.history.list({ profileId: pid, limit: 3 }).items) assert.equal(findOffensiveWords(g.output).length, 0, g.output);
  });

  test('the filter switch is stored in the database with the other settings; delete-all keeps it', async () => {
    await h.svc.settings.update({ filterOffensive: false });
    h.svc.settings.deleteAll();
    const db = openDatabase(join(h.dir, 'data', 'commer.db'));
    try {
      assert.equal(getSetting(db, 'filterOffensive', true), false);
    } finally {
      db.close();
    }
    await assert.rejects(h.svc.settings.update({ filterOffensive: 'yes' as unknown as boolean }), (e: unknown) => e instanceof ServiceError && e.code === 'INVALID_INPUT');
    await h.svc.settings.update({ filterOffensive: true });
    pid = h.svc.profiles.create('Obama').id;
    const file = join(h.dir, 'tweets.jsonl');
    await importFile(h.svc, pid, file);
    await h.svc.queue.drain();
  });

  test('"most relevant N" with a draft that matches nothing says it used the whole profile instead', async () => {
    const none = await collect(h.svc, { profileId: pid, task: 'paraphrase', draft: 'zebras xylophone quokka', docs: { relevant: 8 }, n: 1, sampling: { seed: 1, maxNewTokens: 4 } });
    const start = none[0]!;
    assert.equal(start.type, 'start');
    assert.deepEqual(start.type === 'start' && start.docs, { selection: 'relevant', requested: 8, matched: 0, used: 'all', count: TWEETS.length });

    const some = await collect(h.svc, { profileId: pid, task: 'paraphrase', draft: 'Chicago rally', docs: { relevant: 8 }, n: 1, sampling: { seed: 1, maxNewTokens: 4 } });
    const s2 = some[0]!;
    assert.deepEqual(s2.type === 'start' && s2.docs, { selection: 'relevant', requested: 8, matched: 1, used: 'relevant', count: 1 });
    assert.equal(s2.type === 'start' && s2.usedDocs, 1);

    const all = await collect(h.svc, { profileId: pid, task: 'paraphrase', draft: 'Chicago rally', docs: 'all', n: 1, sampling: { seed: 1, maxNewTokens: 4 } });
    assert.deepEqual(all[0]!.type === 'start' && all[0]!.docs, { selection: 'all', requested: null, matched: null, used: 'all', count: TWEETS.length });
  });

  test('each finished suggestion says whether it looks garbled (core/garbled.ts on its text), and History records the same', { timeout: 600_000 }, async () => {
    let seen = 0;
    for (const seed of [1, 2]) {
      const ev = await collect(h.svc, {
        profileId: pid,
        task: 'paraphrase',
        draft: 'Just got back from Lisbon, the old town and the tram rides were wonderful.',
        docs: 'all',
        n: 5,
        sampling: { seed, maxNewTokens: 48 },
      });
      for (const d of finals(ev)) {
        assert.equal(d.garbled, garbledReason(d.text), d.text);
        const row = h.svc.history.list({ profileId: pid, limit: 50 }).items.find((g) => g.id === d.generationId);
        assert.ok(row, `history row ${d.generationId}`);
        assert.equal((row.settings as { garbled?: string | null }).garbled, d.garbled);
        if (d.garbled) seen++;
      }
    }
    // The rules themselves are tested on the junk this pack wrote and on 7,801 real tweets (test/unit/core/garbled.test.ts).
    console.log(`# ${seen} of 10 sampled suggestions looked garbled`);
  });

  test('1 to 5 suggestions as asked; 0 and 6 are refused', async () => {
    for (const n of [1, 5]) {
      const ev = await collect(h.svc, { profileId: pid, task: 'paraphrase', draft: 'jobs and the economy', docs: 'all', n, sampling: { seed: 2, maxNewTokens: 4 } });
      assert.equal(finals(ev).length, n);
      assert.equal(ev[0]!.type === 'start' && ev[0]!.n, n);
    }
    for (const n of [0, 6]) {
      await assert.rejects(
        collect(h.svc, { profileId: pid, task: 'paraphrase', draft: 'jobs', docs: 'all', n }),
        (e: unknown) => e instanceof ServiceError && e.code === 'INVALID_INPUT' && /n must be an integer from 1 to 5/.test(e.message),
      );
    }
  });
});
