// The problem list's arithmetic, on progress shaped exactly as the services send it
// (runImport puts a file's fatal error in its row errors and in `error`).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileProblems } from '../../../renderer/src/components/ImportErrors.js';
import { totals, type ImportFile } from '../../../renderer/src/stores/use-import-store.js';
import { queuedProgress } from '../../../main/services/import-runner.js';
import type { ImportProgress } from '../../../main/services/types.js';

let key = 1;
function file(name: string, p: Partial<ImportProgress> | null, startError: string | null = null): ImportFile {
  return { key: key++, name, jobId: p ? `job-${key}` : null, progress: p ? { ...queuedProgress(`job-${key}`, 1, name), ...p } : null, startError };
}

/** A whole file that failed to be read, as runImport reports it. */
const fatal = (name: string, message: string): Partial<ImportProgress> => ({
  phase: 'failed',
  errors: [{ file: name, line: null, message, lost: null }],
  errorCount: 1,
  incomplete: true,
  error: { code: 'IMPORT_FAILED', message: `${name} ${message}` },
});

describe('import problems', () => {
  test('seven files, four failed whole: 4 + the row errors, not each failed file twice', () => {
    const files = [
      file('a.zip', fatal('a.zip', 'is not a readable zip archive')),
      file('b.zip', fatal('b.zip', 'has neither data/tweets.js nor .md, .html or .txt files')),
      file('c.txt', fatal('c.txt', 'is a PNG image, not a text file this importer reads')),
      // Refused before reading: only `error`, no row errors.
      file('d.txt', { phase: 'failed', error: { code: 'IMPORT_FAILED', message: 'd.txt is empty (0 bytes)' } }),
      file('e.csv', {
        phase: 'done',
        stored: 10,
        lost: 3,
        errorCount: 3,
        errors: [9, 10, 13].map((line) => ({ file: 'e.csv', line, message: 'the row contains bytes that are not valid UTF-8', lost: 1 })),
      }),
      file('f.js', { phase: 'done', stored: 1, incomplete: true, errorCount: 1, errors: [{ file: 'f.js', line: 31, message: 'the file ends inside a quoted string', lost: null }] }),
      file('g.csv', { phase: 'done', stored: 3 }),
    ];
    const p = fileProblems(files);
    assert.deepEqual(
      p.map((x) => [x.name, x.count, x.failed]),
      [
        ['a.zip', 1, true],
        ['b.zip', 1, true],
        ['c.txt', 1, true],
        ['d.txt', 1, true],
        ['e.csv', 3, false],
        ['f.js', 1, false],
      ],
    );
    assert.equal(totals(files).errorCount, 8, 'the toast counts what the list counts');
    assert.equal(p[3]!.groups[0]!.message, 'd.txt is empty (0 bytes)');
    assert.equal(p[2]!.groups[0]!.message, 'c.txt is a PNG image, not a text file this importer reads');
    assert.equal(p[0]!.summary, 'Not imported; nothing of this file was stored.');
    // Same message on three lines: one group naming the lines.
    assert.deepEqual(p[4]!.groups, [{ entry: null, message: 'the row contains bytes that are not valid UTF-8', lines: [9, 10, 13], count: 3 }]);
    assert.equal(p[4]!.summary, '10 new documents imported; 3 rows could not be read and were skipped.');
    assert.equal(p[5]!.summary, '1 new document imported; the file could not be read past line 31.');
  });

  test('an archive entry is shown as the entry of the file the user dropped; the host’s name for it is not', () => {
    const f = file('My blog.zip', {
      file: 'My blog.zip',
      phase: 'done',
      stored: 3,
      lost: 1,
      errorCount: 1,
      errors: [{ file: 'My blog.zip:posts/draft.md', line: null, message: 'the file is empty (no text)', lost: 1 }],
    });
    const [p] = fileProblems([f]);
    assert.deepEqual(p!.groups, [{ entry: 'posts/draft.md', message: 'the file is empty (no text)', lines: [], count: 1 }]);
  });

  test("'abort' mode: nothing imported because rows were bad, said so; a start refused by the host is one problem", () => {
    const abort = file('x.csv', {
      phase: 'failed',
      errorCount: 2,
      errors: [
        { file: 'x.csv', line: 4, message: 'CSV error: an unbalanced quote', lost: 1 },
        { file: 'x.csv', line: 8, message: 'CSV error: an unbalanced quote', lost: 1 },
      ],
      error: { code: 'IMPORT_FAILED', message: 'x.csv: 2 bad rows, nothing was imported' },
    });
    const refused = file('y.csv', null, 'the web host answered 413');
    const p = fileProblems([abort, refused]);
    assert.equal(p[0]!.count, 2);
    assert.match(p[0]!.summary, /^Nothing was imported from this file: 2 rows could not be read/);
    assert.deepEqual(p[1]!.groups[0], { entry: null, message: 'the web host answered 413', lines: [], count: 1 });
    assert.equal(totals([abort, refused]).errorCount, 3);
  });
});
