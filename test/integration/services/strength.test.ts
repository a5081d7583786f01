// Style strength through the services, on a copy of the real tiny-random pack given a
// reference by `commer reference-mean`: strength 1 is today's restyle (same seed, same
// text), strength 0 is generation conditioned on the reference mean itself (checked
// against the runtime directly), History records the strength, bad values and packs
// without the task's reference are refused with a clear message.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { harness, PACKS, type Harness } from './helpers.js';
import { finished, spawnCli } from '../../faults/helpers.js';
import { loadModel } from '../../../main/runtime/index.js';
import type { RestyleEvent, RestyleRequest, Services } from '../../../main/services/index.js';

async function run(svc: Services, req: RestyleRequest): Promise<{ start: Extract<RestyleEvent, { type: 'start' }>; texts: string[] }> {
  const events: RestyleEvent[] = [];
  for await (const ev of svc.restyle.run(req)) events.push(ev);
  const start = events.find((e) => e.type === 'start') as Extract<RestyleEvent, { type: 'start' }>;
  const texts: string[] = [];
  for (const e of events) if (e.type === 'candidate-done') texts[e.candidate] = e.text;
  return { start, texts };
}

describe('style strength in the services (tiny-random pack with a tweet reference)', () => {
  let tmp: string;
  let packDir: string;
  let h: Harness;
  let pid: number;
  const sampling = { seed: 11, maxNewTokens: 8, temperature: 0.8, topK: 40, topP: 0.95, repetitionPenalty: 1.1 };
  const draft = 'coffee and code every morning';

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'commer-strength-'));
    packDir = join(tmp, 'packs', 'tiny-random');
    cpSync(join(PACKS, 'tiny-random'), packDir, { recursive: true });
    const people = ['ann', 'bo', 'cy'].flatMap((u) => [1, 2, 3].map((i) => JSON.stringify({ user: u, text: `${u} says hello for the ${i}th time today` })));
    writeFileSync(join(tmp, 'train.jsonl'), people.join('\n') + '\n');
    const mine = ['Shipping the new build tonight, fingers crossed', 'Morning run done, now coffee', 'Reading about compilers again'];
    writeFileSync(join(tmp, 'mine.jsonl'), mine.map((text) => JSON.stringify({ text })).join('\n') + '\n');
    const r = await finished(
      spawnCli(['--data-dir', join(tmp, 'cli'), 'reference-mean', '--pack', packDir, '--data', join(tmp, 'train.jsonl'), '--split', 'all', '--per-person', '2', '--threads', '1']),
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /tweet: mean of 6 documents of 3 persons \(every person\)/);
    h = await harness({ packs: [join(tmp, 'packs')] });
    await h.svc.settings.update({ filterOffensive: false });
    pid = h.svc.profiles.create('me').id;
    const { jobId } = h.svc.imports.start({ path: join(tmp, 'mine.jsonl'), profileId: pid });
    await h.svc.imports.wait(jobId);
    const st = await h.svc.queue.drain();
    assert.equal(st.pending, 0);
  });
  after(async () => {
    await h?.cleanup();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('the pack lists its reference kinds', () => {
    const p = h.svc.packs.list().find((x) => x.id === 'tiny-random')!;
    assert.deepEqual(p.referenceKinds, ['tweet']);
  });

  test('strength 1 is the restyle without a strength, token for token (same seed)', async () => {
    const today = await run(h.svc, { profileId: pid, task: 'paraphrase', draft, docs: 'all', n: 2, sampling });
    const full = await run(h.svc, { profileId: pid, task: 'paraphrase', draft, docs: 'all', n: 2, sampling, strength: 1 });
    assert.equal(today.start.usedDocs, 3);
    assert.deepEqual(full.texts, today.texts);
    assert.equal(full.start.strength, 1);
  });

  test('strength 0 is generation conditioned on the reference mean (the runtime directly, same seed), and differs from fully me', async () => {
    const generic = await run(h.svc, { profileId: pid, task: 'paraphrase', draft, docs: 'all', n: 2, sampling, strength: 0 });
    const me = await run(h.svc, { profileId: pid, task: 'paraphrase', draft, docs: 'all', n: 2, sampling });
    const model = await loadModel(packDir, { threads: 1 });
    const direct: string[] = ['', ''];
    try {
      for await (const ev of model.generate({ merged: model.info.reference!.tweet!, task: 'paraphrase', input: draft, n: 2, ...sampling })) direct[ev.candidate] += ev.text;
    } finally {
      await model.dispose();
    }
    assert.deepEqual(
      generic.texts,
      direct.map((t) => t.trim()),
    );
    assert.notDeepEqual(generic.texts, me.texts, 'the reference and the profile mean gave the same text: the blend has no effect');
  });

  test('History records the strength of each suggestion; without documents none is applied', async () => {
    const half = await run(h.svc, { profileId: pid, task: 'paraphrase', draft: 'half of me', docs: 'all', n: 1, sampling, strength: 0.5 });
    assert.equal(half.start.strength, 0.5);
    const none = await run(h.svc, { profileId: pid, task: 'paraphrase', draft: 'nobody at all', docs: 'none', n: 1, sampling, strength: 0.5 });
    assert.equal(none.start.strength, null);
    const items = h.svc.history.list({ profileId: pid }).items;
    assert.equal(items.find((g) => g.draft === 'half of me')!.settings.strength, 0.5);
    assert.equal(items.find((g) => g.draft === 'nobody at all')!.settings.strength, null);
  });

  test('a strength outside 0..1, or below 1 where the pack has no reference for the kind, is refused by name', async () => {
    await assert.rejects(run(h.svc, { profileId: pid, task: 'paraphrase', draft, docs: 'all', n: 1, sampling, strength: 1.5 }), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'INVALID_INPUT');
      assert.match(e.message, /strength must be from 0 \(generic\) to 1 \(fully me\), got 1.5/);
      return true;
    });
    await assert.rejects(run(h.svc, { profileId: pid, task: 'headline', draft, docs: 'all', n: 1, sampling, strength: 0.5 }), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'INVALID_INPUT');
      assert.match(e.message, /the model pack "tiny-random" has no reference mean for articles.*commer reference-mean/);
      return true;
    });
    // Fully me needs no reference.
    const ok = await run(h.svc, { profileId: pid, task: 'headline', draft, docs: 'all', n: 1, sampling, strength: 1 });
    assert.equal(ok.texts.length, 1);
  });
});
