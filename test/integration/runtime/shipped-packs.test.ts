// Every pack the app ships (models/packs/*) must pass the full loader checks and
// produce text, so a broken export never reaches users.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { loadModel, validatePack } from '../../../main/runtime/index.js';
import { shippedPacks } from './fixture-packs.js';

const shipped = shippedPacks();

describe('shipped packs', () => {
  if (shipped.length === 0) test('no pack is shipped yet', { skip: 'models/packs is empty' }, () => {});
  for (const p of shipped) {
    test(`${p.split(/[\\/]/).pop()} validates and generates`, async () => {
      const v = await validatePack(p);
      assert.ok(v.ok, v.ok ? '' : v.error.message);
      const m = await loadModel(p, { executionProvider: 'cpu' });
      try {
        const [c] = await m.compress(['Just shipped a new release, thanks to everyone who tested it!']);
        assert.equal(c!.length, m.info.k * m.info.dim);
        let tokens = 0;
        for await (const ev of m.generate({ merged: c!, task: 'paraphrase', input: 'I love this phone', maxNewTokens: 8 })) if (ev.tokenId >= 0) tokens++;
        assert.ok(tokens >= 1);
      } finally {
        await m.dispose();
      }
    });
  }
});
