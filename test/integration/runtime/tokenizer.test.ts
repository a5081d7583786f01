// The pack tokenizers through @huggingface/tokenizers: the streaming decoders
// must produce exactly decode(ids) once concatenated, for any id sequence
// (random ones include byte-fallback runs that form invalid UTF-8).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../../main/core/rng.js';
import { IncrementalDecoder, readPack, type StreamDecoder, type TextTokenizer } from '../../../main/runtime/index.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturePacks, repoRoot } from './fixture-packs.js';

// Real tweets: ../shared beside the checkout (CI puts shared/ there too), else ./shared.
const tweetsPath = [join(repoRoot, '..', 'shared'), join(repoRoot, 'shared')].map((d) => join(d, 'data', 'tweets', 'users40.jsonl')).find((p) => existsSync(p));

function streamed(d: StreamDecoder, ids: number[]): string {
  return ids.map((i) => d.push(i)).join('') + d.flush();
}

function randomIds(t: TextTokenizer, seed: number, trials: number): number[][] {
  const r = createRng(seed);
  return Array.from({ length: trials }, () => Array.from({ length: 1 + Math.floor(r.next() * 12) }, () => Math.floor(r.next() * t.vocabSize)));
}

for (const dir of fixturePacks()) {
  describe(`tokenizer of ${dir.split(/[\\/]/).pop()}`, () => {
    test('round-trips real text with emoji, URLs and accents', async () => {
      const { tokenizer: t } = await readPack(dir);
      for (const s of ['Just landed ✈️ https://t.co/x #travel @friend', 'héllo wörld 😀🎉', 'Once upon a time']) {
        const ids = t.encode(s);
        assert.ok(ids.length > 0);
        assert.equal(t.decode(ids), s);
        assert.equal(streamed(t.createStreamDecoder(), ids), s);
      }
    });

    test('the fast stream decoder equals decode(ids) on 3000 random sequences', async () => {
      const { tokenizer: t } = await readPack(dir);
      assert.notEqual(t.createStreamDecoder().constructor.name, 'IncrementalDecoder', 'SentencePiece packs use the table decoder');
      for (const ids of randomIds(t, 11, 3000)) assert.equal(streamed(t.createStreamDecoder(), ids), t.decode(ids), JSON.stringify(ids));
    });

    test('encodeFirst/encodeLast equal the ends of a full encode on long real text', async () => {
      const { tokenizer: t } = await readPack(dir);
      assert.ok(tweetsPath, 'shared/data/tweets/users40.jsonl not found beside the checkout');
      const tweets = readFileSync(tweetsPath, 'utf8')
        .split('\n')
        .filter(Boolean)
        .slice(0, 400)
        .map((l) => (JSON.parse(l) as { text: string }).text);
      const long = tweets.join(' 🎉 ');
      const noSpaces = 'x'.repeat(20_000);
      for (const text of [long, noSpaces, tweets[0]!]) {
        const all = t.encode(text);
        for (const n of [16, 256]) {
          assert.deepEqual(t.encodeFirst(text, n), all.slice(0, n));
          assert.deepEqual(t.encodeLast(text, n), all.slice(Math.max(0, all.length - n)));
        }
      }
    });

    test('the generic windowed decoder equals decode(ids) on real text streams', async () => {
      const { tokenizer: t } = await readPack(dir);
      for (const s of ['Just landed ✈️ https://t.co/x #travel', 'héllo wörld 😀🎉 日本語', ' two  spaces ']) {
        const ids = t.encode(s);
        assert.equal(streamed(new IncrementalDecoder(t), ids), t.decode(ids));
      }
    });
  });
}
