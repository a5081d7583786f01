// A 200 MB archive file streams through the importer with a heap far smaller
// than the file: nothing reads it whole.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import BetterSqlite3 from 'better-sqlite3';
import { CLI, ROOT, finished, writeTweetsJs } from './helpers.js';

const TWEETS = 100_000;

describe('a 200 MB file', () => {
  let dir: string;
  let big: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'commer-large-'));
    big = join(dir, 'tweets.js');
    await writeTweetsJs(big, TWEETS, { bytesPerTweet: 2200 });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('imports completely under a 96 MB heap limit', async () => {
    const size = statSync(big).size;
    assert.ok(size >= 200_000_000, `fixture is ${size} bytes`);
    const data = join(dir, 'data');
    const child = spawn(
      process.execPath,
      ['--max-old-space-size=96', '--import', 'tsx', CLI, '--data-dir', data, '--packs', join(dir, 'none'), '--json', 'import', big, '--profile', 'me', '--no-compress'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const r = await finished(child);
    assert.equal(r.code, 0, r.stderr.slice(-2000));
    const [res] = JSON.parse(r.stdout) as Array<{ stored: number; phase: string }>;
    assert.equal(res!.phase, 'done');
    assert.equal(res!.stored, TWEETS);
    const db = new BetterSqlite3(join(data, 'commer.db'), { readonly: true });
    try {
      assert.equal((db.prepare('SELECT count(*) AS n FROM documents').get() as { n: number }).n, TWEETS);
    } finally {
      db.close();
    }
  });
});
