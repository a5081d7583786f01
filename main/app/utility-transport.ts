// The inference host as an Electron utilityProcess: model inference (onnxruntime,
// hundreds of MB of weights) runs in its own OS process, so a native crash there ends
// that process only. The InferenceClient sees the exit, fails the pending calls and
// starts a fresh host on the next request.
import { utilityProcess } from 'electron';
import { privateEnv } from '../runtime/no-telemetry.js';
import type { InferenceRequest, InferenceResponse, InferenceTransport } from '../jobs/inference-protocol.js';

export function createUtilityTransport(entry: string): InferenceTransport {
  const child = utilityProcess.fork(entry, [], {
    serviceName: 'ComMer Studio inference',
    stdio: 'inherit',
    // Its own OS process: the environment it starts with is what onnxruntime's native code reads.
    env: privateEnv(),
  });
  const messageListeners: Array<(msg: InferenceResponse) => void> = [];
  let exitListeners: Array<(code: number | null) => void> = [];
  let exited: number | null | undefined;
  child.on('message', (msg: InferenceResponse) => {
    for (const l of messageListeners) l(msg);
  });
  child.on('exit', (code) => {
    exited = code;
    for (const l of exitListeners) l(code);
    exitListeners = [];
  });
  return {
    postMessage(msg: InferenceRequest) {
      if (exited === undefined) child.postMessage(msg);
    },
    onMessage(l) {
      messageListeners.push(l);
    },
    onExit(l) {
      if (exited !== undefined) l(exited);
      else exitListeners.push(l);
    },
    kill() {
      child.kill();
    },
  };
}
