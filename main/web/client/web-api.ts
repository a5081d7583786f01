// The browser implementation of the renderer's `Api` (main/ipc/contract.ts), for
// when the renderer is served by the web host instead of running in Electron.
//
// For the renderer: call `installWebApi()` once at start-up, before the first
// `window.api` use, when `window.api` is undefined (in Electron the preload has
// already installed it):
//
//     import { installWebApi } from '../../main/web/client/web-api';
//     if (!window.api) installWebApi();
//
// It speaks HTTP + SSE to the web host that served the page: calls are POSTs to
// /api/invoke/<channel>, events come from one EventSource on /api/events, files are
// uploaded (streamed, one request per file) to /api/upload and then imported by
// upload id. The per-run token lives in an HttpOnly SameSite=Strict cookie the host
// set when the printed URL was opened, so this module never sees it.
import { createApi, type ApiTransport } from '../../ipc/api-client.js';
import { fail, type Api, type EventChannel, type FileRef, type InvokeChannel, type Result } from '../../ipc/contract.js';

export interface WebApiOptions {
  /** Default: the page's own origin. */
  baseUrl?: string;
  fetch?: typeof fetch;
  EventSource?: typeof EventSource;
}

export function createWebApi(opts: WebApiOptions = {}): Api {
  const base = opts.baseUrl ?? '';
  const doFetch = opts.fetch ?? fetch.bind(globalThis);
  const ES = opts.EventSource ?? globalThis.EventSource;
  const listeners = new Map<EventChannel, Set<(payload: unknown) => void>>();
  let source: EventSource | null = null;

  async function readResult(res: Response): Promise<Result<unknown>> {
    const text = await res.text();
    try {
      const body = JSON.parse(text) as Result<unknown>;
      if (body && typeof body === 'object' && 'ok' in body) return body;
    } catch {
      // fall through: not our envelope (a proxy page, a crash)
    }
    if (res.status === 401) return fail('FORBIDDEN', 'the web host refused the request: reopen the URL it printed (it carries the token)');
    return fail('HOST_UNAVAILABLE', `the web host answered ${res.status} ${res.statusText}`);
  }

  async function post(path: string, body: BodyInit | undefined, headers: Record<string, string>): Promise<Result<unknown>> {
    try {
      const res = await doFetch(base + path, { method: 'POST', body, headers, credentials: 'same-origin', cache: 'no-store' });
      return await readResult(res);
    } catch (err) {
      return fail('HOST_UNAVAILABLE', `cannot reach the web host (${err instanceof Error ? err.message : String(err)}); is it still running?`);
    }
  }

  function ensureSource() {
    if (source || !ES) return;
    source = new ES(base + '/api/events', { withCredentials: false });
    for (const channel of listeners.keys()) attach(channel);
  }

  const attached = new Set<EventChannel>();
  function attach(channel: EventChannel) {
    if (!source || attached.has(channel)) return;
    attached.add(channel);
    source.addEventListener(channel, (ev) => {
      let payload: unknown;
      try {
        payload = JSON.parse((ev as MessageEvent<string>).data);
      } catch {
        return;
      }
      for (const l of [...(listeners.get(channel) ?? [])]) l(payload);
    });
  }

  const transport: ApiTransport = {
    invoke(channel: InvokeChannel, input: unknown) {
      return input === undefined ? post(`/api/invoke/${channel}`, undefined, {}) : post(`/api/invoke/${channel}`, JSON.stringify(input), { 'content-type': 'application/json' });
    },
    subscribe(channel, listener) {
      let set = listeners.get(channel);
      if (!set) listeners.set(channel, (set = new Set()));
      set.add(listener);
      ensureSource();
      attach(channel);
      return () => void set.delete(listener);
    },
    async toFileRefs(files: File[]): Promise<Result<FileRef[]>> {
      const refs: FileRef[] = [];
      for (const file of files) {
        const r = await post(`/api/upload?name=${encodeURIComponent(file.name)}`, file, { 'content-type': 'application/octet-stream' });
        if (!r.ok) return fail(r.error.code, `${file.name}: ${r.error.message}`);
        refs.push({ uploadId: (r.value as { uploadId: string }).uploadId, name: file.name });
      }
      return { ok: true, value: refs };
    },
  };
  return createApi(transport);
}

/** Installs the browser Api as window.api (see the note at the top of this file). */
export function installWebApi(opts?: WebApiOptions): Api {
  const api = createWebApi(opts);
  // The renderer owns the type of window.api (it declares it from the contract's Api).
  (window as unknown as { api: Api }).api = api;
  return api;
}
