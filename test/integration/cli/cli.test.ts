// The commer CLI as a user runs it: a child process on a temp data folder and the real tiny pack.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
    assert.deepEqual(
      results.map((x) => [x.phase, x.stored]),
      [
        ['done', 4],
        ['done', 1],
      ],
    );
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

  test('a profile with no documents restyles generically and says so', async () => {
    // An import that stores nothing still creates the profile it names.
    assert.equal((await run('import', join(ROOT, 'test/fixtures/import/blank.md'), '--profile', 'blank')).code, 1);
    const r = await run('restyle', 'coffee before code', '--profile', 'blank', '--seed', '3', '--max-new-tokens', '6');
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.trim().length > 0, 'a generic suggestion has text');
    assert.match(r.stderr, /\(the profile has no documents yet: generic suggestions\)/);
    const j = await run('--json', 'restyle', 'coffee before code', '--profile', 'blank', '-n', '2', '--seed', '3', '--max-new-tokens', '6');
    const out = JSON.parse(j.stdout) as { usedDocs: number; docs: { used: string }; candidates: string[] };
    assert.equal(out.usedDocs, 0);
    assert.equal(out.docs.used, 'none');
    assert.equal(out.candidates.length, 2);
  });
});

// Damaged packs, each in a temp copy of the fixture packs (the committed ones are never touched).
describe('commer CLI with damaged packs', () => {
  let dir: string;
  let n = 0;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'commer-cli-packs-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** A fresh data folder and a packs folder holding copies of the named fixture packs (as folder: pack). */
  function setup(packs: Record<string, string>): { run: (...args: string[]) => ReturnType<typeof finished>; packsDir: string } {
    const root = join(dir, `case-${n++}`);
    const packsDir = join(root, 'packs');
    for (const [folder, pack] of Object.entries(packs)) cpSync(join(ROOT, 'test/fixtures/packs', pack), join(packsDir, folder), { recursive: true });
    const base = ['--data-dir', join(root, 'data'), '--packs', packsDir];
    return { packsDir, run: async (...args: string[]) => finished(spawnCli([...base, ...args])) };
  }

  /** Rewrite a pack file and record its new size and sha256, as someone who "fixed" the hashes would. */
  function replaceListed(packDir: string, file: string, bytes: Buffer): void {
    writeFileSync(join(packDir, file), bytes);
    const m = JSON.parse(readFileSync(join(packDir, 'manifest.json'), 'utf8'));
    m.files[file].bytes = bytes.length;
    m.files[file].sha256 = createHash('sha256').update(bytes).digest('hex');
    writeFileSync(join(packDir, 'manifest.json'), JSON.stringify(m));
  }

  test('packs checks every pack, says what is wrong with the damaged ones, and exits 1 when the active one is damaged', async () => {
    const { run, packsDir } = setup({ stories260k: 'stories260k', 'tiny-random': 'tiny-random', 'tiny-q4': 'tiny-q4' });
    const ok = await run('packs');
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^\* stories260k\tchecked, k=4 dim=64\t/m);

    const onnx = readFileSync(join(packsDir, 'stories260k', 'backbone.onnx'));
    onnx[onnx.length >> 1] ^= 0xff;
    writeFileSync(join(packsDir, 'stories260k', 'backbone.onnx'), onnx);
    const tok = readFileSync(join(ROOT, 'test/fixtures/packs/stories260k/tokenizer.json'));
    replaceListed(join(packsDir, 'tiny-random'), 'tokenizer.json', tok);
    const r = await run('packs');
    assert.equal(r.code, 1, 'the active (default) pack is damaged');
    assert.match(r.stdout, /^\* stories260k\tDAMAGED: backbone\.onnx does not match its sha256/m);
    assert.match(r.stdout, /^ {2}tiny-random\tDAMAGED: tokenizer\.json has 512 tokens but the backbone's vocabulary .* is 400/m);
    assert.match(r.stdout, /^ {2}tiny-q4\tchecked, k=2 dim=64\t/m);
    assert.match(r.stderr, /the active model pack "stories260k" cannot be used: backbone\.onnx does not match/);
    const j = await run('--json', 'packs');
    assert.equal(j.code, 1);
    const list = JSON.parse(j.stdout) as Array<{ id: string; valid: boolean; checked: boolean; error: string | null }>;
    assert.deepEqual(
      list.map((p) => [p.id, p.valid, p.checked]),
      [
        ['stories260k', false, true],
        ['tiny-q4', true, true],
        ['tiny-random', false, true],
      ],
    );
  });

  test('a compression.f32 holding NaN behind updated hashes: compress says why and stores nothing', async () => {
    const { run, packsDir } = setup({ 'tiny-random': 'tiny-random' });
    const imp = await run('import', join(ROOT, 'test/fixtures/import/archive.zip'), '--profile', 'me', '--no-compress');
    assert.equal(imp.code, 0, imp.stderr);
    const e = Buffer.from(readFileSync(join(packsDir, 'tiny-random', 'compression.f32')));
    for (let i = 0; i < e.length; i += 4) e.writeFloatLE(Number.NaN, i);
    replaceListed(join(packsDir, 'tiny-random'), 'compression.f32', e);
    const r = await run('compress');
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^0 of 4 documents compressed with tiny-random \(error\)$/m);
    assert.match(r.stderr, /error \(PACK_INVALID\): compression\.f32 holds 64 non-finite values/);
    const p = await run('--json', 'profiles');
    const [me] = JSON.parse(p.stdout) as Array<{ compression: { compressed: number; pending: number } }>;
    assert.deepEqual(me!.compression, { packId: 'tiny-random', compressed: 0, pending: 4, held: 0 });
    const restyle = await run('restyle', 'coffee before code', '--profile', 'me');
    assert.equal(restyle.code, 1);
    assert.match(restyle.stderr, /compression\.f32 holds 64 non-finite values/);
  });

  test('restyle with the saved pack behind an invalid manifest says why, not only that the pack is missing', async () => {
    // The folder is not named after the pack id, as with a pack a user unpacked.
    const { run, packsDir } = setup({ 'my-pack': 'tiny-random' });
    assert.equal((await run('import', join(ROOT, 'test/fixtures/import/archive.zip'), '--profile', 'me')).code, 0);
    const mf = join(packsDir, 'my-pack', 'manifest.json');
    const m = JSON.parse(readFileSync(mf, 'utf8'));
    m.compression.k = 0;
    writeFileSync(mf, JSON.stringify(m));
    const r = await run('restyle', 'coffee before code', '--profile', 'me');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /my-pack: manifest\.json is invalid: compression\.k/);
    writeFileSync(mf, '{ not json');
    const r2 = await run('restyle', 'coffee before code', '--profile', 'me');
    assert.equal(r2.code, 1);
    assert.match(r2.stderr, /no model pack "tiny-random" in .*; packs that could not be read: .*my-pack: manifest\.json is not valid JSON/);
  });
});
