// Execution-provider choice and threads, on the real onnxruntime-node build of
// this machine: a provider that cannot start falls back to CPU and says why.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { candidateProviders, defaultThreads, loadModel, type ProviderName } from '../../../main/runtime/index.js';
import { primaryPack } from './fixture-packs.js';
import { vulkanLoaderPresent } from '../../../main/runtime/ort-session.js';

const pack = primaryPack();

describe('execution providers and threads', { skip: pack ? false : 'no fixture pack (the golden test fails for that)' }, () => {
  test('candidates are accelerators this OS can have, best first, CPU never listed', () => {
    const c = candidateProviders();
    const allowed: Record<string, ProviderName[]> = { linux: ['cuda', 'webgpu'], win32: ['cuda', 'dml', 'webgpu'], darwin: ['coreml', 'webgpu'] };
    for (const p of c) assert.ok((allowed[process.platform] ?? []).includes(p), p);
    assert.ok(!c.includes('cpu'));
  });

  const vulkan = vulkanLoaderPresent();
  test(
    'on Linux without the Vulkan loader, auto does not try WebGPU (it could only fail, noisily)',
    { skip: process.platform !== 'linux' || vulkan ? 'needs Linux without libvulkan' : false },
    async () => {
      assert.ok(!candidateProviders().includes('webgpu'));
      const m = await loadModel(pack!, { executionProvider: 'auto' });
      try {
        assert.ok(!m.info.providerAttempts.some((a) => a.provider === 'webgpu'), JSON.stringify(m.info.providerAttempts));
      } finally {
        await m.dispose();
      }
    },
  );

  for (const ep of ['cuda', 'webgpu', 'dml', 'coreml'] as const) {
    test(`asking for ${ep} either runs on it or falls back to CPU with the reason`, async () => {
      const m = await loadModel(pack!, { executionProvider: ep });
      try {
        if (m.info.provider === ep) assert.equal(m.info.providerAttempts.length, 0);
        else {
          assert.equal(m.info.provider, 'cpu');
          const a = m.info.providerAttempts.find((x) => x.provider === ep);
          assert.ok(a && a.error.length > 0, JSON.stringify(m.info.providerAttempts));
        }
        // Whatever runs, it computes: one greedy token.
        for await (const ev of m.continueText('Once', { maxNewTokens: 1 })) assert.ok(ev.tokenId >= 0);
      } finally {
        await m.dispose();
      }
    });
  }

  test('threads: small graphs get one thread, the option overrides', async () => {
    assert.equal(defaultThreads(1_000_000), 1);
    const big = defaultThreads(500 * 2 ** 20);
    assert.ok(big >= 1 && big <= 8);
    const m = await loadModel(pack!, { executionProvider: 'cpu', threads: 2 });
    assert.equal(m.info.threads, 2);
    await m.dispose();
    const d = await loadModel(pack!, { executionProvider: 'cpu' });
    assert.equal(d.info.threads, 1);
    await d.dispose();
  });
});
