// `commer restyle` options from issue 11: -n takes 1 to 5 (0 and 6 are a usage error),
// and "--relevant N" says when nothing matched the draft and what was merged instead.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished, spawnCli, ROOT } from '../../faults/helpers.js';

describe('commer restyle options', () => {
  let dir: string;
  let base: string[];
  const run = async (...args: string[]) => finished(spawnCli([...base, ...args]));
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'commer-cli-n-'));
    base = ['--data-dir', join(dir, 'data'), '--packs', join(ROOT, 'test/fixtures/packs')];
    const r = await run('import', join(ROOT, 'test/fixtures/import/archive.zip'), '--profile', 'me');
    assert.equal(r.code, 0, r.stderr);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('-n 0 and -n 6 are refused as a usage error that names the range; -n 5 gives five', async () => {
    // The restyle:start schema's messages, as IPC and the web host give them.
    const cases: [string, string][] = [
      ['0', 'ask for 1 to 5 suggestions'],
      ['6', 'ask for 1 to 5 suggestions'],
      ['2.5', 'the number of suggestions must be a whole number'],
    ];
    for (const [n, why] of cases) {
      const r = await run('restyle', 'coffee', '--profile', 'me', '-n', n);
      assert.equal(r.code, 2, `-n ${n}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`error \\(INVALID_INPUT\\): restyle:start: n: ${why}`));
    }
    const r = await run('--json', 'restyle', 'coffee before code', '--profile', 'me', '-n', '5', '--seed', '3', '--max-new-tokens', '4');
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { candidates: string[] }).candidates.length, 5);
  });

  test('--strength: out of 0..1 is a usage error; below 1 on a pack without a reference mean says how to build one; 1 is recorded', async () => {
    const bad = await run('restyle', 'coffee', '--profile', 'me', '--strength', '1.5', '--max-new-tokens', '4');
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /error \(INVALID_INPUT\): restyle:start: strength: /);
    const noRef = await run('restyle', 'coffee', '--profile', 'me', '--strength', '0.5', '--max-new-tokens', '4');
    assert.notEqual(noRef.code, 0);
    assert.match(noRef.stderr, /has no reference mean for tweets.*commer reference-mean/);
    const full = await run('--json', 'restyle', 'coffee', '--profile', 'me', '--strength', '1', '--seed', '2', '--max-new-tokens', '4');
    assert.equal(full.code, 0, full.stderr);
    assert.equal((JSON.parse(full.stdout) as { strength: number | null }).strength, 1);
  });

  test('--relevant with a draft that matches no document says all were merged instead', async () => {
    const j = await run('--json', 'restyle', 'zebras xylophone quokka', '--profile', 'me', '--relevant', '8', '--seed', '1', '--max-new-tokens', '4');
    assert.equal(j.code, 0, j.stderr);
    const out = JSON.parse(j.stdout) as { usedDocs: number; docs: unknown };
    assert.deepEqual(out.docs, { selection: 'relevant', requested: 8, matched: 0, used: 'all', count: 4 });
    const t = await run('restyle', 'zebras xylophone quokka', '--profile', 'me', '--relevant', '8', '--seed', '1', '--max-new-tokens', '4');
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stderr, /no document matched the draft, so all 4 were merged/);
  });
});
