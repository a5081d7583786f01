// The parent side of the inference host. Requests get ids and promises; a
// crashed host fails every pending request with a clear error, and the next
// request starts a fresh host and reloads the last pack first.
import type { GenerateParams, InferenceRequest, InferenceResponse, InferenceTransport, LoadOptions, ModelInfo, PackValidation, ProtocolError, TokenEvent } from './inference-protocol.js';

/** How long dispose waits for the host to finish what it is doing (a pack load cannot be interrupted) before killing it. */
const DISPOSE_WAIT_MS = 180_000;

/** A failed inference request; code follows ProtocolError plus 'HOST_CRASHED'. */

export class InferenceError extends Error {
  override readonly name = 'InferenceError';
  constructor(
    readonly code: ProtocolError['code'] | 'HOST_CRASHED',
    message: string,
  ) {
    super(message);
  }
}

interface Pending {
  what: string;
  onMessage(msg: InferenceResponse): void;
  onFail(err: InferenceError): void;
}

type Req<T extends InferenceRequest['type']> = Omit<Extract<InferenceRequest, { type: T }>, 'id'>;

/** Talks to one inference host at a time over a transport, restarting it after a crash. */
export class InferenceClient {
  private transport: InferenceTransport | null = null;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private lastLoad: { packDir: string; options: LoadOptions } | null = null;
  private loaded: ModelInfo | null = null;
  /** The info of lastLoad's pack, kept across a host crash (the next request reloads that same pack). */
  private lastInfo: ModelInfo | null = null;
  private restarting: Promise<void> | null = null;
  /** How many times the host died unexpectedly. */
  crashes = 0;

  constructor(private readonly createTransport: () => InferenceTransport) {}

  /** The loaded model's info, or null; after a crash, the info of the pack the next request reloads. */
  get info(): ModelInfo | null {
    return this.loaded ?? (this.lastLoad ? this.lastInfo : null);
  }

  /** Loads (or switches to) a pack; a bad pack rejects with code PACK_INVALID and the PackError message. */
  async load(packDir: string, options: LoadOptions = {}): Promise<ModelInfo> {
    this.lastLoad = { packDir, options };
    this.loaded = null;
    this.lastInfo = null;
    const t = this.ensureTransport();
    try {
      const info = await this.request<ModelInfo>(t, { type: 'load', packDir, options }, `loading ${packDir}`, (m) => (m.type === 'loaded' ? m.info : undefined));
      this.loaded = info;
      this.lastInfo = info;
      return info;
    } catch (err) {
      if (err instanceof InferenceError && err.code === 'PACK_INVALID') this.lastLoad = null;
      throw err;
    }
  }

  /**
   * Checks a pack the way loading it would (graph included, on a CPU session in the
   * host that is released again) without loading it or touching the loaded model.
   * Needs no loaded pack; waits for the request before it in the host's queue.
   */
  async validate(packDir: string): Promise<PackValidation> {
    if (this.restarting) await this.restarting;
    const t = this.ensureTransport();
    return this.request<PackValidation>(t, { type: 'validate', packDir }, `validating ${packDir}`, (m) => (m.type === 'validated' ? m.result : undefined));
  }

  /** Compresses texts; result i is texts[i]'s [k*dim] compression. */
  async compress(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const t = await this.ready();
    return this.request<Float32Array[]>(t, { type: 'compress', texts }, `compressing ${texts.length} documents`, (m) => (m.type === 'compressed' ? m.vectors : undefined), signal);
  }

  /** Streams generated tokens of all candidates; aborting the signal ends each candidate with finishReason 'aborted'. */
  async *generate(params: GenerateParams, signal?: AbortSignal): AsyncGenerator<TokenEvent> {
    const t = await this.ready();
    const id = this.nextId++;
    const buffer: TokenEvent[] = [];
    let done = false;
    let failure: InferenceError | null = null;
    let wake: (() => void) | null = null;
    const notify = () => {
      wake?.();
      wake = null;
    };
    this.pending.set(id, {
      what: 'generating',
      onMessage: (m) => {
        if (m.type === 'token') buffer.push(m.event);
        else if (m.type === 'end') done = true;
        else if (m.type === 'error') failure = new InferenceError(m.error.code, m.error.message);
        if (m.type !== 'token') this.pending.delete(id);
        notify();
      },
      onFail: (e) => {
        failure = e;
        notify();
      },
    });
    const onAbort = () => this.transport?.postMessage({ id: this.nextId++, type: 'cancel', target: id });
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      t.postMessage({ id, type: 'generate', params });
      if (signal?.aborted) onAbort();
      for (;;) {
        while (buffer.length) yield buffer.shift()!;
        if (failure) throw failure;
        if (done) return;
        await new Promise<void>((r) => (wake = r));
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (this.pending.has(id)) {
        // The consumer stopped early: tell the host so it frees the session.
        this.pending.delete(id);
        this.transport?.postMessage({ id: this.nextId++, type: 'cancel', target: id });
      }
    }
  }

