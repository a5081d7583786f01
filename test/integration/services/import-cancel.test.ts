// Cancelling an import whose documents are stored and being learned: the job ends
// at once and says so in a progress event (the UI waits for that event), while the
// stored documents stay and the background queue keeps learning them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { harness, ROOT } from './helpers.js';

const USERS40 = join(ROOT, '../shared/data/tweets/users40.jsonl');

test('cancel while compressing ends the job with a done event and keeps its documents', { timeout: 120_000, skip: !existsSync(USERS40) && 'needs ../shared/data' }, async () => {
  const h = await harness({});
  try {
    const pid = h.svc.profiles.create('me').id;
    // The pack loads in the background; with none loaded yet an import ends without
    // a compressing phase. Draining an empty queue waits for the load.
    await h.svc.queue.drain();
    assert.ok(h.svc.queue.status().packId, 'a pack is loaded');
    let jobId = '';
    let cancelled = false;
    const phases: string[] = [];
    const finished = new Promise<number>((resolve) => {
      h.svc.onEvent((e) => {
        if (e.type !== 'import' || e.progress.jobId !== jobId) return;
        phases.push(e.progress.phase);
        if (e.progress.phase === 'compressing' && !cancelled) {
          cancelled = true;
          h.svc.imports.cancel(jobId);
        }
        // Storing ends with a 'done' from the reader before the job turns to 'compressing';
        // the event that matters is the one after the cancel.
        if (e.progress.phase === 'done' && cancelled) resolve(e.progress.stored);
      });
    });
    jobId = h.svc.imports.start({ path: USERS40, profileId: pid, options: {} }).jobId;
    const stored = await finished;
    assert.ok(cancelled, `the job reached the compressing phase (phases: ${[...new Set(phases)].join(', ')})`);
    assert.ok(stored > 7000, `stored ${stored}`);
    assert.equal(h.svc.imports.get(jobId).phase, 'done');
    // Nothing stored is lost by the cancel: the documents stay for the queue to learn.
    assert.equal(h.svc.documents.list({ profileId: pid }).total, stored);
  } finally {
    await h.cleanup();
  }
});
