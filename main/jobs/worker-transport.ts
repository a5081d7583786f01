import { Worker } from 'node:worker_threads';
// Sets ORT_DISABLE_TELEMETRY in this (spawning) thread: a worker cannot set it for itself.
import { privateEnv } from '../runtime/no-telemetry.js';
import type { InferenceRequest, InferenceResponse, InferenceTransport } from './inference-protocol.js';

/**
 * The worker file next to this module: .ts when running from source under tsx
 * (the worker inherits tsx's --import from execArgv), .js once compiled.
 */
export function inferenceWorkerUrl(): URL {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./inference.worker${ext}`, import.meta.url);
}

/**
 * Starts a worker for a module. A .ts module gets a tiny bootstrap that
 * registers tsx's loader inside the worker first: tsx may hook the parent through
 * module.register(), which does not carry over to worker threads, so inheriting
 * execArgv alone is not enough.
 */
function startWorker(url: URL): Worker {
  const env = privateEnv();
  if (!url.pathname.endsWith('.ts')) return new Worker(url, { env });
  const api = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(code, { eval: true, env });
}

/** Runs the inference host in a worker thread. */
export function createWorkerTransport(url: URL = inferenceWorkerUrl()): InferenceTransport {
  const worker = startWorker(url);
  let exitListeners: Array<(code: number | null) => void> = [];
  let exited = false;
  const fireExit = (code: number | null) => {
    if (exited) return;
    exited = true;
    for (const l of exitListeners) l(code);
    exitListeners = [];
  };
  worker.on('exit', (code) => fireExit(code));
  // An uncaught error in the worker ends it; 'exit' follows, but report it now so pending calls fail fast.
  worker.on('error', (err) => {
    process.emitWarning(`inference worker error: ${err.message}`);
    fireExit(1);
  });
  return {
    postMessage: (msg: InferenceRequest) => worker.postMessage(msg),
    onMessage: (l) => worker.on('message', (m: InferenceResponse) => l(m)),
    onExit: (l) => {
      if (exited) l(null);
      else exitListeners.push(l);
    },
    kill: () => void worker.terminate(),
  };
}
