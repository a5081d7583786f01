import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { contentHash } from '../../main/store/index.js';
import assert from 'node:assert/strict';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = fileURLToPath(new URL('../../main/cli/index.ts', import.meta.url));

/** Writes a Twitter-archive tweets.js with n distinct tweets (padded entities make each about `bytesPerTweet`). */
export async function writeTweetsJs(path: string, n: number, opts: { bytesPerTweet?: number; seed?: number } = {}): Promise<void> {
  const ws = createWriteStream(path);
  const pad = Math.max(0, (opts.bytesPerTweet ?? 300) - 260);
  const filler = 'x'.repeat(pad);
  const words = ['coffee', 'code', 'morning', 'walk', 'release', 'team', 'idea', 'writing', 'music', 'city', 'rain', 'book'];
  ws.write('window.YTD.tweets.part0 = [\n');
  for (let i = 0; i < n; i++) {
    const s = (opts.seed ?? 0) * 1_000_003 + i;
    const text = `tweet ${s}: ${words[s % 12]} and ${words[(s * 7) % 12]} &amp; ${words[(s * 5 + 3) % 12]} #${s % 97}`;
    const rec = {
      tweet: {
        id_str: String(1e15 + s),
        created_at: 'Wed Oct 10 20:19:24 +0000 2018',
        full_text: text,
        retweeted: false,
        in_reply_to_status_id_str: null,
        entities: { hashtags: [], urls: [], filler },
      },
    };
    if (!ws.write(`  ${JSON.stringify(rec)}${i + 1 < n ? ',' : ''}\n`)) await once(ws, 'drain');
  }
  ws.write(']\n');
  ws.end();
  await once(ws, 'finish');
}

/** Runs the CLI in a child process (tsx), returning the child. */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Waits for a child to exit; returns its code, signal and output. */
export async function finished(child: ChildProcess): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += d));
  child.stderr?.on('data', (d) => (stderr += d));
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
  return { code, signal, stdout, stderr };
}

/** Polls a query on a read-only connection until pred holds (or the timeout passes). */
export async function waitFor(dbPath: string, sql: string, pred: (n: number) => boolean, timeoutMs = 120_000): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    let n = -1;
    try {
      const db = new BetterSqlite3(dbPath, { readonly: true, fileMustExist: true });
      try {
        n = (db.prepare(sql).get() as { n: number }).n;
      } finally {
        db.close();
      }
    } catch {
      n = -1;
    }
    if (n >= 0 && pred(n)) return n;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting on ${sql} (last ${n})`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The invariants a crash must never break: an intact file, whole documents, FTS in step. */
export function assertConsistent(dbPath: string): void {
  const db = new BetterSqlite3(dbPath);
  try {
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    assert.deepEqual(db.pragma('foreign_key_check'), []);
    for (const d of db.prepare('SELECT text, sha256 FROM documents').iterate() as Iterable<{ text: string; sha256: string }>) {
      assert.ok(d.text.length > 0);
      assert.equal(d.sha256, contentHash(d.text), 'a document row is whole');
    }
    db.prepare("INSERT INTO documents_fts(documents_fts, rank) VALUES ('integrity-check', 1)").run();
    const bad = db.prepare('SELECT count(*) AS n FROM compressions WHERE length(data) != 4 * k * dim').get() as { n: number };
    assert.equal(bad.n, 0);
  } finally {
    db.close();
  }
}
