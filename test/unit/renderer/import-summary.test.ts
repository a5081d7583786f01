// The one summary of a drop that the import card, its file rows, the sidebar and the
// end-of-import toast all show (renderer/src/lib/import-summary.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileFigures, finishedMessage, removedMessage, summarize } from '../../../renderer/src/lib/import-summary.js';
import type { ImportFile } from '../../../renderer/src/stores/use-import-store.js';
import type { ImportProgress } from '../../../main/services/types.js';
import { queuedProgress } from '../../../main/services/import-runner.js';

let n = 0;
let nextKey = 1;
function file(name: string, p: Partial<ImportProgress>): ImportFile {
  const jobId = `job-${++n}`;
  const progress: ImportProgress = { ...queuedProgress(jobId, 1, name), format: 'csv', phase: 'done', ...p };
  return { key: nextKey++, name, jobId, progress, startError: null };
}

test('a cancelled drop says how many documents were kept and learned, not "finished", and offers undo and learning the rest', () => {
  const s = summarize([file('BarackObama.csv', { phase: 'cancelled', parsed: 43_200, stored: 43_000, duplicates: 200, compressed: 1200 })]);
  assert.equal(s.phase, 'cancelled');
  assert.equal(s.title, 'Import cancelled');
  assert.equal(s.line, '43,000 documents kept, 1,200 learned; the other 41,800 will not be learned.');
  assert.equal(finishedMessage(s), 'Import cancelled. 43,000 documents kept, 1,200 learned; the other 41,800 will not be learned.');
  assert.equal(s.canUndo, true);
  assert.equal(s.canResume, true);
});

test('a drop where one file finished and the others were cancelled is a cancelled drop', () => {
  const s = summarize([file('a.js', { phase: 'done', stored: 10, compressed: 10 }), file('b.js', { phase: 'cancelled', stored: 5, compressed: 2 })]);
  assert.equal(s.phase, 'cancelled');
  assert.equal(s.line, '15 documents kept, 12 learned; the other 3 will not be learned.');
});

test('finished: new, already there and problems; what is still to learn is said, not hidden', () => {
  assert.equal(summarize([file('a.csv', { stored: 3100, duplicates: 12, errorCount: 2, compressed: 3100 })]).line, '3,100 new documents, 12 already there, 2 problems.');
  assert.equal(summarize([file('a.csv', { stored: 30, compressed: 10 })]).line, '30 new documents; 20 still to learn.');
});

test('learning: the learned count of the kept documents and one time left for the drop (the latest job), at the queue rate (not a sum)', () => {
  const s = summarize([
    file('a.js', { phase: 'compressing', stored: 100, compressed: 40, etaSec: 30, docsPerSec: 2 }),
    file('b.js', { phase: 'compressing', stored: 50, compressed: 0, etaSec: 61, docsPerSec: 2 }),
  ]);
  assert.equal(s.title, 'Learning the style…');
  assert.equal(s.line, '40 of 150 documents learned · 1m 1s left');
  assert.equal(s.docsPerSec, 2);
  assert.equal(s.etaSec, 61);
});

test('after undo the card and the toast say what was removed', () => {
  const s = summarize([file('a.js', { phase: 'cancelled', stored: 1980, compressed: 0, removed: 1980 })]);
  assert.equal(s.title, 'Import removed');
  assert.equal(s.line, 'The 1,980 documents this import added were removed, with what was learned from them.');
  assert.equal(s.canUndo, false);
  assert.equal(s.canResume, false);
  assert.equal(removedMessage(1980), `Import removed. ${s.line}`);
  assert.equal(removedMessage(0), 'Import removed. Nothing to remove: the documents this import added were already gone.');
});

test('each file row has its own count and bar', () => {
  assert.deepEqual(fileFigures(file('a.js', { phase: 'storing', parsed: 1200, stored: 1000, bytesRead: 50, bytesTotal: 200 })), {
    count: '1,200 read · 1,000 new',
    value: 50,
    max: 200,
    label: 'Read',
  });
  assert.deepEqual(fileFigures(file('a.js', { phase: 'compressing', stored: 80, compressed: 12 })), { count: '12 / 80 learned', value: 12, max: 80, label: 'Learned' });
  assert.deepEqual(fileFigures(file('a.js', { phase: 'cancelled', stored: 80, compressed: 12 })), { count: '80 kept · 12 learned', value: 12, max: 80, label: 'Learned' });
  assert.equal(fileFigures({ key: 0, name: 'x.js', jobId: null, progress: null, startError: 'no such file' }).count, 'not started');
});
