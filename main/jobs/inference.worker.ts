// Entry point of the inference host process. Runs under worker_threads (web host,
// CLI, tests) or as an Electron utilityProcess (desktop app); either way it
// serves the protocol in inference-protocol.ts with the real runtime.
import { parentPort } from 'node:worker_threads';
import { loadModel, validatePack, type ProviderChoice } from '../runtime/index.js';
import { serveInference, toProtocolError, type HostModel } from './inference-host.js';
import type { HostPort, InferenceRequest, InferenceResponse } from './inference-protocol.js';

interface ElectronParentPort {
  postMessage(msg: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
}

function hostPort(): HostPort {
  if (parentPort) {
    const p = parentPort;
    return {
      postMessage: (msg: InferenceResponse) => p.postMessage(msg),
      onMessage: (l) => p.on('message', (m: InferenceRequest) => l(m)),
    };
  }
  const electronPort = (process as unknown as { parentPort?: ElectronParentPort }).parentPort;
  if (electronPort) {
    return {
      postMessage: (msg: InferenceResponse) => electronPort.postMessage(msg),
      onMessage: (l) => electronPort.on('message', (e) => l(e.data as InferenceRequest)),
    };
  }
  throw new Error('inference.worker must run as a worker thread or an Electron utility process');
}

serveInference(
  hostPort(),
  async (packDir, options) => {
    const model = await loadModel(packDir, {
      threads: options.threads ?? 0,
      executionProvider: (options.provider ?? 'auto') as ProviderChoice,
    });
    return model as unknown as HostModel;
  },
  async (packDir) => {
    const r = await validatePack(packDir);
    return r.ok ? { ok: true, manifest: r.manifest } : { ok: false, error: toProtocolError(r.error) };
  },
);
