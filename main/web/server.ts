// The web host: the same handlers as Electron's IPC, over HTTP + SSE, for a browser
// on the same machine. It listens on 127.0.0.1 only and trusts nothing about the
// browser it talks to: every request must carry the per-run token (cookie or header),
// name our own host (DNS-rebinding guard) and, when it has an Origin, our own origin
// (cross-site guard). Bodies are size-capped before they are read. Any local process
// can connect, so connections are bounded too (ConnectionLimits): a head, a whole
// request and an idle connection each have a timeout, and past the connection limit
// the longest-idle connection makes room; the SSE stream is exempt from idling.
//
//   GET  /?token=T              sets the token cookie and redirects to / (clean URL)
//   GET  /…                     the built renderer (dist/renderer), SPA fallback
//   POST /api/invoke/<channel>  JSON body -> Result JSON (same zod schemas as IPC)
//   POST /api/upload?name=F     raw file bytes -> { uploadId } for import:start
//   GET  /api/events            SSE: every EventChannel, `event: <channel>`
//   GET  /api/download/<file>   an export written by settings:export
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, extname, join, normalize, resolve, sep } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Services } from '../services/types.js';
import { ServiceError } from '../services/errors.js';
import { fail, type AppError, type EventChannel, type FileRef, type Result } from '../ipc/contract.js';
import { dispatch, isInvokeChannel } from '../ipc/dispatch.js';
import { createHandlers, type HostHandlers } from '../ipc/handlers.js';
import type { Emit, ResolvedFile } from '../ipc/handler-deps.js';
import { SECURITY_HEADERS } from './security.js';

export interface WebHostOptions {
  services: Services;
  appVersion: string;
  /** The built renderer (index.html and assets); null serves a page that says how to build it. */
  staticDir: string | null;
  /** Where settings:export writes (created on demand). */
  exportDir: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default: 32 random bytes, hex. */
  token?: string;
  /** JSON request bodies (default 1 MiB). */
  maxJsonBytes?: number;
  /** One uploaded file (default 512 MiB). */
  maxUploadBytes?: number;
  /**
   * Hostile or broken clients (any local process can connect): how long each stage may
   * take before the host closes the connection, and how many connections it keeps.
   */
  limits?: Partial<ConnectionLimits>;
}

export interface ConnectionLimits {
  /** The whole request head must arrive within this (answered 408). */
  headersTimeoutMs: number;
  /** The whole request, body included, must arrive within this (answered 408); bounds an upload. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed this long after its last response. */
  keepAliveTimeoutMs: number;
  /**
   * A connection with no traffic either way for this long is closed, unless the host is still
   * answering a request it has fully received (a long call, a download, the SSE event stream).
   * This is what closes sockets that connect and never send a byte: the head timeout only
   * starts at the first byte.
   */
  idleTimeoutMs: number;
  /**
   * Open connections kept. At the limit a new connection closes the one idle the longest (one
   * that owes nothing), so a flood of idle sockets cannot shut real requests out; only when
   * every connection is busy are new ones refused (server.maxConnections).
   */
  maxConnections: number;
}

/** A browser needs a handful of connections; loopback uploads of 512 MiB take seconds, not minutes. */
export const DEFAULT_LIMITS: Readonly<ConnectionLimits> = Object.freeze({
  headersTimeoutMs: 30_000,
  requestTimeoutMs: 15 * 60_000,
  keepAliveTimeoutMs: 5_000,
  idleTimeoutMs: 60_000,
  maxConnections: 256,
});

export interface WebHost {
  readonly port: number;
  readonly token: string;
  /** The URL to open: carries the token once; the page then lives on a cookie. */
  readonly url: string;
  /** Emits an event to every connected browser (used for notices from outside the handlers). */
  readonly emit: Emit;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

const UPLOAD_TTL_MS = 60 * 60 * 1000;

const STATUS: Partial<Record<AppError['code'], number>> = {
  INVALID_INPUT: 400,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  INTERNAL: 500,
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: AppError['code'],
    message: string,
  ) {
    super(message);
  }
}

