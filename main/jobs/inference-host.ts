// The host side of the inference protocol: owns one loaded model and answers
// requests one at a time (a session is not re-entrant), except 'cancel', which
// acts at once on the running or a queued request. Validating a pack runs here
// too: the graph check needs an onnxruntime session, which must stay off the
// app's main thread.
import type { GenerateParams, HostPort, InferenceRequest, LoadOptions, ModelInfo, PackValidation, ProtocolError, TokenEvent } from './inference-protocol.js';

/** What the host needs from a loaded model; the runtime's CommerModel satisfies it. */
export interface HostModel {
  readonly info: Omit<ModelInfo, 'maxNewTokens'> & { manifest?: { limits?: { max_new_tokens?: number } } };
  compress(texts: string[], options?: { batchSize?: number; signal?: AbortSignal }): Promise<Float32Array[]>;
  generate(request: GenerateParams & { signal?: AbortSignal }): AsyncIterable<TokenEvent>;
  dispose(): Promise<void>;
}

export type ModelLoader = (packDir: string, options: LoadOptions) => Promise<HostModel>;

/** Full validation of a pack without loading it (the runtime's validatePack); never throws for a bad pack. */
export type PackValidator = (packDir: string) => Promise<PackValidation>;

/** Maps a thrown value to a protocol error by the runtime's error class names (no import of the runtime needed). */
export function toProtocolError(err: unknown): ProtocolError {
  const name = (err as { name?: string } | null)?.name;
  const message = err instanceof Error ? err.message : String(err);
  if (name === 'PackError') return { code: 'PACK_INVALID', message };
  if (name === 'AbortError') return { code: 'CANCELLED', message };
  return { code: 'INFERENCE_FAILED', message };
}

/** Serves the protocol on a port until the process ends. */
export function serveInference(port: HostPort, load: ModelLoader, validate: PackValidator): void {
  let model: HostModel | null = null;
  const queue: Array<Exclude<InferenceRequest, { type: 'cancel' }>> = [];
  const controllers = new Map<number, AbortController>();
  let busy = false;

  port.onMessage((msg) => {
    if (msg.type === 'cancel') {
      const i = queue.findIndex((q) => q.id === msg.target);
      if (i !== -1) {
        queue.splice(i, 1);
        port.postMessage({ id: msg.target, type: 'error', error: { code: 'CANCELLED', message: 'cancelled before it started' } });
      } else controllers.get(msg.target)?.abort();
      return;
    }
    queue.push(msg);
    void pump();
  });
  port.postMessage({ type: 'ready' });

  async function pump(): Promise<void> {
    if (busy) return;
    busy = true;
    try {
      for (let msg = queue.shift(); msg; msg = queue.shift()) await handle(msg);
    } finally {
      busy = false;
    }
  }

  async function handle(msg: Exclude<InferenceRequest, { type: 'cancel' }>): Promise<void> {
    const ac = new AbortController();
    controllers.set(msg.id, ac);
    try {
      switch (msg.type) {
        case 'load': {
          if (model) await model.dispose().catch(() => undefined);
          model = null;
          model = await load(msg.packDir, msg.options);
          const info: ModelInfo = {
            packId: model.info.packId,
            k: model.info.k,
            dim: model.info.dim,
            provider: model.info.provider,
            threads: model.info.threads,
            maxNewTokens: model.info.manifest?.limits?.max_new_tokens ?? 64,
            reference: model.info.reference,
          };
          port.postMessage({ id: msg.id, type: 'loaded', info });
          break;
        }
        case 'validate': {
          port.postMessage({ id: msg.id, type: 'validated', result: await validate(msg.packDir) });
          break;
        }
        case 'compress': {
          if (!model) throw Object.assign(new Error('no model pack is loaded'), { name: 'NoPack' });
          const vectors = await model.compress(msg.texts, { batchSize: msg.batchSize, signal: ac.signal });
          port.postMessage({ id: msg.id, type: 'compressed', vectors });
          break;
        }
        case 'generate': {
          if (!model) throw Object.assign(new Error('no model pack is loaded'), { name: 'NoPack' });
          for await (const ev of model.generate({ ...msg.params, signal: ac.signal })) port.postMessage({ id: msg.id, type: 'token', event: ev });
          port.postMessage({ id: msg.id, type: 'end' });
          break;
        }
        case 'dispose': {
          if (model) await model.dispose();
          model = null;
          port.postMessage({ id: msg.id, type: 'disposed' });
          break;
        }
      }
    } catch (err) {
      const e = (err as { name?: string } | null)?.name === 'NoPack' ? { code: 'NO_PACK' as const, message: (err as Error).message } : toProtocolError(err);
      port.postMessage({ id: msg.id, type: 'error', error: ac.signal.aborted && e.code === 'INFERENCE_FAILED' ? { code: 'CANCELLED', message: e.message } : e });
    } finally {
      controllers.delete(msg.id);
    }
  }
}
