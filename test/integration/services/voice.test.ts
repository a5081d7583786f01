// Issue 11 items 2 and 4 through the services and the real inference worker on the real
// stories260K pack: the "without my voice" comparison (the n = 0 generation with the same
// seed, not saved to History), generic suggestions for a profile with no documents, and
// the person's documents closest to each suggestion (FTS5 BM25), each locatable in the Library.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { harness, importFile, PACKS, type Harness } from './helpers.js';
import { FUNCTION_WORDS } from '../../../main/store/index.js';
import { ServiceError, type RestyleEvent, type RestyleRequest, type Services } from '../../../main/services/index.js';

const STORIES = [
  'Lily had a red ball. She played with the ball in the park every day.',
  'Tom saw a big dog in the park. The dog was happy and wagged its tail.',
  'The little bird sang a song in the tree. Mom smiled at the bird.',
  'Ben and his sister baked a cake. The cake was sweet and warm.',
  'One day the sun was hot, so the kids went to swim in the lake.',
  'The cat hid under the bed because it was scared of the loud storm.',
];
const DRAFT = 'The girl went to the park with her dog and a ball.';

async function collect(svc: Services, req: RestyleRequest): Promise<RestyleEvent[]> {
  const events: RestyleEvent[] = [];
  for await (const ev of svc.restyle.run(req)) events.push(ev);
  return events;
}
const finals = (events: RestyleEvent[]) => events.flatMap((e) => (e.type === 'candidate-done' ? [e] : []));
const startOf = (events: RestyleEvent[]) => {
  const s = events[0]!;
  assert.equal(s.type, 'start');
  return s as Extract<RestyleEvent, { type: 'start' }>;
};
/** The content words of a text (what "closest" may match on: function words like "the" make nobody's style). */
const words = (text: string) => new Set((text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? []).filter((w) => !FUNCTION_WORDS.has(w)));

