// Scanning the pack folders: by manifest only, one entry per id, a broken copy never
// hiding a good one, and every unreadable pack with a reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanPacks } from '../../../main/services/packs.js';

const FIXTURE = join(import.meta.dirname, '../../fixtures/packs/tiny-random/manifest.json');
const manifest = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, unknown>;

function packDir(root: string, name: string, content: string | null): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  if (content !== null) writeFileSync(join(dir, 'manifest.json'), content);
  return dir;
}

test('scanPacks reads every manifest, names the broken ones by what went wrong, and keeps the first valid copy of an id', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'commer-packs-'));
  try {
    const a = join(tmp, 'a');
    const b = join(tmp, 'b');
    // a/: a broken copy of tiny-random (claims its id), not-json, a folder without a manifest, a stray file.
    packDir(a, 'broken-copy', JSON.stringify({ ...manifest, compression: { k: 0 } }));
    packDir(a, 'garbled', '{ not json');
    packDir(a, 'empty', null);
    writeFileSync(join(a, 'notes.txt'), 'not a pack');
    // b/: the good tiny-random, and a second good pack under another id.
    cpSync(FIXTURE, join(packDir(b, 'tiny-random', null), 'manifest.json'));
    packDir(b, 'other', JSON.stringify({ ...manifest, id: 'other-pack', name: 'Other' }));

    const packs = scanPacks([a, join(tmp, 'missing'), b]);
    assert.deepEqual(
      packs.map((p) => [p.id, p.error === null]),
      [
        ['garbled', false],
        ['other-pack', true],
        ['tiny-random', true],
      ],
    );
    const good = packs.find((p) => p.id === 'tiny-random')!;
    assert.equal(good.dir, join(b, 'tiny-random'));
    assert.equal(good.name, manifest.name);
    assert.equal(good.k, 2);
    assert.equal(good.dim, 32);
    assert.match(packs[0]!.error!, /^manifest\.json is not valid JSON \(/);

    // Without the good copy, the broken one is listed under the id it claims, with the manifest's complaint.
    const broken = scanPacks([a]).find((p) => p.id === 'tiny-random');
    assert.ok(broken, 'the broken copy is known by the id it claims');
    assert.equal(broken.dir, join(a, 'broken-copy'));
    assert.equal(broken.k, null);
    assert.ok(broken.error && broken.error.length > 0);
    assert.deepEqual(scanPacks([join(tmp, 'missing')]), []);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
