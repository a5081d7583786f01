// The checks at the service edge: numeric arguments, and store failures as service codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from '../../../main/store/index.js';
import { ServiceError } from '../../../main/services/errors.js';
import { requireIds, requireInt, storeCalls } from '../../../main/services/validate.js';
import { IDS_PER_CALL_MAX } from '../../../main/core/inputs.js';

const fails = (fn: () => unknown, code: string, message: RegExp) =>
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ServiceError, `a ServiceError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.match(err.message, message);
    return true;
  });

test('requireInt accepts the integers in range and names the argument and the value otherwise', () => {
  assert.equal(requireInt(1, 'n', 1, 5), 1);
  assert.equal(requireInt(5, 'n', 1, 5), 5);
  fails(() => requireInt(0, 'n', 1, 5), 'INVALID_INPUT', /^n must be an integer from 1 to 5, got 0$/);
  fails(() => requireInt(6, 'n', 1, 5), 'INVALID_INPUT', /got 6$/);
  fails(() => requireInt(2.5, 'limit', 1, 500), 'INVALID_INPUT', /^limit .* got 2\.5$/);
  fails(() => requireInt('3', 'offset', 0, 9), 'INVALID_INPUT', /got "3"$/);
  fails(() => requireInt(undefined, 'profileId', 1, 9), 'INVALID_INPUT', /^profileId /);
});

test("requireIds accepts an array of integers (up to the hosts' limit) and nothing else", () => {
  assert.deepEqual(requireIds([], 'ids'), []);
  assert.deepEqual(requireIds([3, 1, 2], 'ids'), [3, 1, 2]);
  assert.equal(
    requireIds(
      Array.from({ length: IDS_PER_CALL_MAX }, (_, i) => i),
      'ids',
    ).length,
    IDS_PER_CALL_MAX,
  );
  for (const bad of [[1.5], ['1'], 7, null, { 0: 1 }, Array.from({ length: IDS_PER_CALL_MAX + 1 }, (_, i) => i)]) {
    fails(() => requireIds(bad, 'ids'), 'INVALID_INPUT', /^ids must be an array of integer ids$/);
  }
});

test('storeCalls passes results through and turns store failures into service errors', () => {
  const storeCall = storeCalls(() => 'commer import (pid 1) is writing to this data folder');
  assert.equal(
    storeCall(() => 42),
    42,
  );
  fails(
    () =>
      storeCall(() => {
        throw new StoreError('NOT_FOUND', 'no such profile');
      }),
    'NOT_FOUND',
    /^no such profile$/,
  );
  fails(
    () =>
      storeCall(() => {
        throw new StoreError('BUSY', 'locked');
      }),
    'BUSY',
    /^commer import \(pid 1\) is writing to this data folder; try again when it has finished$/,
  );
  fails(
    () =>
      storeCall(() => {
        throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
      }),
    'DISK_FULL',
    /nothing of this change was written/,
  );
  const other = new TypeError('a bug');
  assert.throws(
    () =>
      storeCall(() => {
        throw other;
      }),
    (err) => err === other,
  );
});

test('a write on a database another connection holds locked is BUSY, naming the holder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'commer-validate-'));
  const holder = new Database(join(dir, 'x.db'));
  const writer = new Database(join(dir, 'x.db'), { timeout: 0 });
  try {
    holder.pragma('journal_mode = WAL');
    holder.exec('CREATE TABLE t (x INTEGER)');
    holder.exec('BEGIN IMMEDIATE');
    holder.exec('INSERT INTO t VALUES (1)');
    const storeCall = storeCalls(() => 'the other window is importing');
    fails(() => storeCall(() => writer.prepare('INSERT INTO t VALUES (2)').run()), 'BUSY', /^the other window is importing; nothing of this change was written, try again when it has finished$/);
    holder.exec('COMMIT');
    assert.equal(
      storeCall(() => writer.prepare('INSERT INTO t VALUES (2)').run().changes),
      1,
    );
  } finally {
    holder.close();
    writer.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
