// The commer CLI as a user runs it: a child process on a temp data folder and the real tiny pack.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished, spawnCli, ROOT } from '../../faults/helpers.js';

describe('commer CLI', () => {
  let dir: string;
  let base: string[];
  const run = async (...args: string[]) => finished(spawnCli([...base, ...args]));
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'commer-cli-'));
    base = ['--data-dir', join(dir, 'data'), '--packs', join(ROOT, 'test/fixtures/packs')];
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('import creates the profile, stores and compresses; profiles shows it', async () => {
    const r = await run('--json', 'import', join(ROOT, 'test/fixtures/import/archive.zip'), join(ROOT, 'test/fixtures/import/article.md'), '--profile', 'me');
    assert.equal(r.code, 0, r.stderr);
    const results = JSON.parse(r.stdout) as Array<{ stored: number; phase: string }>;
    assert.deepEqual(results.map((x) => [x.phase, x.stored]), [['done', 4], ['done', 1]]);
    const p = await run('--json', 'profiles');
    assert.equal(p.code, 0);
    const [me] = JSON.parse(p.stdout) as Array<{ name: string; docCounts: { tweet: number; article: number }; compression: { compressed: number; pending: number } }>;
    assert.equal(me!.name, 'me');
    assert.deepEqual(me!.docCounts, { tweet: 4, article: 1 });
    assert.equal(me!.compression.pending, 0);
    assert.equal(me!.compression.compressed, 5);
  });

  test('restyle prints candidates; recompute reports no drift; export writes JSON', async () => {
    const r = await run('--json', 'restyle', 'coffee before code', '--task', 'paraphrase', '--profile', 'me', '-n', '2', '--seed', '3', '--max-new-tokens', '6');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { usedDocs: number; candidates: string[] };
    assert.equal(out.usedDocs, 4);
    assert.equal(out.candidates.length, 2);
    const rc = await run('--json', 'recompute');
    assert.equal(rc.code, 0);
    assert.ok((JSON.parse(rc.stdout) as { maxAbsDiff: number }).maxAbsDiff <= 1e-6);
    const file = join(dir, 'export.json');
    assert.equal((await run('export', file)).code, 0);
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).profiles[0].documents.length, 5);
  });

  test('exit codes: 2 for a wrong command line, 1 for failed work', async () => {
    assert.equal((await run('import', 'x.csv')).code, 2, 'missing --profile');
    assert.equal((await run('frobnicate')).code, 2);
    assert.equal((await run('restyle', 'x', '--profile', 'me', '--task', 'poem')).code, 2);
    const bad = await run('import', join(ROOT, 'test/fixtures/import/no-text-column.csv'), '--profile', 'me', '--no-compress');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /no text column .*columns found: created_at, url, replies/);
    const none = await run('restyle', 'x', '--profile', 'nobody');
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no profile named "nobody"/);
  });
});
