// Who uses a data folder, which imports are really cut short, and waiting for
// another connection's write lock, on real files, real processes and real SQLite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  openDatabase,
  schemaVersion,
  LATEST_SCHEMA_VERSION,
  createProfile,
  insertDocuments,
  beginImport,
  countDocuments,
  listImports,
  recoverInterruptedImports,
  registerSession,
  listSessions,
  sessionAlive,
  ownerAlive,
  pruneDeadSessions,
  inspectProcess,
  busyMessage,
  isBusyError,
  retryWhileBusy,
  StoreError,
  SESSIONS_DIR_NAME,
  type SessionInfo,
} from '../../../main/store/index.js';
import { tempDir } from './helpers.js';

function writeSession(dataDir: string, s: SessionInfo): void {
  mkdirSync(join(dataDir, SESSIONS_DIR_NAME), { recursive: true });
  writeFileSync(join(dataDir, SESSIONS_DIR_NAME, `${s.id}.json`), JSON.stringify(s));
}

/** A pid that belonged to a process which has exited (and been reaped). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await once(child, 'exit');
  return child.pid!;
}

test('a registered session is listed and alive; closing removes it', () => {
  const t = tempDir();
  try {
    const s = registerSession(t.dir, 'test runner');
    assert.equal(s.info.pid, process.pid);
    const listed = listSessions(t.dir);
    assert.deepEqual(
      listed.map((x) => x.id),
      [s.info.id],
    );
    assert.ok(sessionAlive(listed[0]!));
    assert.ok(ownerAlive(t.dir, s.info.id));
    if (process.platform !== 'win32') assert.ok(s.info.startIdentity, 'a start identity where the OS gives one');
    s.close();
    assert.deepEqual(listSessions(t.dir), []);
    assert.equal(ownerAlive(t.dir, s.info.id), false, 'a closed session owns nothing');
  } finally {
    t.cleanup();
  }
});

test('a session is dead when its pid is gone, or when the pid now belongs to another process; one from another host is left alone', async () => {
  const t = tempDir();
  try {
    const base = { host: hostname(), label: 'commer import', startedAt: new Date().toISOString() };
    const gone = await deadPid();
    assert.equal(inspectProcess(gone).alive, false);
    writeSession(t.dir, { ...base, id: 'dead', pid: gone, startIdentity: null });
    // Our own pid, but recorded with another start time: the pid was reused.
    const me = inspectProcess(process.pid);
    assert.ok(me.alive);
    const reused = me.startIdentity === null ? null : `${me.startIdentity}-earlier`;
    writeSession(t.dir, { ...base, id: 'reused', pid: process.pid, startIdentity: reused });
    writeSession(t.dir, { ...base, id: 'elsewhere', pid: gone, startIdentity: null, host: `${hostname()}-other` });

    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    try {
      await once(child, 'spawn');
      const live = inspectProcess(child.pid!);
      assert.ok(live.alive);
      writeSession(t.dir, { ...base, id: 'live', pid: child.pid!, startIdentity: live.startIdentity });

      assert.equal(ownerAlive(t.dir, 'dead'), false);
      if (reused !== null) assert.equal(ownerAlive(t.dir, 'reused'), false, 'a reused pid is not the owner');
      assert.equal(ownerAlive(t.dir, 'elsewhere'), true);
      assert.equal(ownerAlive(t.dir, 'live'), true);
      assert.equal(ownerAlive(t.dir, 'never-registered'), false);
      assert.equal(ownerAlive(t.dir, null), false);

      const msg = busyMessage(t.dir, 'none');
      assert.match(msg, new RegExp(`pid ${child.pid} \\(commer import, since `));
      assert.doesNotMatch(msg, new RegExp(`pid ${gone} \\(`), 'a dead process is not named as the holder');

      const pruned = pruneDeadSessions(t.dir).sort();
      assert.deepEqual(pruned, reused === null ? ['dead'] : ['dead', 'reused']);
      child.kill('SIGKILL');
      await once(child, 'exit');
      assert.equal(ownerAlive(t.dir, 'live'), false, 'killed: no longer the owner');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  } finally {
    t.cleanup();
  }
});

test('recovery touches only imports whose owner is gone, removes what an abort-mode one stored, and runs once', () => {
  const t = tempDir();
  try {
    const db = openDatabase(join(t.dir, 'c.db'));
    const p = createProfile(db, 'me');
    const docs = (tag: string) => Array.from({ length: 5 }, (_, i) => ({ kind: 'tweet' as const, text: `${tag} ${i}`, source: 's' }));
    const liveAbort = beginImport(db, p.id, 'a.js', 'tweets-js', { onBadRow: 'abort' }, 'live-owner');
    insertDocuments(db, p.id, docs('live'), liveAbort);
    const deadAbort = beginImport(db, p.id, 'b.js', 'tweets-js', { onBadRow: 'abort' }, 'dead-owner');
    insertDocuments(db, p.id, docs('dead abort'), deadAbort);
    const deadSkip = beginImport(db, p.id, 'c.js', 'tweets-js', { onBadRow: 'skip' }, 'dead-owner');
    insertDocuments(db, p.id, docs('dead skip'), deadSkip);
    const legacy = beginImport(db, p.id, 'd.js', 'tweets-js', {}, null);

    const alive = (owner: string | null) => owner === 'live-owner';
    assert.deepEqual(recoverInterruptedImports(db, alive), { interrupted: 3, removed: 5 });
    const status = Object.fromEntries(listImports(db).map((r) => [r.id, r.status]));
    assert.deepEqual(status, { [liveAbort]: 'running', [deadAbort]: 'interrupted', [deadSkip]: 'interrupted', [legacy]: 'interrupted' });
    assert.equal(countDocuments(db, p.id).tweet, 10, "the live import's documents and the skip-mode batches stay");
    assert.deepEqual(recoverInterruptedImports(db, alive), { interrupted: 0, removed: 0 }, 'a second recovery finds nothing');
    db.close();
  } finally {
    t.cleanup();
  }
});

test('a v1 database migrates to the latest schema with its imports kept (owner unknown, not held)', () => {
  const t = tempDir();
  try {
    const file = join(t.dir, 'old.db');
    const db = openDatabase(file);
    createProfile(db, 'me');
    beginImport(db, 1, 'x.js', 'tweets-js', {}, 'someone');
    // Back to what v1 wrote: no owner column (v2), no held column (v3).
    db.exec('DROP INDEX imports_held; ALTER TABLE imports DROP COLUMN held; DROP INDEX imports_running; ALTER TABLE imports DROP COLUMN owner');
    db.pragma('user_version = 1');
    db.close();
    const again = openDatabase(file);
    try {
      assert.equal(schemaVersion(again), LATEST_SCHEMA_VERSION);
      const rows = listImports(again);
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.owner, null);
      assert.equal(rows[0]!.status, 'running');
      assert.equal(rows[0]!.held, 0);
    } finally {
      again.close();
    }
  } finally {
    t.cleanup();
  }
});

test('a write waits for another connection holding the write lock and then succeeds; opening a locked folder says BUSY', async () => {
  const t = tempDir();
  try {
    const file = join(t.dir, 'c.db');
    const a = openDatabase(file, { busyTimeoutMs: 0 });
    const holder = new BetterSqlite3(file);
    holder.exec('BEGIN IMMEDIATE');
    holder.prepare("INSERT INTO settings (key, value) VALUES ('holder', '1')").run();
    let waits = 0;
    let caught: unknown;
    try {
      createProfile(a, 'blocked');
    } catch (err) {
      caught = err;
    }
    assert.ok(isBusyError(caught), 'without waiting, the write is refused as busy');
    const p = await retryWhileBusy(() => createProfile(a, 'me'), {
      retries: 5,
      onWait: () => {
        waits++;
        // The other writer finishes while we wait.
        if (holder.inTransaction) holder.exec('COMMIT');
      },
    });
    assert.equal(waits, 1);
    assert.equal(p.name, 'me');
    assert.equal((a.prepare("SELECT value FROM settings WHERE key = 'holder'").get() as { value: string }).value, '1');

    holder.exec('BEGIN IMMEDIATE');
    await assert.rejects(
      retryWhileBusy(() => createProfile(a, 'never'), { retries: 2 }),
      (e: unknown) => isBusyError(e),
    );
    const ac = new AbortController();
    await assert.rejects(
      retryWhileBusy(() => createProfile(a, 'never'), { retries: Infinity, signal: ac.signal, onWait: () => ac.abort() }),
      (e: unknown) => (e as Error).name === 'AbortError',
      'cancelled while waiting is a cancel, not a busy error',
    );
    holder.exec('ROLLBACK');

    // A fresh folder whose database another program keeps locked from the start (migrations cannot run).
    const other = join(t.dir, 'fresh.db');
    const lock = new BetterSqlite3(other);
    lock.pragma('journal_mode = WAL');
    lock.exec('BEGIN IMMEDIATE; CREATE TABLE x (a);');
    assert.throws(
      () => openDatabase(other, { busyTimeoutMs: 0 }),
      (e: unknown) => e instanceof StoreError && e.code === 'BUSY',
    );
    lock.exec('ROLLBACK');
    lock.close();
    assert.ok(existsSync(other));
    holder.close();
    a.close();
  } finally {
    t.cleanup();
  }
});
