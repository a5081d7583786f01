import { Worker } from 'node:worker_threads';
import type { InferenceRequest, InferenceResponse, InferenceTransport } from './inference-protocol.js';

/**
 * The worker file next to this module: .ts when running from source under tsx
 * (the worker inherits tsx's --import from execArgv), .js once compiled.
 */
export function inferenceWorkerUrl(): URL {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./inference.worker${ext}`, import.meta.url);
}

/** Runs the inference host in a worker thread. */
export function createWorkerTransport(url: URL = inferenceWorkerUrl()): InferenceTransport {
  const worker = new Worker(url, { execArgv: process.execArgv });
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
