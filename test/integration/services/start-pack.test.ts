// The pack picked automatically at start must be one that loads: a pack whose
// manifest parses but whose files are damaged is skipped for the next one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { damagedPackCopy, harness, PACKS } from './helpers.js';

test('start skips a damaged pack and activates the next one that loads', async () => {
  const packs = mkdtempSync(join(tmpdir(), 'commer-packs-'));
  try {
    mkdirSync(packs, { recursive: true });
    // Sorted first, so it is the first candidate.
    const bad = join(packs, 'a-broken');
    damagedPackCopy(bad, 'a-broken');
    cpSync(join(PACKS, 'tiny-random'), join(packs, 'tiny-random'), { recursive: true });

    const h = await harness({ packs: [packs] });
    try {
      await h.svc.queue.drain();
      const list = h.svc.packs.list();
      const active = list.find((p) => p.active);
      assert.equal(active?.id, 'tiny-random');
      const broken = list.find((p) => p.id === 'a-broken')!;
      assert.equal(broken.valid, false);
      assert.match(broken.error ?? '', /sha256/);
    } finally {
      await h.cleanup();
    }
  } finally {
    rmSync(packs, { recursive: true, force: true });
  }
});
