// Tells the user when the inference host dies on its own (a crash, not our kill or its
// orderly exit). The InferenceClient already restarts it on the next request; this
// only makes the event visible, the same way in the desktop app and the web host.
import type { InferenceTransport } from '../jobs/inference-protocol.js';

export function reportCrashes(t: InferenceTransport, onCrash: (code: number | null) => void): InferenceTransport {
  let killed = false;
  t.onExit((code) => {
    if (!killed && code !== 0) onCrash(code);
  });
  return {
    postMessage: (msg) => t.postMessage(msg),
    onMessage: (l) => t.onMessage(l),
    onExit: (l) => t.onExit(l),
    kill() {
      killed = true;
      t.kill();
    },
  };
}

export function crashNotice(code: number | null): { level: 'warning'; message: string } {
  return {
    level: 'warning',
    message: `The model process stopped unexpectedly (exit code ${code ?? 'none'}). It restarts by itself on the next request.`,
  };
}
