// The default pack the app ships (models/packs), end to end through the services and
// the real inference worker: import a few tweets, let the queue compress them, restyle
// with and without the person's voice, and check the text a writer would see.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { harness, importFile, type Harness } from './helpers.js';
import { shippedPacks } from '../runtime/fixture-packs.js';

const TWEETS = [
  'Health care reform passed the House tonight. This is what change looks like.',
  'Thank you to every volunteer who knocked on doors this weekend. You made the difference.',
  'Join us in Chicago on Saturday for a rally on jobs and the economy.',
  'We are going to rebuild our roads and bridges and put people back to work.',
  'Proud of the students who spoke up for clean air today. The future is yours.',
  'Watch live: remarks on the economy at 2pm ET.',
];

/** Text a user would be embarrassed to see: replacement characters or leaked control tokens. */
function looksBroken(text: string): string | null {
  if (text.includes('\uFFFD')) return 'a replacement character (a byte sequence decoded badly)';
  const m = /<\|[a-z_]+\|>/.exec(text);
  if (m) return `a control token ${m[0]}`;
  return null;
}

const packs = shippedPacks();
const defaultPack = packs[0];

describe('the shipped default pack, end to end', { skip: defaultPack ? false : 'models/packs is empty' }, () => {
  let h: Harness;
  let pid: number;
  before(async () => {
    h = await harness({ packs: [join(defaultPack!, '..')] });
    pid = h.svc.profiles.create('Obama').id;
  });
  after(async () => h?.cleanup());

  test('imported tweets are compressed with the default pack', async () => {
    const file = join(h.dir, 'tweets.jsonl');
    writeFileSync(file, TWEETS.map((text) => JSON.stringify({ text })).join('\n') + '\n');
    const r = await importFile(h.svc, pid, file);
    assert.equal(r.stored, TWEETS.length);
    const st = await h.svc.queue.drain();
    assert.equal(st.state, 'idle', JSON.stringify(st));
    assert.equal(st.pending, 0);
    assert.equal(st.packId, defaultPack!.split(/[\\/]/).pop());
    assert.deepEqual(h.svc.profiles.get(pid).compression.compressed, TWEETS.length);
  });

  for (const docs of ['all', 'none'] as const) {
    test(`restyle (${docs === 'all' ? 'in my voice' : 'without my voice'}) gives readable, non-empty suggestions`, async () => {
      const events = [];
      const draft = 'we need to pass the climate bill this year so our kids have clean air';
      for await (const ev of h.svc.restyle.run({ profileId: pid, task: 'paraphrase', draft, docs, n: 2, sampling: { seed: 3, maxNewTokens: 32 } })) events.push(ev);
      const start = events[0]!;
      assert.equal(start.type, 'start');
      if (start.type === 'start') assert.equal(start.usedDocs, docs === 'all' ? TWEETS.length : 0);
      const done = events.filter((e) => e.type === 'candidate-done');
      assert.equal(done.length, 2);
      for (const d of done) {
        if (d.type !== 'candidate-done') continue;
        assert.ok(d.text.trim().length > 0, 'empty suggestion');
        const broken = looksBroken(d.text);
        assert.equal(broken, null, `${JSON.stringify(d.text)} holds ${broken}`);
        const streamed = events
          .filter((e) => e.type === 'token' && e.candidate === d.candidate)
          .map((e) => (e.type === 'token' ? e.text : ''))
          .join('');
        assert.equal(d.text, streamed.trim());
      }
      assert.equal(events.at(-1)!.type, 'done');
    });
  }
});
