// A database from a newer app is refused untouched; a full disk fails an import
// cleanly with the existing data intact.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { createServices, ServiceError } from '../../main/services/index.js';
import { openDatabase, createProfile, insertDocuments, LATEST_SCHEMA_VERSION, StoreError } from '../../main/store/index.js';
import { queuedProgress, runImport, type ImportJobContext } from '../../main/services/import-runner.js';
import type { ImportProgress } from '../../main/services/types.js';
import { assertConsistent, finished, spawnCli, writeTweetsJs } from './helpers.js';

const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

function progress(profileId: number, file: string): ImportProgress {
  return queuedProgress('t', profileId, file);
}

describe('storage faults', () => {
  let dir: string;
  let big: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'commer-storage-'));
    big = join(dir, 'big.js');
    await writeTweetsJs(big, 20_000, { bytesPerTweet: 400 });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a database written by a newer schema is refused with a clear message and left byte-for-byte untouched', async () => {
    const data = join(dir, 'newer');
    const file = join(data, 'commer.db');
    const db = openDatabase(file);
    createProfile(db, 'me');
    db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 5}`);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const before = sha(file);
    assert.throws(
      () => openDatabase(file),
      (e: unknown) =>
        e instanceof StoreError &&
        e.code === 'SCHEMA_TOO_NEW' &&
        e.message.includes(`newer version of ComMer Studio (schema version ${LATEST_SCHEMA_VERSION + 5}; this version knows up to ${LATEST_SCHEMA_VERSION})`),
    );
    await assert.rejects(createServices({ dataDir: data, packDirs: [] }), (e: unknown) => e instanceof ServiceError && e.code === 'SCHEMA_TOO_NEW');
    const cli = await finished(spawnCli(['--data-dir', data, 'profiles']));
    assert.equal(cli.code, 1);
    assert.match(cli.stderr, /SCHEMA_TOO_NEW.*newer version/);
    assert.equal(sha(file), before);
  });

  test('a file that is not a database is refused as damaged', () => {
    const data = join(dir, 'junk');
    mkdirSync(data, { recursive: true });
    const file = join(data, 'commer.db');
    writeFileSync(file, Buffer.from('this is not sqlite'.repeat(100)));
    assert.throws(
      () => openDatabase(file),
      (e: unknown) => e instanceof StoreError && e.code === 'DB_CORRUPT',
    );
  });

  test('database size limit reached mid-import (max_page_count): import fails with DISK_FULL, earlier data intact, no half batch', async () => {
    const file = join(dir, 'full', 'commer.db');
    let db = openDatabase(file);
    const pid = createProfile(db, 'me').id;
    insertDocuments(db, pid, [
      { kind: 'tweet', text: 'existing document one', source: 's' },
      { kind: 'article', text: 'existing article two', source: 's' },
    ]);
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.close();
    db = openDatabase(file, { maxPageCount: pages + 200 });
    try {
      for (const mode of ['skip', 'abort'] as const) {
        const p = progress(pid, big);
        const ctx: ImportJobContext = { db, progress: p, options: { onBadRow: mode }, path: big, signal: new AbortController().signal, emit: () => undefined, onStored: () => undefined };
        await runImport(ctx);
        assert.equal(p.phase, 'failed', mode);
        assert.equal(p.error?.code, 'DISK_FULL');
        assert.match(p.error!.message, /full/);
        const texts = (db.prepare('SELECT text FROM documents ORDER BY id').all() as Array<{ text: string }>).map((r) => r.text);
        assert.deepEqual(texts.slice(0, 2), ['existing document one', 'existing article two']);
        const n = texts.length - 2;
        if (mode === 'abort') assert.equal(n, 0, 'abort mode removes what it stored');
        else assert.equal(n % 1000, 0, `whole batches only (${n})`);
        db.prepare('DELETE FROM documents WHERE id > 2').run();
      }
    } finally {
      db.close();
    }
    assertConsistent(file);
  });

  const canMount = spawnSync('sh', ['-c', 'd=$(mktemp -d) && mount -t tmpfs -o size=1m tmpfs "$d" && umount "$d"'], { stdio: 'ignore' }).status === 0;
  test('a real full disk (small tmpfs): the CLI import exits 1 with a disk-full message and the database stays intact', { skip: !canMount && 'mounting a tmpfs needs root' }, async () => {
    const mnt = join(dir, 'tmpfs');
    mkdirSync(mnt, { recursive: true });
    assert.equal(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mnt]).status, 0);
    try {
      const data = join(mnt, 'data');
      const db = openDatabase(join(data, 'commer.db'));
      const pid = createProfile(db, 'me').id;
      insertDocuments(db, pid, [{ kind: 'tweet', text: 'kept through the full disk', source: 's' }]);
      db.close();
      const r = await finished(spawnCli(['--data-dir', data, '--packs', join(dir, 'none'), 'import', big, '--profile', 'me', '--no-compress']));
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /full/i);
      assertConsistent(join(data, 'commer.db'));
      const ro = new BetterSqlite3(join(data, 'commer.db'), { readonly: true });
      try {
        assert.equal((ro.prepare('SELECT text FROM documents ORDER BY id LIMIT 1').get() as { text: string }).text, 'kept through the full disk');
      } finally {
        ro.close();
      }
    } finally {
      spawnSync('umount', [mnt]);
    }
  });
});
