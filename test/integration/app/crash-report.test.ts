import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { reportCrashes } from '../../../main/app/crash-report.js';
import type { InferenceTransport } from '../../../main/jobs/inference-protocol.js';

function fakeTransport() {
  const exits: ((code: number | null) => void)[] = [];
  let kills = 0;
  const t: InferenceTransport = {
    postMessage: () => {},
    onMessage: () => {},
    onExit: (l) => void exits.push(l),
    kill: () => void kills++,
  };
  return { t, exit: (code: number | null) => exits.forEach((l) => l(code)), kills: () => kills };
}

describe('reportCrashes', () => {
  test('reports a host that dies on its own, with its exit code', () => {
    const f = fakeTransport();
    const crashes: (number | null)[] = [];
    reportCrashes(f.t, (c) => crashes.push(c));
    f.exit(134);
    assert.deepEqual(crashes, [134]);
  });

  test('stays quiet when we killed the host or it exited cleanly', () => {
    const killed = fakeTransport();
    const crashes: (number | null)[] = [];
    reportCrashes(killed.t, (c) => crashes.push(c)).kill();
    assert.equal(killed.kills(), 1, 'kill reaches the real transport');
    killed.exit(1);
    const clean = fakeTransport();
    reportCrashes(clean.t, (c) => crashes.push(c));
    clean.exit(0);
    assert.deepEqual(crashes, []);
  });
});
