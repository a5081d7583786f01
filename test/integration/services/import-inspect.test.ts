// imports.inspect on real files through the real services (real SQLite): what it
// predicts is what the import then does.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hidePath } from '../../../main/services/import-runner.js';
import { buildZip } from './zip-writer.js';
import { FIXTURES, harness, importFile, OBAMA_CSV, type Harness } from './helpers.js';

describe('import inspection (real services)', () => {
  let h: Harness;
  let dir: string;
  before(async () => {
    h = await harness({ loadModelAtStart: false, autoStartQueue: false });
    dir = join(h.dir, 'files');
    mkdirSync(dir);
  });
  after(async () => h.cleanup());

  test('the real Obama CSV: Windows-1252 proposed; the counts it gives are what each import then does', { skip: !existsSync(OBAMA_CSV) && 'needs ../shared/data' }, async () => {
    const i = await h.svc.imports.inspect({ path: OBAMA_CSV });
    assert.equal(i.file, 'BarackObama.csv');
    assert.equal(i.format, 'csv');
    assert.equal(i.complete, true);
    assert.equal(i.encoding.chosen, 'utf-8');
    assert.equal(i.encoding.suggested, 'windows-1252');
    const [asUtf8, as1252] = i.encoding.readings;
    assert.equal(asUtf8!.encoding, 'utf-8');
    assert.equal(as1252!.encoding, 'windows-1252');
    assert.equal(as1252!.unreadable, 0);
    assert.ok(asUtf8!.unreadable > 1000, `${asUtf8!.unreadable} rows unreadable as UTF-8`);
    assert.deepEqual(i.csv?.columns, ['created_at', 'text', 'url', 'replies', 'retweets', 'favorites', 'user']);
    assert.equal(i.csv?.textColumn, 'text');
    assert.match(i.csv!.sample![1]!, /SenJohnMcCain/);

    const p = h.svc.profiles.create('obama-inspect');
    const utf8 = await importFile(h.svc, p.id, OBAMA_CSV);
    assert.equal(utf8.errorCount, asUtf8!.unreadable, 'the proposal said how many rows UTF-8 would lose');
    assert.equal(utf8.parsed + utf8.errorCount, asUtf8!.total);
    const q = h.svc.profiles.create('obama-accepted');
    const accepted = await importFile(h.svc, q.id, OBAMA_CSV, { encoding: 'windows-1252' });
    assert.equal(accepted.phase, 'done');
    assert.equal(accepted.errorCount, 0);
    assert.equal(accepted.stored, as1252!.total);
    // With the encoding chosen, nothing more is proposed.
    assert.equal((await h.svc.imports.inspect({ path: OBAMA_CSV, options: { encoding: 'windows-1252' } })).encoding.suggested, null);
  });

  test('a CSV without a known text column: its columns and first row; importing with the picked column stores every row', async () => {
    const path = join(dir, 'upload-x1.csv');
    writeFileSync(path, 'id,posted,words\n1,2020-01-02,Walked the dog by the river\n2,2020-01-03,"Rain again, so coffee and a book"\n3,2020-01-04,New shoes today\n');
    const i = await h.svc.imports.inspect({ path, name: 'diary export.csv' });
    assert.equal(i.file, 'diary export.csv');
    assert.deepEqual(i.csv, { columns: ['id', 'posted', 'words'], sample: ['1', '2020-01-02', 'Walked the dog by the river'], textColumn: null, headerless: false });
    assert.equal(i.encoding.suggested, null);
    const p = h.svc.profiles.create('diary');
    const without = await importFile(h.svc, p.id, path);
    assert.equal(without.phase, 'failed', 'without a pick the import cannot guess');
    const picked = await importFile(h.svc, p.id, path, { textColumn: 'words' });
    assert.equal(picked.phase, 'done');
    assert.equal(picked.stored, 3);
    assert.equal((await h.svc.imports.inspect({ path, options: { textColumn: 'words' } })).csv?.textColumn, 'words');
    assert.equal((await h.svc.imports.inspect({ path, options: { textColumn: 'nope' } })).csv?.textColumn, null);
  });

  test("a zip's first tweets part is what is inspected; a binary file is named as such and nothing is proposed", async () => {
    const z = await h.svc.imports.inspect({ path: join(FIXTURES, 'archive.zip') });
    assert.equal(z.format, 'twitter-zip');
    assert.equal(z.entry, 'data/tweets.js');
    assert.equal(z.encoding.suggested, null);
    assert.equal(z.encoding.readings[0]!.unit, 'record');
    const latin = join(dir, 'blog.zip');
    writeFileSync(
      latin,
      buildZip([
        { name: 'posts/one.txt', data: Buffer.from('Le château était très beau; nous avons mangé une crème brûlée, puis nous sommes allés voir l’église.\n'.replace('’', "'").repeat(4), 'latin1') },
      ]).zip,
    );
    const b = await h.svc.imports.inspect({ path: latin });
    assert.equal(b.entry, 'posts/one.txt');
    assert.equal(b.encoding.suggested, 'windows-1252');
    const png = await h.svc.imports.inspect({ path: join(FIXTURES, 'image.txt') });
    assert.equal(png.error, 'is a PNG image, not a text file this importer reads');
    assert.equal(png.encoding.suggested, null);
  });

  test('an import names the file as the user does, never by the folder it was put in', async () => {
    const sub = join(dir, 'commer-uploads-Q1', 'AbCdEf12');
    mkdirSync(sub, { recursive: true });
    const path = join(sub, 'corrupt.zip');
    writeFileSync(path, Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(512, 7)]));
    const p = h.svc.profiles.create('names');
    const { jobId } = h.svc.imports.start({ path, name: 'My archive (1).zip', profileId: p.id });
    const r = await h.svc.imports.wait(jobId);
    assert.equal(r.phase, 'failed');
    assert.equal(r.file, 'My archive (1).zip');
    assert.deepEqual(
      r.errors.map((e) => e.file),
      ['My archive (1).zip'],
    );
    assert.match(r.error!.message, /^My archive \(1\)\.zip is not a readable zip archive/);
    assert.doesNotMatch(JSON.stringify(r), /commer-uploads|AbCdEf12/);
    // A system message that quotes the path (as EACCES does) is rewritten the same way.
    assert.equal(hidePath(`EACCES: permission denied, open '${path}'`, path, 'My archive (1).zip'), "EACCES: permission denied, open 'My archive (1).zip'");
    assert.equal(hidePath(`cannot write to ${sub}`, path, 'x.zip'), 'cannot write to (folder)');
  });
});
