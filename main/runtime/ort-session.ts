// The only module that imports onnxruntime-node. Everything above it sees a
// narrow port (run, dispose, names) plus tensor factories, so swapping the
// backend (or running it in a worker) touches one file.

// First, before onnxruntime-node: its native telemetry stays off (see no-telemetry.ts).
import './no-telemetry.js';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, platform, arch } from 'node:os';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { AbortError } from './errors.js';

export type ProviderName = 'cuda' | 'dml' | 'coreml' | 'webgpu' | 'cpu';
export type ProviderChoice = ProviderName | 'auto';

/** A tensor as the port passes it around (onnxruntime's Tensor, typed narrowly). */
export type OrtTensor = ort.Tensor;
export type Feeds = Record<string, OrtTensor>;

/** float32 tensor over `data` (no copy). */
export function floatTensor(data: Float32Array, dims: readonly number[]): OrtTensor {
  return new ort.Tensor('float32', data, dims);
}

/** int64 tensor over `data` (no copy). */
export function int64Tensor(data: BigInt64Array, dims: readonly number[]): OrtTensor {
  return new ort.Tensor('int64', data, dims);
}

/** Declared type and shape of a graph input or output (symbolic dims as strings). */
export interface ValueInfo {
  name: string;
  type: string | null;
  shape: readonly (number | string)[] | null;
}

export interface SessionPort {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  /** The execution provider the session was created with. */
  readonly provider: ProviderName;
  readonly threads: number;
  /** Run the graph; `outputs` limits what is fetched. Rejects with AbortError if `signal` fired first. */
  run(feeds: Feeds, outputs?: readonly string[], signal?: AbortSignal): Promise<Record<string, OrtTensor>>;
  dispose(): Promise<void>;
}

export interface SessionOptions {
  executionProvider?: ProviderChoice;
  /** Intra-op threads; 0 or absent picks defaultThreads(modelBytes). */
  threads?: number;
  /**
   * Bytes of weights the graph runs on, for the default thread count; absent: the
   * graph file's size (too small for a graph with external data, whose weights
   * live in other files).
   */
  modelBytes?: number;
}

/**
 * Sensible intra-op thread count. A small graph (under ~20 MB of weights) gets
 * one thread: its matrices are too small to split, and on a busy machine a
 * spinning thread pool costs more than it gives (measured: ~2x faster decode with
 * 1 thread than 2 on the 260K-parameter pack on a loaded 2-core box). Larger
 * graphs get about the physical core count (half the logical CPUs on big SMT
 * machines), capped at 8 because decoding one sequence stops scaling before that.
 */
export function defaultThreads(modelBytes = Infinity): number {
  if (modelBytes < 20 * 1024 * 1024) return 1;
  const n = availableParallelism();
  return Math.max(1, Math.min(8, n >= 8 ? Math.floor(n / 2) : n));
}

const BEST_FIRST: Record<string, readonly ProviderName[]> = {
  linux: ['cuda', 'webgpu'],
  win32: ['cuda', 'dml', 'webgpu'],
  darwin: ['coreml', 'webgpu'],
};

/**
 * Accelerated providers this onnxruntime-node build can try on this OS, best
 * first (CPU is always the final fallback and not listed). A provider the
 * package reports as not bundled (CUDA without its extra binaries) is skipped.
 */
export function candidateProviders(): ProviderName[] {
  const supported = new Map(ort.listSupportedBackends().map((b) => [b.name, b.bundled]));
  const order = BEST_FIRST[platform()] ?? [];
  return order.filter((p) => {
    if (!supported.has(p)) return false;
    if (p === 'cuda') return supported.get(p) === true || cudaBinariesInstalled();
    if (p === 'webgpu' && platform() === 'linux') return vulkanLoaderPresent();
    return true;
  });
}

// onnxruntime-node downloads the CUDA provider library only on request
// (ONNXRUNTIME_NODE_INSTALL=cuda12); without it a CUDA session cannot work.
function cudaBinariesInstalled(): boolean {
  try {
    const pkgDir = dirname(createRequire(import.meta.url).resolve('onnxruntime-node'));
    const lib = platform() === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
    return existsSync(join(pkgDir, '..', 'bin', 'napi-v6', platform(), arch(), lib));
  } catch {
    return false;
  }
}

// On Linux, WebGPU runs through Vulkan. Without the Vulkan loader the attempt can
// only fail, after printing a loader warning into the user's terminal.
export function vulkanLoaderPresent(): boolean {
  const dirs = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/local/lib'];
  return dirs.some((d) => existsSync(join(d, 'libvulkan.so.1')));
}

/** Every provider name the platform's package knows about, for diagnostics (e.g. Settings). */
export function describeBackends(): { platform: string; arch: string; backends: { name: string; bundled: boolean }[] } {
  return { platform: platform(), arch: arch(), backends: ort.listSupportedBackends().map((b) => ({ name: b.name, bundled: b.bundled })) };
}

function sessionOptions(provider: ProviderName, threads: number): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [provider],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
  };
}

/**
 * Create a session on the best provider that works: the one asked for, or with
 * 'auto' each candidate in turn, and CPU last. A provider whose session cannot be
 * created (missing driver, no adapter) is skipped; `attempts` records why.
 */
export async function createSession(modelPath: string, options: SessionOptions = {}): Promise<{ session: SessionPort; attempts: { provider: ProviderName; error: string }[] }> {
  const threads = options.threads && options.threads > 0 ? Math.floor(options.threads) : defaultThreads(options.modelBytes ?? statSync(modelPath).size);
  const choice = options.executionProvider ?? 'cpu';
  const order: ProviderName[] = choice === 'auto' ? [...candidateProviders(), 'cpu'] : choice === 'cpu' ? ['cpu'] : [choice, 'cpu'];
  const attempts: { provider: ProviderName; error: string }[] = [];
  for (const provider of order) {
    try {
      // From the path, never from bytes: external data (backbone.weights) resolves next to the graph.
      const s = await ort.InferenceSession.create(modelPath, sessionOptions(provider, threads));
      return { session: wrap(s, provider, threads), attempts };
    } catch (e) {
      attempts.push({ provider, error: e instanceof Error ? e.message : String(e) });
      if (provider === 'cpu') throw e;
    }
  }
  throw new Error('no execution provider could be created');
}

function info(m: ort.InferenceSession.ValueMetadata): ValueInfo {
  return m.isTensor ? { name: m.name, type: m.type, shape: m.shape } : { name: m.name, type: null, shape: null };
}

function wrap(s: ort.InferenceSession, provider: ProviderName, threads: number): SessionPort {
  return {
    inputNames: s.inputNames,
    outputNames: s.outputNames,
    inputs: s.inputMetadata.map(info),
    outputs: s.outputMetadata.map(info),
    provider,
    threads,
    async run(feeds, outputs, signal) {
      if (signal?.aborted) throw new AbortError();
      const r = outputs ? await s.run(feeds, outputs as string[]) : await s.run(feeds);
      if (signal?.aborted) throw new AbortError();
      return r as Record<string, OrtTensor>;
    },
    dispose: () => s.release(),
  };
}
