// The switch that keeps onnxruntime's native telemetry off (main/runtime/no-telemetry.ts).
// The end-to-end proof, with strace over real sessions, is test/faults/privacy.test.ts.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

describe('no-telemetry', () => {
  test('importing it sets ORT_DISABLE_TELEMETRY=1, overriding a value inherited from the shell', async () => {
    process.env.ORT_DISABLE_TELEMETRY = '0';
    const m = await import(`../../../main/runtime/no-telemetry.ts?fresh=${Date.now()}`);
    assert.equal(process.env.ORT_DISABLE_TELEMETRY, '1');
    assert.deepEqual(m.privateEnv({ PATH: '/bin', ORT_DISABLE_TELEMETRY: '0' }), { PATH: '/bin', ORT_DISABLE_TELEMETRY: '1' });
  });

  test('a worker whose parent did not switch telemetry off refuses to load (it cannot switch it off itself)', async () => {
    const api = import.meta.resolve('tsx/esm/api');
    const mod = new URL('../../../main/runtime/no-telemetry.ts', import.meta.url).href;
    const code = `const { parentPort } = require('node:worker_threads');
      import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(mod)}); })
        .then(() => parentPort.postMessage('loaded'), (e) => parentPort.postMessage(e.message));`;
    const run = async (env: NodeJS.ProcessEnv) => {
      const w = new Worker(code, { eval: true, env });
      const [msg] = (await once(w, 'message')) as [string];
      await w.terminate();
      return msg;
    };
    const { ORT_DISABLE_TELEMETRY: _, ...without } = process.env;
    assert.match(await run(without), /telemetry is not switched off in this worker/);
    assert.equal(await run({ ...process.env, ORT_DISABLE_TELEMETRY: '1' }), 'loaded');
  });
});
