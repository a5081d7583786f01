// Two real processes on one data folder. Each interleaving is forced, not hoped
// for: a process is frozen with SIGSTOP at a point the test checks through the
// database's own lock (inside or outside a write transaction), the other process
// runs its whole command, and only then is the first one let go.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import BetterSqlite3 from 'better-sqlite3';
import { openDatabase, computeMeansFromScratch, getMean } from '../../main/store/index.js';
import { assertConsistent, finished, spawnCli, waitFor, writeTweetsJs, ROOT } from './helpers.js';

const N = 20_000;
// Short, so that a command that must wait for the lock gives up quickly; the fixes must not depend on its length.
const FAST_BUSY = { COMMER_BUSY_TIMEOUT_MS: '300' };

/** True when nobody holds the database's write lock (a BEGIN IMMEDIATE that does not wait succeeds). */
function writeLockFree(dbPath: string): boolean {
  const db = new BetterSqlite3(dbPath, { fileMustExist: true, timeout: 0 });
  try {
    db.exec('BEGIN IMMEDIATE');
    db.exec('ROLLBACK');
    return true;
  } catch (err) {
    if (String((err as { code?: string }).code).startsWith('SQLITE_BUSY')) return false;
    throw err;
  } finally {
    db.close();
  }
}

/**
 * Stops the child with SIGSTOP at a moment where it holds the write lock (inside a
 * transaction) or not (between transactions), as asked: stop, look, and if it is on
 * the wrong side let it run a moment and try again.
 */
async function freeze(child: ChildProcess, dbPath: string, where: 'inside' | 'outside'): Promise<void> {
  for (let tries = 0; tries < 20_000; tries++) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`pid ${child.pid} exited before it could be frozen ${where} a transaction`);
    child.kill('SIGSTOP');
    await waitStopped(child.pid!);
    if (writeLockFree(dbPath) === (where === 'outside')) return;
    child.kill('SIGCONT');
    await sleep(where === 'inside' ? 0 : 5);
  }
  throw new Error(`could not freeze pid ${child.pid} ${where} a transaction`);
}

/** Waits until /proc shows the process stopped (SIGSTOP is delivered asynchronously). Linux only, like the strace fault test. */
async function waitStopped(pid: number): Promise<void> {
  for (;;) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'T' || state === 't') return;
    await sleep(1);
  }
}

function count(dbPath: string, sql: string): number {
  const db = new BetterSqlite3(dbPath, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare(sql).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

function importStatuses(dbPath: string): string[] {
  const db = new BetterSqlite3(dbPath, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT status FROM imports ORDER BY id').all() as Array<{ status: string }>).map((r) => r.status);
  } finally {
    db.close();
  }
}

/** Collects a child's output as it comes, so a test can wait for a line while the child still runs. */
function watch(child: ChildProcess): { stdout: () => string; stderr: () => string; exit: Promise<{ code: number | null; signal: string | null }>; until(re: RegExp): Promise<boolean> } {
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout?.on('data', (d) => ((out += d), listeners.forEach((l) => l())));
  child.stderr?.on('data', (d) => ((err += d), listeners.forEach((l) => l())));
  const exit = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as string | null }));
  return {
    stdout: () => out,
    stderr: () => err,
    exit,
    /** Resolves true when re shows up on stderr, false if the child exits first. */
    until: (re) =>
      new Promise<boolean>((resolve) => {
        const check = () => {
          if (re.test(err)) {
            listeners.delete(check);
            resolve(true);
          }
        };
        listeners.add(check);
        check();
        void exit.then(() => (listeners.delete(check), resolve(re.test(err))));
      }),
  };
}

