// SIGKILL in the middle of an import and of the compression queue: reopening
// finds whole documents, means equal to a recompute, and the work resumes.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServices } from '../../main/services/index.js';
import { openDatabase, computeMeansFromScratch, getMean } from '../../main/store/index.js';
import { assertConsistent, finished, spawnCli, waitFor, writeTweetsJs, ROOT } from './helpers.js';

const N = 20_000;

describe('crash safety (SIGKILL)', () => {
  let dir: string;
  let big: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'commer-crash-'));
    big = join(dir, 'tweets.js');
    await writeTweetsJs(big, N);
    cpSync(join(ROOT, 'test/fixtures/packs/stories260k'), join(dir, 'packs', 'stories260k'), { recursive: true });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('mid-import: no half-written document; the import is marked interrupted; re-importing completes it', async () => {
    const data = join(dir, 'import');
    const db = join(data, 'commer.db');
    const child = spawnCli(['--data-dir', data, '--packs', join(dir, 'packs'), 'import', big, '--profile', 'me', '--no-compress']);
    const exit = finished(child);
    const seen = await waitFor(db, 'SELECT count(*) AS n FROM documents', (n) => n >= 1000);
    child.kill('SIGKILL');
    const r = await exit;
    assert.equal(r.signal, 'SIGKILL');
    assertConsistent(db);
    const svc = await createServices({ dataDir: data, packDirs: [join(dir, 'packs')], loadModelAtStart: false, autoStartQueue: false });
    try {
      const p = svc.profiles.list()[0]!;
      const kept = p.docCounts.tweet;
      assert.ok(kept >= seen && kept < N, `killed mid-way: ${kept} of ${N} stored`);
      assert.equal(kept % 1000, 0, 'documents land in whole batches');
      const { jobId } = svc.imports.start({ path: big, profileId: p.id });
      const again = await svc.imports.wait(jobId);
      assert.equal(again.phase, 'done');
      assert.equal(again.duplicates, kept);
      assert.equal(again.stored, N - kept);
      assert.equal(svc.profiles.get(p.id).docCounts.tweet, N);
    } finally {
      await svc.close();
    }
    const d = openDatabase(db);
    try {
      assert.deepEqual(
        d
          .prepare('SELECT status FROM imports ORDER BY id')
          .all()
          .map((x) => (x as { status: string }).status),
        ['interrupted', 'done'],
      );
    } finally {
      d.close();
    }
  });

  test("mid-import in 'abort' mode: what the interrupted import stored is removed on reopen", async () => {
    const data = join(dir, 'import-abort');
    const db = join(data, 'commer.db');
    const child = spawnCli(['--data-dir', data, '--packs', join(dir, 'packs'), 'import', big, '--profile', 'me', '--no-compress', '--on-bad-row', 'abort']);
    const exit = finished(child);
    await waitFor(db, 'SELECT count(*) AS n FROM documents', (n) => n >= 1000);
    child.kill('SIGKILL');
    await exit;
    assertConsistent(db);
    const svc = await createServices({ dataDir: data, packDirs: [join(dir, 'packs')], loadModelAtStart: false, autoStartQueue: false });
    try {
      assert.equal(svc.profiles.list()[0]!.docCounts.tweet, 0, 'all or nothing');
    } finally {
      await svc.close();
    }
  });

  test('mid-compression: committed batches only, means equal a recompute, and the queue resumes to the end', async () => {
    const data = join(dir, 'queue');
    const db = join(data, 'commer.db');
    const small = join(dir, 'small.js');
    await writeTweetsJs(small, 600, { seed: 3 });
    const imp = await finished(spawnCli(['--data-dir', data, '--packs', join(dir, 'packs'), 'import', small, '--profile', 'me', '--no-compress']));
    assert.equal(imp.code, 0, imp.stderr);
    const child = spawnCli(['--data-dir', data, '--packs', join(dir, 'packs'), 'compress']);
    const exit = finished(child);
    const seen = await waitFor(db, "SELECT count(*) AS n FROM compressions WHERE pack_id = 'stories260k'", (n) => n >= 40);
    child.kill('SIGKILL');
    await exit;
    assertConsistent(db);
    const check = (expectAll: boolean) => {
      const d = openDatabase(db);
      try {
        const n = (d.prepare('SELECT count(*) AS n FROM compressions').get() as { n: number }).n;
        if (!expectAll) assert.ok(n >= seen && n < 600, `killed mid-way: ${n} of 600 compressed`);
        else assert.equal(n, 600);
        const fresh = computeMeansFromScratch(d);
        assert.equal(fresh.size, 1);
        for (const g of fresh.values()) {
          const m = getMean(d, g.profileId, g.packId, [g.kind])!;
          assert.equal(m.count, n, 'the mean counts exactly the committed compressions');
          let diff = 0;
          for (let i = 0; i < g.sum.length; i++) diff = Math.max(diff, Math.abs(m.mean[i]! - g.sum[i]! / g.count));
          assert.ok(diff <= 1e-6, `running mean off by ${diff}`);
        }
      } finally {
        d.close();
      }
    };
    check(false);
    const svc = await createServices({ dataDir: data, packDirs: [join(dir, 'packs')] });
    try {
      const st = await svc.queue.drain();
      assert.equal(st.pending, 0);
      assert.equal(st.done, 600);
    } finally {
      await svc.close();
    }
    check(true);
  });
});
