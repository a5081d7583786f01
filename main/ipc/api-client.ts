// Builds the renderer's `Api` from a host transport. The Electron preload and the
// browser client both call createApi(), so the two hosts give the renderer the very
// same object shape and the same restyle-stream semantics; only invoke/subscribe and
// the way files become FileRefs differ. Like the contract, this module is bundled
// into the renderer side: no node:*, no electron.
import {
  eventMethods,
  fail,
  invokeMethods,
  type Api,
  type EventChannel,
  type FileRef,
  type ImportFilesRequest,
  type ImportInspection,
  type InspectedFiles,
  type InvokeChannel,
  type RequestIn,
  type RestyleHandle,
  type RestyleStreamEvent,
  type Result,
} from './contract.js';

export interface ApiTransport {
  invoke(channel: InvokeChannel, input: unknown): Promise<Result<unknown>>;
  subscribe(channel: EventChannel, listener: (payload: unknown) => void): () => void;
  /** Turns DOM File objects into references the host accepts (paths in Electron, upload ids on the web host). */
  toFileRefs(files: File[]): Promise<Result<FileRef[]>>;
}

/** Events of one stream that arrive before its id is known are held back; a bound keeps a flood of other streams from piling up. */
const MAX_EARLY_EVENTS = 10_000;

export function createApi(t: ApiTransport): Api {
  const api: Record<string, unknown> = {};
  for (const [method, channel] of Object.entries(invokeMethods)) {
    api[method] = (input?: unknown) => t.invoke(channel, input);
  }
  for (const [method, channel] of Object.entries(eventMethods)) {
    api[method] = (listener: (payload: unknown) => void) => t.subscribe(channel, listener);
  }
  api.importFiles = async (req: ImportFilesRequest) => {
    if (!Array.isArray(req?.files) || req.files.length === 0) return fail('INVALID_INPUT', 'files: choose at least one file');
    const refs = await t.toFileRefs(req.files);
    if (!refs.ok) return refs;
    return t.invoke('import:start', { profileId: req.profileId, files: refs.value, options: req.options });
  };
  api.inspectFiles = async (files: File[], options?: RequestIn<'import:inspect'>['options']): Promise<Result<InspectedFiles>> => {
    if (!Array.isArray(files) || files.length === 0) return fail('INVALID_INPUT', 'files: choose at least one file');
    const refs = await t.toFileRefs(files);
    if (!refs.ok) return refs;
    const r = await t.invoke('import:inspect', options === undefined ? { files: refs.value } : { files: refs.value, options });
    return r.ok ? { ok: true, value: { refs: refs.value, inspections: r.value as ImportInspection[] } } : r;
  };
  api.restyle = (req: RequestIn<'restyle:start'>, onEvent: (e: RestyleStreamEvent['event']) => void) => startRestyle(t, req, onEvent);
  return api as Api;
}

function startRestyle(t: ApiTransport, req: RequestIn<'restyle:start'>, onEvent: (e: RestyleStreamEvent['event']) => void): RestyleHandle {
  let streamId: string | null = null;
  let finished = false;
  let cancelled = false;
  const early: RestyleStreamEvent[] = [];
  let settle!: (r: Result<{ streamId: string }>) => void;
  const done = new Promise<Result<{ streamId: string }>>((resolve) => (settle = resolve));

  const finish = (r: Result<{ streamId: string }>) => {
    if (finished) return;
    finished = true;
    unsubscribe();
    settle(r);
  };
  const deliver = (e: RestyleStreamEvent['event']) => {
    if (finished) return;
    try {
      onEvent(e);
    } finally {
      if (e.type === 'error') finish({ ok: false, error: e.error });
      else if (e.type === 'done') finish({ ok: true, value: { streamId: streamId! } });
    }
  };
  // Subscribe before starting: the first tokens may overtake the start call's answer
  // (on the web host they travel on a different connection).
  const unsubscribe = t.subscribe('restyle:event', (payload) => {
    const e = payload as RestyleStreamEvent;
    if (streamId === null) {
      if (early.length < MAX_EARLY_EVENTS) early.push(e);
      return;
    }
    if (e.streamId === streamId) deliver(e.event);
  });

  t.invoke('restyle:start', req).then(
    (r) => {
      if (!r.ok) return deliver({ type: 'error', error: r.error });
      streamId = (r.value as { streamId: string }).streamId;
      for (const e of early.splice(0)) if (e.streamId === streamId) deliver(e.event);
      if (cancelled && !finished) void t.invoke('restyle:stop', { streamId });
    },
    (err: unknown) => deliver({ type: 'error', error: { code: 'HOST_UNAVAILABLE', message: String(err) } }),
  );

  return {
    cancel() {
      cancelled = true;
      if (streamId !== null && !finished) void t.invoke('restyle:stop', { streamId });
    },
    done,
  };
}