describe('with or without my voice, and why it sounds like me (stories260k, real worker)', () => {
  let h: Harness;
  let packs: string;
  let pid: number;
  let blank: number;
  before(async () => {
    packs = mkdtempSync(join(tmpdir(), 'commer-voice-packs-'));
    cpSync(join(PACKS, 'stories260k'), join(packs, 'stories260k'), { recursive: true });
    h = await harness({ packs: [packs] });
    pid = h.svc.profiles.create('Storyteller').id;
    blank = h.svc.profiles.create('Nobody yet').id;
    const file = join(h.dir, 'stories.jsonl');
    writeFileSync(file, STORIES.map((text) => JSON.stringify({ text })).join('\n') + '\n');
    assert.equal((await importFile(h.svc, pid, file)).stored, STORIES.length);
    assert.equal((await h.svc.queue.drain()).pending, 0);
  });
  after(async () => {
    await h?.cleanup();
    rmSync(packs, { recursive: true, force: true });
  });

  test('a profile with no documents gives generic suggestions (the n = 0 generation) and says so', { timeout: 120_000 }, async () => {
    const base = { profileId: blank, task: 'paraphrase' as const, draft: DRAFT, n: 2, sampling: { seed: 11, maxNewTokens: 24 } };
    const events = await collect(h.svc, { ...base, docs: 'all' });
    const start = startOf(events);
    assert.equal(start.usedDocs, 0);
    assert.deepEqual(start.docs, { selection: 'all', requested: null, matched: null, used: 'none', count: 0 });
    assert.equal(start.seed, 11);
    const texts = finals(events).map((d) => d.text);
    assert.equal(texts.length, 2);
    for (const d of finals(events)) {
      assert.ok(d.text.length > 0, 'a generic suggestion has text');
      assert.deepEqual(d.closest, [], 'no document to explain it');
      assert.notEqual(d.generationId, null, 'a generic suggestion asked for is still saved');
    }
    // Exactly what asking for no personalization writes: the same model, the same seed.
    const none = await collect(h.svc, { ...base, docs: 'none', save: false });
    assert.deepEqual(
      finals(none).map((d) => d.text),
      texts,
    );
    // "Most relevant" on an empty profile is generic too.
    const rel = startOf(await collect(h.svc, { ...base, docs: { relevant: 4 }, n: 1 }));
    assert.equal(rel.docs!.used, 'none');
    const hist = h.svc.history.list({ profileId: blank }).items;
    assert.equal(hist.length, 3, 'two from "all", one from "relevant"; none from the unsaved run');
  });

  test('without my voice: the same draft and seed with docs none, saved nowhere, and not what the voice wrote', { timeout: 120_000 }, async () => {
    const before = h.svc.history.list().total;
    // The UI sets no seed: the start event says which one the service drew, and repeating it repeats the run.
    const voiced = await collect(h.svc, { profileId: pid, task: 'paraphrase', draft: DRAFT, docs: 'all', n: 3, sampling: { maxNewTokens: 32 } });
    const start = startOf(voiced);
    assert.equal(start.usedDocs, STORIES.length);
    assert.ok(Number.isInteger(start.seed) && start.seed! >= 0, `seed ${start.seed}`);
    assert.equal(h.svc.history.list().total, before + 3);
    const repeat = await collect(h.svc, { profileId: pid, task: 'paraphrase', draft: DRAFT, docs: 'all', n: 3, sampling: { maxNewTokens: 32, seed: start.seed! }, save: false });
    assert.deepEqual(
      finals(repeat).map((d) => d.text),
      finals(voiced).map((d) => d.text),
    );

    const without = await collect(h.svc, { profileId: pid, task: 'paraphrase', draft: DRAFT, docs: 'none', n: 3, sampling: { maxNewTokens: 32, seed: start.seed! }, save: false });
    assert.equal(startOf(without).usedDocs, 0);
    assert.equal(startOf(without).seed, start.seed);
    assert.equal(finals(without).length, 3);
    for (const d of finals(without)) {
      assert.equal(d.generationId, null, 'not saved');
      assert.deepEqual(d.closest, []);
    }
    assert.equal(h.svc.history.list().total, before + 3, 'only the voiced run is in History');
    const voicedTexts = finals(voiced).map((d) => d.text);
    const withoutTexts = finals(without).map((d) => d.text);
    console.log(`seed ${start.seed}\n  with voice:    ${JSON.stringify(voicedTexts)}\n  without voice: ${JSON.stringify(withoutTexts)}`);
    assert.notDeepEqual(withoutTexts, voicedTexts, 'the merged documents change what the model writes');
  });

  test('each suggestion comes with up to 3 of the person’s documents closest to it, the shared words marked', { timeout: 120_000 }, async () => {
    const docs = h.svc.documents.list({ profileId: pid, limit: 100 }).items;
    let explained = 0;
    for (const seed of [3, 4, 5]) {
      const events = await collect(h.svc, { profileId: pid, task: 'paraphrase', draft: DRAFT, docs: 'all', n: 3, sampling: { maxNewTokens: 40, seed }, save: false });
      for (const d of finals(events)) {
        const closest = d.closest!;
        assert.ok(Array.isArray(closest) && closest.length <= 3, JSON.stringify(closest));
        const shared = words(d.text);
        // Every document sharing a content word with the suggestion is a candidate; the closest are the best 3 of them.
        const sharing = docs.filter((doc) => [...words(doc.text)].some((w) => shared.has(w)));
        assert.equal(closest.length, Math.min(3, sharing.length), `${d.text} -> ${JSON.stringify(closest.map((c) => c.snippet))}`);
        for (const c of closest) {
          const doc = docs.find((x) => x.id === c.id);
          assert.ok(doc, `document ${c.id} is one of the profile's`);
          assert.equal(c.snippet, doc.text, 'a short document is shown whole');
          assert.equal(c.kind, 'tweet');
          assert.ok(c.marks.length > 0);
          for (const [a, b] of c.marks) assert.ok(shared.has(c.snippet.slice(a, b).toLowerCase()), `marked "${c.snippet.slice(a, b)}" is in "${d.text}"`);
        }
        if (closest.length) explained++;
      }
    }
    assert.ok(explained > 0, 'stories260K writes TinyStories words: some suggestion shares one with these stories');
  });

  test('"most relevant N": the closest documents are among the ones merged', { timeout: 120_000 }, async () => {
    const events = await collect(h.svc, { profileId: pid, task: 'paraphrase', draft: 'a cake for the cat', docs: { relevant: 2 }, n: 3, sampling: { maxNewTokens: 40, seed: 9 }, save: false });
    assert.equal(startOf(events).docs!.used, 'relevant');
    const merged = h.svc.documents
      .list({ profileId: pid, search: 'cake', limit: 10 })
      .items.concat(h.svc.documents.list({ profileId: pid, search: 'cat', limit: 10 }).items)
      .map((d) => d.id);
    assert.equal(new Set(merged).size, 2);
    for (const d of finals(events)) for (const c of d.closest!) assert.ok(merged.includes(c.id), `${c.snippet} was not merged`);
  });

  test('documents.locate gives a document and its row in the Library list; a deleted one is NOT_FOUND', () => {
    const list = h.svc.documents.list({ profileId: pid, limit: 100 }).items;
    for (const [i, d] of list.entries()) {
      const loc = h.svc.documents.locate(d.id);
      assert.equal(loc.index, i);
      assert.deepEqual(loc.document, d);
    }
    const gone = list.at(-1)!.id;
    h.svc.documents.delete([gone]);
    assert.throws(
      () => h.svc.documents.locate(gone),
      (e: unknown) => e instanceof ServiceError && e.code === 'NOT_FOUND' && /deleted/.test(e.message),
    );
    assert.throws(
      () => h.svc.documents.locate(-1),
      (e: unknown) => e instanceof ServiceError && e.code === 'INVALID_INPUT',
    );
  });

  test('documents that exist but none of the asked kind is learned: a clear error, not generic text passed off as theirs', async () => {
    await assert.rejects(
      collect(h.svc, { profileId: pid, task: 'headline', draft: DRAFT, docs: 'all', kind: 'article', n: 1 }),
      (e: unknown) => e instanceof ServiceError && e.code === 'NO_DOCUMENTS' && /none of "Storyteller"'s articles is learned/.test(e.message),
    );
  });
});