/** Starts the web host and resolves once it listens on 127.0.0.1. */
export async function startWebHost(opts: WebHostOptions): Promise<WebHost> {
  const token = opts.token ?? randomBytes(32).toString('hex');
  const tokenBuf = Buffer.from(token);
  const maxJson = opts.maxJsonBytes ?? 1024 * 1024;
  const maxUpload = opts.maxUploadBytes ?? 512 * 1024 * 1024;
  const uploadRoot = await mkdtemp(join(tmpdir(), 'commer-uploads-'));
  const uploads = new Map<string, { dir: string; path: string; at: number }>();
  const sseClients = new Set<ServerResponse>();
  let port = 0;
  let cookieName = 'commer_token';

  const emit: Emit = (channel, payload) => broadcast(channel, payload);
  function broadcast(channel: EventChannel, payload: unknown) {
    const frame = `event: ${channel}\ndata: ${JSON.stringify(payload)}\n\n`;
    for (const res of sseClients) {
      // A browser tab that stopped reading must not make the host buffer without bound.
      if (res.writableLength > 8 * 1024 * 1024) {
        res.destroy();
        sseClients.delete(res);
        continue;
      }
      res.write(frame);
    }
  }

  const handlers: HostHandlers = createHandlers({
    services: opts.services,
    host: 'web',
    appVersion: opts.appVersion,
    platform: process.platform,
    emit,
    async resolveFile(ref: FileRef, o?: { keep?: boolean }): Promise<ResolvedFile> {
      if (!('uploadId' in ref)) {
        throw new ServiceError('INVALID_INPUT', 'the web host imports uploaded files only; upload the file first');
      }
      const up = uploads.get(ref.uploadId);
      if (!up) throw new ServiceError('NOT_FOUND', `no upload with id ${ref.uploadId} (it may have been used already)`);
      // The original name, never the temp folder it was saved in: messages about the file quote it.
      if (o?.keep) return { path: up.path, name: basename(up.path) };
      uploads.delete(ref.uploadId);
      return { path: up.path, name: basename(up.path), release: () => void rm(up.dir, { recursive: true, force: true }) };
    },
    exportTarget(fileName) {
      return { path: join(opts.exportDir, fileName), downloadUrl: `/api/download/${encodeURIComponent(fileName)}` };
    },
  });

  const limits: ConnectionLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  /** Connections that owe nothing, longest idle first (a Map keeps insertion order). */
  const idle = new Map<Socket, true>();
  /** The request each busy connection is being answered for. */
  const inFlight = new Map<Socket, IncomingMessage>();
  // Node refuses a head timeout longer than the request timeout.
  const headersTimeout = limits.requestTimeoutMs > 0 ? Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) : limits.headersTimeoutMs;
  const server: Server = createServer(
    {
      headersTimeout,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // How often Node checks the two timeouts above (default 30 s, too coarse for short ones).
      connectionsCheckingInterval: Math.max(50, Math.min(30_000, Math.floor(Math.min(headersTimeout || 30_000, limits.requestTimeoutMs || 30_000) / 2))),
    },
    (req, res) => {
      track(req, res);
      respond(req, res);
    },
  );
  server.maxConnections = limits.maxConnections;
  server.timeout = limits.idleTimeoutMs;
  server.on('connection', admit);
  server.on('timeout', (socket: Socket) => {
    // Still owed an answer to a request it sent whole: the host is working (or streaming events).
    const req = inFlight.get(socket);
    if (req?.complete) return;
    socket.destroy();
  });

  function admit(socket: Socket) {
    idle.set(socket, true);
    socket.once('close', () => {
      idle.delete(socket);
      inFlight.delete(socket);
    });
    // server.maxConnections refuses the connection after this one; keep that for when all are busy.
    if (limits.maxConnections > 0 && idle.size + inFlight.size >= limits.maxConnections) {
      for (const oldest of idle.keys()) {
        if (oldest === socket) continue;
        idle.delete(oldest);
        oldest.destroy();
        break;
      }
    }
  }

  function track(req: IncomingMessage, res: ServerResponse) {
    const socket = req.socket;
    idle.delete(socket);
    inFlight.set(socket, req);
    res.once('close', () => {
      if (inFlight.get(socket) !== req) return;
      inFlight.delete(socket);
      if (!socket.destroyed) idle.set(socket, true);
    });
  }

  function respond(req: IncomingMessage, res: ServerResponse) {
    handle(req, res).catch((err: unknown) => {
      const e = err instanceof HttpError ? err : new HttpError(500, 'INTERNAL', err instanceof Error ? err.message : String(err));
      if (res.headersSent) return void res.destroy();
      if (!req.complete) {
        // The rest of an oversized or refused body is not read: answer, then drop the connection.
        res.setHeader('Connection', 'close');
        res.once('finish', () => req.destroy());
      }
      const wantsPage = !(req.url ?? '/').startsWith('/api/') && (req.headers.accept ?? '').includes('text/html');
      if (wantsPage) sendErrorPage(res, e.status, e.message);
      else sendResult(res, e.status, fail(e.code, e.message));
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    } catch {
      throw new HttpError(400, 'INVALID_INPUT', 'malformed request target');
    }
    checkHost(req);
    checkOrigin(req);

    if (req.method === 'GET' && url.pathname === '/' && url.searchParams.has('token')) {
      if (!tokenMatches(url.searchParams.get('token'))) throw new HttpError(401, 'FORBIDDEN', 'wrong token: open the URL the web host printed');
      res.writeHead(303, {
        Location: '/',
        'Set-Cookie': `${cookieName}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        'Cache-Control': 'no-store',
        ...SECURITY_HEADERS,
      });
      res.end();
      return;
    }
    if (!authorized(req)) {
      throw new HttpError(401, 'FORBIDDEN', 'missing or wrong token: open the URL the web host printed (it carries the token)');
    }

    if (url.pathname.startsWith('/api/')) return handleApi(req, res, url);
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'INVALID_INPUT', `${req.method} is not allowed here`);
    return serveStatic(req, res, url.pathname);
  }

  function checkHost(req: IncomingMessage) {
    const host = req.headers.host ?? '';
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
      throw new HttpError(403, 'FORBIDDEN', `refused: unexpected Host header "${host}"`);
    }
  }

  function checkOrigin(req: IncomingMessage) {
    const origin = req.headers.origin;
    if (origin === undefined) return;
    if (origin !== `http://127.0.0.1:${port}` && origin !== `http://localhost:${port}`) {
      throw new HttpError(403, 'FORBIDDEN', `refused: requests from origin "${origin}" are not allowed`);
    }
  }

  function tokenMatches(candidate: string | null | undefined): boolean {
    if (!candidate) return false;
    const buf = Buffer.from(candidate);
    return buf.length === tokenBuf.length && timingSafeEqual(buf, tokenBuf);
  }

  function authorized(req: IncomingMessage): boolean {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ') && tokenMatches(auth.slice(7))) return true;
    const header = req.headers['x-commer-token'];
    if (typeof header === 'string' && tokenMatches(header)) return true;
    for (const part of (req.headers.cookie ?? '').split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq).trim() === cookieName && tokenMatches(part.slice(eq + 1).trim())) return true;
    }
    return false;
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL) {
    const path = url.pathname;
    if (path.startsWith('/api/invoke/')) {
      if (req.method !== 'POST') throw new HttpError(405, 'INVALID_INPUT', 'use POST for /api/invoke');
      const channel = decodePath(path.slice('/api/invoke/'.length));
      if (!isInvokeChannel(channel)) throw new HttpError(404, 'NOT_FOUND', `no channel "${channel}"`);
      const input = await readJson(req);
      const result = await dispatch(handlers.table, channel, input);
      return sendResult(res, result.ok ? 200 : (STATUS[result.error.code] ?? 422), result);
    }
    if (path === '/api/upload') {
      if (req.method !== 'POST') throw new HttpError(405, 'INVALID_INPUT', 'use POST for /api/upload');
      return receiveUpload(req, res, url.searchParams.get('name') ?? 'upload');
    }
    if (path === '/api/events') {
      if (req.method !== 'GET') throw new HttpError(405, 'INVALID_INPUT', 'use GET for /api/events');
      return openEvents(req, res);
    }
    if (path.startsWith('/api/download/')) {
      if (req.method !== 'GET') throw new HttpError(405, 'INVALID_INPUT', 'use GET for downloads');
      return download(res, decodePath(path.slice('/api/download/'.length)));
    }
    throw new HttpError(404, 'NOT_FOUND', `no API route ${path}`);
  }

  async function readJson(req: IncomingMessage): Promise<unknown> {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > maxJson) throw tooLarge('request body', maxJson);
    const body = await readBody(req, maxJson, 'request body');
    const size = body.length;
    if (size === 0) return undefined;
    if (type !== 'application/json') throw new HttpError(415, 'INVALID_INPUT', 'send the request body as application/json');
    try {
      return JSON.parse(body.toString('utf8'));
    } catch (err) {
      throw new HttpError(400, 'INVALID_INPUT', `the request body is not valid JSON (${(err as Error).message})`);
    }
  }

  function tooLarge(what: string, limit: number) {
    return new HttpError(413, 'PAYLOAD_TOO_LARGE', `${what} is larger than the limit of ${formatBytes(limit)}`);
  }

  async function receiveUpload(req: IncomingMessage, res: ServerResponse, rawName: string) {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > maxUpload) throw tooLarge('the file', maxUpload);
    const uploadId = randomBytes(16).toString('base64url');
    const dir = join(uploadRoot, uploadId);
    await mkdir(dir);
    // Keep the original name: the importer detects the format from the extension.
    const path = join(dir, safeFileName(rawName));
    let size = 0;
    const cap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        size += chunk.length;
        if (size > maxUpload) cb(tooLarge('the file', maxUpload));
        else cb(null, chunk);
      },
    });
    // req is piped by hand rather than put in the pipeline: a pipeline would destroy the
    // socket on overflow, and the browser would see a reset instead of the 413.
    const written = pipeline(cap, createWriteStream(path));
    req.pipe(cap);
    req.once('close', () => {
      if (!req.complete) cap.destroy(new Error('the connection closed before the whole file arrived'));
    });
    try {
      await written;
    } catch (err) {
      req.unpipe(cap);
      req.pause();
      await rm(dir, { recursive: true, force: true });
      throw err instanceof HttpError ? err : new HttpError(400, 'INVALID_INPUT', `the upload did not complete: ${(err as Error).message}`);
    }
    sweepUploads();
    uploads.set(uploadId, { dir, path, at: Date.now() });
    sendResult(res, 200, { ok: true, value: { uploadId, name: basename(path), bytes: size } });
  }

  /** Uploads nobody imported within an hour (the tab was closed) are deleted. */
  function sweepUploads() {
    const cutoff = Date.now() - UPLOAD_TTL_MS;
    for (const [id, up] of uploads) {
      if (up.at >= cutoff) continue;
      uploads.delete(id);
      void rm(up.dir, { recursive: true, force: true });
    }
  }

  function openEvents(req: IncomingMessage, res: ServerResponse) {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
      ...SECURITY_HEADERS,
    });
    res.write('retry: 2000\n\n');
    // The stream is meant to stay open while nothing happens: no idle timeout for it (pings keep it honest).
    req.socket.setTimeout(0);
    sseClients.add(res);
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    const drop = () => {
      clearInterval(ping);
      sseClients.delete(res);
    };
    req.on('close', drop);
    res.on('error', drop);
  }

  async function download(res: ServerResponse, fileName: string) {
    if (!/^commer-export-[A-Za-z0-9-]+\.json$/.test(fileName)) throw new HttpError(404, 'NOT_FOUND', 'no such export');
    const path = join(opts.exportDir, fileName);
    const st = await stat(path).catch(() => null);
    if (!st?.isFile()) throw new HttpError(404, 'NOT_FOUND', 'no such export');
    res.writeHead(200, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': st.size,
      'Content-Disposition': `attachment; filename="${fileName}"`,
      'Cache-Control': 'no-store',
      ...SECURITY_HEADERS,
    });
    await pipeline(createReadStream(path), res);
  }

  async function serveStatic(req: IncomingMessage, res: ServerResponse, pathname: string) {
    if (!opts.staticDir) return sendNotBuilt(res);
    const root = resolve(opts.staticDir);
    const rel = decodePath(pathname);
    let file = resolve(root, '.' + normalize('/' + rel));
    if (file !== root && !file.startsWith(root + sep)) throw new HttpError(404, 'NOT_FOUND', 'not found');
    let st = await stat(file).catch(() => null);
    if (st?.isDirectory()) {
      file = join(file, 'index.html');
      st = await stat(file).catch(() => null);
    }
    if (!st?.isFile()) {
      // Client-side routes (no extension) get the app; missing assets get a 404.
      if (extname(rel)) throw new HttpError(404, 'NOT_FOUND', `not found: ${pathname}`);
      file = join(root, 'index.html');
      st = await stat(file).catch(() => null);
      if (!st?.isFile()) return sendNotBuilt(res);
    }
    const isHtml = extname(file) === '.html';
    res.writeHead(200, {
      'Content-Type': MIME[extname(file)] ?? 'application/octet-stream',
      'Content-Length': st.size,
      // Hashed assets can be cached; the page itself must always be fresh.
      'Cache-Control': isHtml ? 'no-store' : 'private, max-age=3600',
      ...SECURITY_HEADERS,
    });
    if (req.method === 'HEAD') return void res.end();
    await pipeline(createReadStream(file), res);
  }

  function sendNotBuilt(res: ServerResponse) {
    const body =
      '<!doctype html><meta charset="utf-8"><title>ComMer Studio</title>' +
      '<p>The interface has not been built yet. Run <code>npm run build</code> (or <code>npm start</code>, which builds it) and reload.</p>';
    res.writeHead(503, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', ...SECURITY_HEADERS });
    res.end(body);
  }

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  port = (server.address() as AddressInfo).port;
  // Cookies ignore ports: a name per port keeps two hosts on this machine from clobbering each other's token.
  cookieName = `commer_token_${port}`;

  return {
    port,
    token,
    url: `http://127.0.0.1:${port}/?token=${token}`,
    emit,
    async close() {
      handlers.dispose();
      for (const res of sseClients) res.end();
      sseClients.clear();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await rm(uploadRoot, { recursive: true, force: true });
    },
  };
}