  /** Unloads the model and stops the host. */
  async dispose(): Promise<void> {
    const t = this.transport;
    this.lastLoad = null;
    this.loaded = null;
    if (!t) return;
    // Stop what is running (a long generation) so the host can dispose promptly.
    for (const id of [...this.pending.keys()]) t.postMessage({ id: this.nextId++, type: 'cancel', target: id });
    try {
      await Promise.race([
        this.request(t, { type: 'dispose' }, 'disposing', (m) => (m.type === 'disposed' ? true : undefined)),
        // The host answers dispose after any load in progress: terminating a worker in the middle of
        // onnxruntime's session creation aborts the whole process ("terminate called after throwing an
        // instance of 'Napi::Error'"), so give it time. Loading the 135M pack took over 20 s at a load
        // average of 18 (a Ctrl+C during start-up then crashed the host); a load always ends, so the
        // bound is only for a host that hangs.
        new Promise((r) => setTimeout(r, DISPOSE_WAIT_MS).unref()),
      ]);
    } catch {
      // A host that fails to dispose is killed below anyway.
    }
    this.transport = null;
    t.kill();
    // Whatever was still waiting (a generation being streamed) ends now instead of hanging.
    const left = [...this.pending.values()];
    this.pending.clear();
    for (const p of left) p.onFail(new InferenceError('CANCELLED', `the inference host was closed while ${p.what}`));
  }

  private async ready(): Promise<InferenceTransport> {
    if (this.restarting) await this.restarting;
    const t = this.ensureTransport();
    if (!this.loaded) {
      if (!this.lastLoad) throw new InferenceError('NO_PACK', 'no model pack is loaded');
      // The host restarted after a crash: reload the pack before serving the request.
      const reload = this.load(this.lastLoad.packDir, this.lastLoad.options).then(() => undefined);
      this.restarting = reload.finally(() => (this.restarting = null));
      await reload;
    }
    return this.transport ?? t;
  }

  private ensureTransport(): InferenceTransport {
    if (this.transport) return this.transport;
    const t = this.createTransport();
    this.transport = t;
    t.onMessage((m) => {
      if (m.type === 'ready') return;
      this.pending.get(m.id)?.onMessage(m);
    });
    t.onExit((code) => {
      if (this.transport !== t) return;
      this.transport = null;
      this.loaded = null;
      this.crashes++;
      const failed = [...this.pending.values()];
      this.pending.clear();
      for (const p of failed) {
        p.onFail(new InferenceError('HOST_CRASHED', `the inference process stopped unexpectedly (exit code ${code ?? 'none'}) while ${p.what}; it will be restarted on the next request`));
      }
    });
    return t;
  }

  private request<T>(
    t: InferenceTransport,
    req: Req<'load'> | Req<'validate'> | Req<'compress'> | Req<'dispose'>,
    what: string,
    pick: (m: InferenceResponse) => T | undefined,
    signal?: AbortSignal,
  ): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => this.transport?.postMessage({ id: this.nextId++, type: 'cancel', target: id });
      const cleanup = () => signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, {
        what,
        onMessage: (m) => {
          this.pending.delete(id);
          cleanup();
          if (m.type === 'error') reject(new InferenceError(m.error.code, m.error.message));
          else {
            const v = pick(m);
            if (v === undefined) reject(new InferenceError('INFERENCE_FAILED', `unexpected reply "${m.type}" while ${what}`));
            else resolve(v);
          }
        },
        onFail: (e) => {
          cleanup();
          reject(e);
        },
      });
      if (signal) {
        if (signal.aborted) {
          this.pending.delete(id);
          reject(new InferenceError('CANCELLED', `cancelled before ${what}`));
          return;
        }
        signal.addEventListener('abort', onAbort, { once: true });
      }
      t.postMessage({ ...req, id } as InferenceRequest);
    });
  }
}