describe('two processes on one data folder', () => {
  let dir: string;
  let packs: string;
  let big: string;
  let small: string;
  const children: ChildProcess[] = [];
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const c = spawnCli(args, env);
    children.push(c);
    return c;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'commer-concurrent-'));
    big = join(dir, 'big.js');
    small = join(dir, 'small.js');
    await writeTweetsJs(big, N);
    await writeTweetsJs(small, 600, { seed: 5 });
    packs = join(dir, 'packs');
    cpSync(join(ROOT, 'test/fixtures/packs/stories260k'), join(packs, 'stories260k'), { recursive: true });
  });
  after(() => {
    for (const c of children) {
      if (c.exitCode === null && c.signalCode === null) {
        c.kill('SIGCONT');
        c.kill('SIGKILL');
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  test("a second process started during a running 'abort' import leaves it alone; the import completes with every document", async () => {
    const data = join(dir, 'running');
    const db = join(data, 'commer.db');
    const first = cli(['--data-dir', data, '--packs', packs, 'import', big, '--profile', 'me', '--no-compress', '--on-bad-row', 'abort']);
    const firstDone = finished(first);
    await waitFor(db, 'SELECT count(*) AS n FROM documents', (n) => n >= 1000);
    await freeze(first, db, 'outside');
    const stored = count(db, 'SELECT count(*) AS n FROM documents');
    assert.ok(stored > 0 && stored < N, `frozen mid-import at ${stored} of ${N}`);

    const second = await finished(cli(['--data-dir', data, '--packs', packs, 'profiles']));
    assert.equal(second.code, 0, second.stderr);
    assert.doesNotMatch(second.stderr, /SqliteError|at .*\.ts:\d+/);
    assert.match(second.stdout, new RegExp(`^me\\t${stored} tweets`, 'm'));
    assert.equal(count(db, 'SELECT count(*) AS n FROM documents'), stored, 'the second process removed none of the running import');
    assert.deepEqual(importStatuses(db), ['running'], 'a live import is not marked interrupted');

    first.kill('SIGCONT');
    const r = await firstDone;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`done, ${N} read, ${N} new`));
    assert.equal(count(db, 'SELECT count(*) AS n FROM documents'), N);
    assert.deepEqual(importStatuses(db), ['done']);
    assertConsistent(db);
  });

  test('a second process that must write while another holds the write lock waits, then says which process holds the folder', async () => {
    const data = join(dir, 'locked');
    const db = join(data, 'commer.db');
    const first = cli(['--data-dir', data, '--packs', packs, 'import', big, '--profile', 'me', '--no-compress']);
    const firstDone = finished(first);
    await waitFor(db, 'SELECT count(*) AS n FROM documents', (n) => n >= 1000);
    await freeze(first, db, 'inside');

    // Creating the profile "you" is a write: it cannot happen while the first process holds the lock.
    const second = await finished(cli(['--data-dir', data, '--packs', packs, 'import', small, '--profile', 'you', '--no-compress'], FAST_BUSY));
    assert.equal(second.code, 1, second.stderr);
    assert.doesNotMatch(second.stderr, /SqliteError|at .*\.ts:\d+/, 'no raw stack trace');
    assert.match(second.stderr, /BUSY/);
    assert.match(second.stderr, new RegExp(`pid ${first.pid}\\b.*import`), `names the process holding the folder: ${second.stderr}`);

    first.kill('SIGCONT');
    const r = await firstDone;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(count(db, 'SELECT count(*) AS n FROM documents'), N);
    // Once the folder is free the same command works.
    const again = await finished(cli(['--data-dir', data, '--packs', packs, 'import', small, '--profile', 'you', '--no-compress']));
    assert.equal(again.code, 0, again.stderr);
    assert.equal(count(db, 'SELECT count(*) AS n FROM documents'), N + 600);
    assertConsistent(db);
  });

  test('a writer in another process while the queue compresses: the queue waits and finishes, nothing is dropped', async () => {
    const data = join(dir, 'queue');
    const db = join(data, 'commer.db');
    const imp = await finished(cli(['--data-dir', data, '--packs', packs, 'import', small, '--profile', 'me', '--no-compress']));
    assert.equal(imp.code, 0, imp.stderr);
    const compress = cli(['--data-dir', data, '--packs', packs, 'compress'], FAST_BUSY);
    const c = watch(compress);
    await waitFor(db, 'SELECT count(*) AS n FROM compressions', (n) => n >= 40);
    // Held still while the other writer starts, so the queue cannot simply finish first on a fast machine.
    await freeze(compress, db, 'outside');

    // The other writer: a process that takes the write lock and holds it until told to commit.
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `const db = new (require('better-sqlite3'))(process.argv[1]);
         db.exec('BEGIN IMMEDIATE');
         db.prepare("INSERT INTO settings (key, value) VALUES ('other-writer', '1')").run();
         process.stdout.write('locked\\n');
         process.stdin.once('data', () => { db.exec('COMMIT'); db.close(); process.exit(0); });`,
        db,
      ],
      { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] },
    );
    children.push(holder);
    await once(holder.stdout!, 'data');
    const held = count(db, 'SELECT count(*) AS n FROM compressions');
    assert.ok(held < 600, `frozen mid-queue at ${held} of 600`);
    compress.kill('SIGCONT');

    // The queue must hit the lock and wait (it says so), not stop.
    const waited = await c.until(/waiting for the data folder/);
    assert.ok(waited, `the queue gave up instead of waiting:\n${c.stderr()}\n${c.stdout()}`);
    assert.equal(compress.exitCode, null, 'compress still runs');
    assert.equal(count(db, 'SELECT count(*) AS n FROM compressions'), held, 'nothing was written under the other writer');
    holder.stdin!.write('go\n');
    await once(holder, 'exit');

    const r = await c.exit;
    assert.equal(r.code, 0, c.stderr());
    assert.match(c.stdout(), /600 of 600 documents compressed with stories260k \(idle\)/);
    assertConsistent(db);
    const d = openDatabase(db);
    try {
      assert.equal((d.prepare('SELECT count(*) AS n FROM compressions').get() as { n: number }).n, 600);
      assert.equal((d.prepare("SELECT value FROM settings WHERE key = 'other-writer'").get() as { value: string }).value, '1', "the other writer's change is kept");
      for (const g of computeMeansFromScratch(d).values()) {
        const m = getMean(d, g.profileId, g.packId, [g.kind])!;
        assert.equal(m.count, 600);
        let diff = 0;
        for (let i = 0; i < g.sum.length; i++) diff = Math.max(diff, Math.abs(m.mean[i]! - g.sum[i]! / g.count));
        assert.ok(diff <= 1e-6, `running mean off by ${diff}`);
      }
    } finally {
      d.close();
    }
  });

  test("two imports at once into one folder (one of them 'abort'): both finish and every document of both is there", async () => {
    const data = join(dir, 'two-imports');
    const db = join(data, 'commer.db');
    const other = join(dir, 'other.js');
    await writeTweetsJs(other, 5000, { seed: 7 });
    const first = finished(cli(['--data-dir', data, '--packs', packs, 'import', big, '--profile', 'me', '--no-compress', '--on-bad-row', 'abort']));
    await waitFor(db, 'SELECT count(*) AS n FROM documents', (n) => n >= 1000);
    // Whatever the interleaving from here on, the outcome must be the same.
    const [a, b] = await Promise.all([first, finished(cli(['--data-dir', data, '--packs', packs, 'import', other, '--profile', 'you', '--no-compress']))]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    assert.doesNotMatch(a.stderr + b.stderr, /SqliteError|locked/);
    assert.equal(count(db, 'SELECT count(*) AS n FROM documents'), N + 5000);
    assert.deepEqual(importStatuses(db), ['done', 'done']);
    assertConsistent(db);
  });

  test("owner SIGKILLed: a second process recovers its 'abort' import (removes what it stored), then both folders' users carry on", async () => {
    const data = join(dir, 'killed');
    const db = join(data, 'commer.db');
    const first = cli(['--data-dir', data, '--packs', packs, 'import', big, '--profile', 'me', '--no-compress', '--on-bad-row', 'abort']);
    const firstDone = finished(first);
    await waitFor(db, 'SELECT count(*) AS n FROM documents', (n) => n >= 1000);
    await freeze(first, db, 'outside');
    first.kill('SIGKILL');
    const r = await firstDone;
    assert.equal(r.signal, 'SIGKILL');

    const second = await finished(cli(['--data-dir', data, '--packs', packs, 'profiles']));
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /^me\t0 tweets/m, 'all or nothing: the dead import left nothing');
    assert.deepEqual(importStatuses(db), ['interrupted']);
    assertConsistent(db);
    const again = await finished(cli(['--data-dir', data, '--packs', packs, 'import', big, '--profile', 'me', '--no-compress', '--on-bad-row', 'abort']));
    assert.equal(again.code, 0, again.stderr);
    assert.equal(count(db, 'SELECT count(*) AS n FROM documents'), N);
    assert.deepEqual(importStatuses(db), ['interrupted', 'done']);
  });
});