/** A percent-encoded path segment, decoded; malformed escapes (`%E0%A4%A`) are the client's error, not ours. */
function decodePath(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, 'INVALID_INPUT', 'malformed path: invalid percent-encoding');
  }
}

/** Reads a whole body up to limit bytes; past the limit it stops reading (the caller answers 413). */
function readBody(req: IncomingMessage, limit: number, what: string): Promise<Buffer> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.pause();
        reject(new HttpError(413, 'PAYLOAD_TOO_LARGE', `${what} is larger than the limit of ${formatBytes(limit)}`));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolveBody(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

function sendResult(res: ServerResponse, status: number, result: Result<unknown>) {
  const body = JSON.stringify(result);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    ...SECURITY_HEADERS,
  });
  res.end(body);
}

/** What a person who opened a stale or token-less link sees, instead of raw JSON. */
function sendErrorPage(res: ServerResponse, status: number, message: string) {
  const escaped = message.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const body =
    '<!doctype html><meta charset="utf-8"><title>ComMer Studio</title>' +
    `<h1>ComMer Studio</h1><p>${escaped}</p>` +
    '<p>Each run of the web host prints a new address with a fresh token; links from an earlier run stop working.</p>';
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', ...SECURITY_HEADERS });
  res.end(body);
}

function safeFileName(name: string): string {
  const base = basename(name.replace(/\\/g, '/'))
    .replace(/[^\p{L}\p{N}._ -]/gu, '_')
    .slice(-200);
  return base && base !== '.' && base !== '..' ? base : 'upload';
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${Math.round(n / (1024 * 1024))} MiB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KiB`;
  return `${n} bytes`;
}
