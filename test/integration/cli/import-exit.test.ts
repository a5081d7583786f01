// `commer import` exit codes tell whether every record the files held was stored:
// 0 all stored, 3 finished with records not stored, 1 failed; and what it prints
// is each job's final state, read after compression has run.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished, spawnCli, ROOT } from '../../faults/helpers.js';
import { tweetsJs } from '../services/zip-writer.js';
import { importExitCode } from '../../../main/cli/index.js';

const FIX = join(ROOT, 'test/fixtures/import');

describe('commer import exit codes', () => {
  let dir: string;
  let base: string[];
  const run = async (...args: string[]) => finished(spawnCli([...base, ...args]));
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'commer-cli-exit-'));
    base = ['--data-dir', join(dir, 'data'), '--packs', join(ROOT, 'test/fixtures/packs')];
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("an import still 'compressing' when it returns is a finished one (exit 0), not a failure", () => {
    // Whether the pack has loaded before a job ends depends on the machine's speed, so the rule is checked on its own.
    assert.equal(importExitCode({ phase: 'compressing', lost: 0, incomplete: false }), 0);
    assert.equal(importExitCode({ phase: 'done', lost: 0, incomplete: false }), 0);
    assert.equal(importExitCode({ phase: 'compressing', lost: 2, incomplete: false }), 3);
    assert.equal(importExitCode({ phase: 'done', lost: 0, incomplete: true }), 3);
    assert.equal(importExitCode({ phase: 'failed', lost: 0, incomplete: false }), 1);
    assert.equal(importExitCode({ phase: 'cancelled', lost: 0, incomplete: false }), 1);
  });

  test('0 when every record is stored and compressed; the JSON shows the phases after compression', async () => {
    const big = join(dir, 'tweets.js');
    writeFileSync(big, tweetsJs(300));
    const r = await run('--json', 'import', big, join(FIX, 'archive.zip'), '--profile', 'me');
    assert.equal(r.code, 0, r.stderr);
    const results = JSON.parse(r.stdout) as Array<{ phase: string; stored: number; lost: number; incomplete: boolean }>;
    assert.deepEqual(
      results.map((x) => [x.phase, x.stored, x.lost, x.incomplete]),
      [
        ['done', 300, 0, false],
        ['done', 4, 0, false],
      ],
    );
    const p = JSON.parse((await run('--json', 'profiles')).stdout) as Array<{ compression: { compressed: number; pending: number } }>;
    assert.deepEqual(p[0]!.compression, { ...p[0]!.compression, compressed: 304, pending: 0 });
  });

  test('3 when the import finished but a record was not stored; the summary says how many and where', async () => {
    const r = await run('import', join(FIX, 'tweets-bad-row.js'), '--profile', 'p3', '--no-compress');
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /tweets-bad-row\.js: done, 2 read, 2 new, .*1 problem; 1 record not stored \(tweets-bad-row\.js:23\)/);
    assert.match(r.stderr, /tweets-bad-row\.js:23: invalid JSON: .* \[1 record lost\]/);
    const t = await run('import', join(FIX, 'tweets-truncated.js'), '--profile', 'p3', '--no-compress');
    assert.equal(t.code, 3, t.stderr);
    assert.match(t.stderr, /an unknown number from what could not be read/);
  });

  test('0 for a slip read past without losing a record; 1 when --on-bad-row abort refuses the file', async () => {
    const comma = join(dir, 'comma.js');
    writeFileSync(
      comma,
      tweetsJs(50, undefined, (i) => (i === 0 ? '' : i < 49 ? ',' : '')),
    );
    const r = await run('import', comma, '--profile', 'p4', '--no-compress');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /comma\.js: done, 50 read, 50 new, .*1 problem; every record stored/);
    assert.match(r.stderr, /\[read past, no record lost\]/);
    const a = await run('import', comma, '--profile', 'p5', '--no-compress', '--on-bad-row', 'abort');
    assert.equal(a.code, 1, a.stderr);
    assert.match(a.stderr, /failed, .*nothing of this file was stored/);
  });
});
