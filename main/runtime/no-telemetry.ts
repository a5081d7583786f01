// Nothing leaves the machine. onnxruntime-node 1.30's native library carries
// Microsoft's 1DS telemetry client: once an onnxruntime environment exists it keeps
// a device id and an event queue under ~/.cache/Microsoft/DeveloperTools/.onnxruntime/,
// writes `mat-debug-<pid>.log` and `.ses` into the temp folder, and about nine seconds
// later starts resolving mobile.events.data.microsoft.com to upload. Its one off
// switch is the environment variable ORT_DISABLE_TELEMETRY (read with getenv when the
// environment is created, i.e. at the first session); neither the JS API (`ort.env`)
// nor a session option reaches it, and with it set none of those files is written.
//
// This module only sets that variable. Import it before anything that may load
// onnxruntime-node (ES imports are evaluated in order, so put it first), and pass
// `privateEnv()` to every child process or worker that is spawned.
//
// Worker threads: a worker's `process.env` is a private copy, and assigning to it does
// not reach the C environment that the native library reads. Only the main thread of
// a process can set the real variable, so the thread that spawns an inference worker
// must have imported this module (worker-transport.ts does). A worker whose copy lacks
// the variable was started by a thread that did not, and refuses to go on.
import { isMainThread } from 'node:worker_threads';

/** The variables that keep onnxruntime's telemetry off. */
export const NO_TELEMETRY_ENV: Readonly<Record<string, string>> = Object.freeze({ ORT_DISABLE_TELEMETRY: '1' });

if (!isMainThread && process.env.ORT_DISABLE_TELEMETRY !== '1') {
  throw new Error(
    'onnxruntime telemetry is not switched off in this worker: the thread that started it must import main/runtime/no-telemetry.ts first ' +
      '(a worker cannot set the process environment that the native library reads)',
  );
}
// Always overwrite: a stray ORT_DISABLE_TELEMETRY=0 from the user's shell must not turn it back on.
Object.assign(process.env, NO_TELEMETRY_ENV);

/** `base` (default: this process's environment) with telemetry switched off, for child processes and workers. */
export function privateEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...base, ...NO_TELEMETRY_ENV };
}
