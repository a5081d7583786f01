// Messages between the app (parent) and the inference host (a worker thread, or an
// Electron utilityProcess). Every request carries an id; every response names the
// request it answers. Generation streams many 'token' messages and one 'end'.
// Payloads are structured-clone friendly (Float32Array included), so the same
// protocol runs over worker_threads and utilityProcess ports.
import type { Task } from '../core/inputs.js';
import type { PackManifest } from '../core/pack-manifest.js';
import type { ModelInfo as RuntimeModelInfo, TokenEvent as RuntimeTokenEvent } from '../runtime/model.js';

export type InferenceTask = Task;

export interface LoadOptions {
  /** onnxruntime intra-op threads; 0 or absent = runtime default. */
  threads?: number;
  /** Preferred execution provider; the runtime falls back to CPU. */
  provider?: string;
}

/**
 * What the host reports about the model it loaded: the runtime's ModelInfo, cut to what
 * crosses the channel (provider: the one actually in use; threads: what the session
 * really uses; reference: k*dim per document kind, or null), plus the pack's length limit.
 */
export type ModelInfo = Pick<RuntimeModelInfo, 'packId' | 'k' | 'dim' | 'provider' | 'threads' | 'reference'> & { maxNewTokens: number };

export interface GenerateParams {
  /** Mean of the chosen compressions, k*dim floats; null = no personalization. */
  merged: Float32Array | null;
  task: InferenceTask;
  input: string;
  n: number;
  temperature: number;
  topK: number;
  topP: number;
  repetitionPenalty: number;
  seed: number;
  maxNewTokens: number;
}

/** One generated token of one candidate, as the runtime streams it (see runtime/model.ts). */
export type TokenEvent = RuntimeTokenEvent;

export interface ProtocolError {
  /** 'PACK_INVALID' for a bad pack, 'CANCELLED' when aborted, otherwise 'INFERENCE_FAILED'. */
  code: 'PACK_INVALID' | 'NO_PACK' | 'CANCELLED' | 'INFERENCE_FAILED';
  message: string;
}

/**
 * A pack checked as loading it would check it (files, hashes, tokenizer, and the
 * graph's signature on a CPU session that is released again), without loading it.
 */
export type PackValidation = { ok: true; manifest: PackManifest } | { ok: false; error: ProtocolError };

export type InferenceRequest =
  | { id: number; type: 'load'; packDir: string; options: LoadOptions }
  | { id: number; type: 'validate'; packDir: string }
  | { id: number; type: 'compress'; texts: string[]; batchSize?: number }
  | { id: number; type: 'generate'; params: GenerateParams }
  | { id: number; type: 'cancel'; target: number }
  | { id: number; type: 'dispose' };

export type InferenceResponse =
  | { type: 'ready' }
  | { id: number; type: 'loaded'; info: ModelInfo }
  | { id: number; type: 'validated'; result: PackValidation }
  | { id: number; type: 'compressed'; vectors: Float32Array[] }
  | { id: number; type: 'token'; event: TokenEvent }
  | { id: number; type: 'end' }
  | { id: number; type: 'disposed' }
  | { id: number; type: 'error'; error: ProtocolError };

/**
 * The parent's view of a running inference host. worker-transport.ts implements it
 * with worker_threads; the Electron host implements it with utilityProcess.
 */
export interface InferenceTransport {
  postMessage(msg: InferenceRequest): void;
  onMessage(listener: (msg: InferenceResponse) => void): void;
  /** Called once when the host goes away (crash, kill or normal exit). */
  onExit(listener: (code: number | null) => void): void;
  kill(): void;
}

/** The host's side of the channel (worker_threads parentPort or Electron's process.parentPort). */
export interface HostPort {
  postMessage(msg: InferenceResponse): void;
  onMessage(listener: (msg: InferenceRequest) => void): void;
}
