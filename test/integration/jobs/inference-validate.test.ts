// Pack validation in the real inference worker: no loaded pack needed, the
// manifest back for a good pack, the PackError's code and message for a bad one,
// and a loaded model left as it was.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InferenceClient } from '../../../main/jobs/inference-client.js';
import { createWorkerTransport } from '../../../main/jobs/worker-transport.js';

const PACKS = fileURLToPath(new URL('../../fixtures/packs/', import.meta.url));

describe('InferenceClient.validate over worker_threads', () => {
  const client = new InferenceClient(() => createWorkerTransport());
  after(async () => client.dispose());

  test('validates without loading: the manifest for a good pack, PACK_INVALID and the reason for a bad one', async () => {
    const good = await client.validate(join(PACKS, 'stories260k'));
    assert.ok(good.ok);
    assert.equal(good.manifest.id, 'stories260k');
    assert.equal(client.info, null, 'nothing was loaded');
    const bad = await client.validate(join(PACKS, 'nope'));
    assert.equal(bad.ok, false);
    assert.equal(!bad.ok && bad.error.code, 'PACK_INVALID');
    assert.match(!bad.ok ? bad.error.message : '', /manifest\.json not found/);
  });

  test('a loaded model keeps working across a validation', async () => {
    const info = await client.load(join(PACKS, 'tiny-random'));
    const [before] = await client.compress(['hello world']);
    assert.ok((await client.validate(join(PACKS, 'stories260k'))).ok);
    assert.equal(client.info?.packId, info.packId);
    const [again] = await client.compress(['hello world']);
    assert.deepEqual(Array.from(again!), Array.from(before!));
  });
});
