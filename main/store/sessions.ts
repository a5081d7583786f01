// Who is using a data folder. Every process that opens the services (the app, the
// web host, each `commer` command) leaves one small file in <dataDir>/sessions/
// naming itself: pid, host, the process's start identity and what it is doing.
// It lives beside the database rather than in it so that registering never waits
// for SQLite's write lock, and a reader can always say who holds the folder.
//
// A session is alive while its pid is alive *and* that pid still belongs to the
// same process (the start identity: on Linux the boot id and the start time from
// /proc, elsewhere what `ps` reports; Windows has only the pid). A crash leaves the
// file behind with a dead owner, which is how the next process knows the imports
// that session marked running were cut short, and not merely still running.
import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import type { Database } from 'better-sqlite3';

export const SESSIONS_DIR_NAME = 'sessions';

export interface SessionInfo {
  id: string;
  pid: number;
  host: string;
  /** Identifies the process behind pid (so a reused pid is not mistaken for it); null where the OS gives none. */
  startIdentity: string | null;
  /** What the process is, for messages: "commer import", "ComMer Studio", … */
  label: string;
  startedAt: string;
}

export interface Session {
  readonly info: SessionInfo;
  readonly dataDir: string;
  /** Removes the session's file; call last, after the database is closed. */
  close(): void;
}

interface ProcessState {
  alive: boolean;
  startIdentity: string | null;
}

let bootId: string | null | undefined;
function linuxBootId(): string | null {
  if (bootId === undefined) {
    try {
      bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      bootId = null;
    }
  }
  return bootId;
}

function signalZero(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, it just is not ours to signal.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether a pid is alive here, and the identity of the process that has it. */
export function inspectProcess(pid: number): ProcessState {
  if (!Number.isInteger(pid) || pid <= 0) return { alive: false, startIdentity: null };
  if (process.platform === 'linux') {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { alive: false, startIdentity: null };
      return { alive: signalZero(pid), startIdentity: null };
    }
    // Fields after the command name (which may hold spaces and parentheses): state is the 3rd, starttime the 22nd.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const state = rest[0];
    // A zombie (killed, not yet reaped by its parent) or a dead task holds no lock and writes nothing.
    if (state === 'Z' || state === 'X' || state === 'x') return { alive: false, startIdentity: null };
    return { alive: true, startIdentity: `linux:${linuxBootId() ?? '?'}:${rest[19] ?? '?'}` };
  }
  if (!signalZero(pid)) return { alive: false, startIdentity: null };
  if (process.platform === 'win32') return { alive: true, startIdentity: null };
  try {
    const lstart = execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
    return lstart ? { alive: true, startIdentity: `ps:${lstart}` } : { alive: false, startIdentity: null };
  } catch {
    return { alive: true, startIdentity: null };
  }
}

/**
 * Whether a session's process is still running. A session from another host
 * (a data folder on a network share) cannot be checked from here and counts as
 * alive: never treat someone else's work as crashed on a guess.
 */
export function sessionAlive(s: SessionInfo): boolean {
  if (s.host !== hostname()) return true;
  const now = inspectProcess(s.pid);
  if (!now.alive) return false;
  return s.startIdentity === null || now.startIdentity === null || s.startIdentity === now.startIdentity;
}

/** A name for this process when its host gives none: the app, or the script that runs. */
export function defaultProcessLabel(): string {
  if (process.versions.electron) return 'ComMer Studio';
  return process.argv[1] ? basename(process.argv[1]) : basename(process.execPath);
}

function sessionsDir(dataDir: string): string {
  return join(dataDir, SESSIONS_DIR_NAME);
}

/** Registers this process as a user of the data folder. */
export function registerSession(dataDir: string, label: string): Session {
  const dir = sessionsDir(dataDir);
  mkdirSync(dir, { recursive: true });
  const info: SessionInfo = {
    id: `${process.pid}-${randomUUID().slice(0, 8)}`,
    pid: process.pid,
    host: hostname(),
    startIdentity: inspectProcess(process.pid).startIdentity,
    label,
    startedAt: new Date().toISOString(),
  };
  const file = join(dir, `${info.id}.json`);
  // Written whole then renamed, so a reader never sees half a file.
  writeFileSync(`${file}.tmp`, JSON.stringify(info));
  renameSync(`${file}.tmp`, file);
  let open = true;
  return {
    info,
    dataDir,
    close: () => {
      if (!open) return;
      open = false;
      rmSync(file, { force: true });
    },
  };
}

/** Every session file in the data folder (alive or not). */
export function listSessions(dataDir: string): SessionInfo[] {
  const dir = sessionsDir(dataDir);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: SessionInfo[] = [];
  for (const name of names.sort()) {
    if (!name.endsWith('.json')) continue;
    try {
      const s = JSON.parse(readFileSync(join(dir, name), 'utf8')) as SessionInfo;
      if (typeof s.id === 'string' && typeof s.pid === 'number') out.push(s);
    } catch {
      // Removed while listing, or unreadable: not a session we can name.
    }
  }
  return out;
}

/**
 * Whether the session with this id still runs. Its file gone means it closed (or
 * was found dead and removed); present, its process decides.
 */
export function ownerAlive(dataDir: string, id: string | null): boolean {
  if (!id) return false;
  const s = listSessions(dataDir).find((x) => x.id === id);
  return s !== undefined && sessionAlive(s);
}

/** Removes the files of sessions whose process is gone; returns their ids. */
export function pruneDeadSessions(dataDir: string): string[] {
  const gone: string[] = [];
  for (const s of listSessions(dataDir)) {
    if (sessionAlive(s)) continue;
    rmSync(join(sessionsDir(dataDir), `${s.id}.json`), { force: true });
    gone.push(s.id);
  }
  return gone;
}

// The session behind each open database, so a busy error can name the others.
const sessionOf = new WeakMap<Database, Session>();

/** Ties a database handle to the session that opened it (for busyMessage). */
export function attachSession(db: Database, session: Session): void {
  sessionOf.set(db, session);
}

/**
 * What to tell a user when the database stayed locked: the folder, and the other
 * processes using it (pid, what they are, since when). Callers add what to do.
 */
export function busyMessage(dataDirOrDb: string | Database, selfId?: string): string {
  let dataDir: string | undefined;
  if (typeof dataDirOrDb === 'string') dataDir = dataDirOrDb;
  else {
    const s = sessionOf.get(dataDirOrDb);
    dataDir = s?.dataDir;
    selfId ??= s?.info.id;
  }
  if (!dataDir) return 'the database is locked by another process';
  const others = listSessions(dataDir).filter((s) => s.id !== selfId && sessionAlive(s));
  const who = others.length ? others.map((s) => `pid ${s.pid}${s.host !== hostname() ? ` on ${s.host}` : ''} (${s.label}, since ${s.startedAt})`).join('; ') : 'a program that is not ComMer Studio';
  return `the data folder ${dataDir} is in use by another process holding its database's write lock: ${who}`;
}
