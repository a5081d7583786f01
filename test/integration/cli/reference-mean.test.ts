// `commer reference-mean` and `commer evaluate --strengths` as a user runs them, on a
// copy of the real stories260k pack and the shared data: the reference is the mean of
// training persons' compressions (never a test person's), stored with the pack and
// checked by the loader; the strength curve's ends are the reference and the plain merge.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished, spawnCli, ROOT } from '../../faults/helpers.js';
import { loadModel, meanOf, validatePack } from '../../../main/runtime/index.js';
import { hashOrder } from '../../../main/core/eval/select.js';
import { pyCollapseSpaces } from '../../../main/core/eval/py-text.js';
import { tweetsFromJsonl } from '../../../main/core/eval/shared-data.js';

const SHARED = join(ROOT, '..', 'shared', 'data');
const TWEETS = join(SHARED, 'tweets', 'users40.jsonl');
const NEWS = join(SHARED, 'news', 'huffpost.jsonl');
const split = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/eval/split.json'), 'utf8')) as Record<'tweets' | 'news', Record<'train' | 'test' | 'val', string[]>>;
const sha256hex = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

describe('commer reference-mean and evaluate --strengths', () => {
  let dir: string;
  let pack: string;
  const cli = async (...args: string[]) => finished(spawnCli(['--data-dir', join(dir, 'data'), ...args]));

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'commer-ref-'));
    pack = join(dir, 'stories260k');
    cpSync(join(ROOT, 'test/fixtures/packs/stories260k'), pack, { recursive: true });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a pack without a reference cannot measure strength, and says how to build one', async () => {
    const r = await cli(
      'evaluate',
      '--pack',
      pack,
      '--data',
      TWEETS,
      '--persons',
      split.tweets.test[0]!,
      '--per-person',
      '2',
      '--methods',
      'commer',
      '--max-new-tokens',
      '0',
      '--strengths',
      '0,1',
      '--out',
      join(dir, 'x.json'),
    );
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /has no reference mean for tweet documents.*commer reference-mean/);
    const bad = await cli('evaluate', '--pack', pack, '--data', TWEETS, '--strengths', '0,1.5', '--out', join(dir, 'x.json'));
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--strengths must be numbers from 0 to 1/);
  });

  test('builds the tweet and article means from training persons only, stores them with their sha256, and the pack still loads', async () => {
    const r = await cli('reference-mean', '--pack', pack, '--data', TWEETS, NEWS, '--per-person', '2', '--threads', '1');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /tweet: mean of 56 documents of 28 persons \(training split\)/);
    assert.match(r.stdout, /article: mean of 72 documents of 36 persons \(training split\)/);
    const m = JSON.parse(readFileSync(join(pack, 'manifest.json'), 'utf8'));
    assert.deepEqual(m.reference.kinds, ['tweet', 'article']);
    assert.deepEqual(m.reference.persons, { tweet: split.tweets.train.length, article: split.news.train.length });
    const bytes = readFileSync(join(pack, 'reference.f32'));
    assert.equal(m.files['reference.f32'].sha256, createHash('sha256').update(bytes).digest('hex'));
    assert.deepEqual(m.files['reference.f32'].shape, [2, m.compression.k, m.backbone.dim]);
    const v = await validatePack(pack);
    assert.ok(v.ok, v.ok ? '' : v.error.message);

    // The tweet mean is the mean of the first two documents (hash order) of each training user, compressed by the runtime.
    const users = tweetsFromJsonl(readFileSync(TWEETS, 'utf8'));
    const docs = split.tweets.train.flatMap((u) => {
      const all = users.get(u)!.map(pyCollapseSpaces);
      return hashOrder(all.length, `reference-docs:tweet:${u}`, sha256hex)
        .slice(0, 2)
        .map((i) => all[i]!);
    });
    const model = await loadModel(pack, { threads: 1 });
    try {
      const want = meanOf(await model.compress(docs))!;
      const got = model.info.reference!.tweet!;
      assert.equal(got.length, want.length);
      let worst = 0;
      for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
      // Batches of 16 vs one batch: left padding may move a compression by float rounding only.
      assert.ok(worst < 1e-4, `worst difference ${worst}`);
      const art = model.info.reference!.article!;
      assert.ok(
        art.some((x, i) => x !== got[i]),
        'the article mean is its own',
      );
    } finally {
      await model.dispose();
    }
  });

  test('a changed reference.f32 is refused by the loader', async () => {
    const copy = join(dir, 'damaged');
    cpSync(pack, copy, { recursive: true });
    const b = readFileSync(join(copy, 'reference.f32'));
    b[5] = b[5]! ^ 0x10;
    writeFileSync(join(copy, 'reference.f32'), b);
    const v = await validatePack(copy);
    assert.equal(v.ok, false);
    assert.match(!v.ok ? v.error.message : '', /reference\.f32 does not match its sha256/);
  });

  test('evaluate --strengths: a curve from the reference (0) to the plain merge (1), with its monotonic summary', async () => {
    const out = join(dir, 's', 'report.json');
    const persons = split.tweets.test.slice(0, 2).join(',');
    const r = await cli(
      'evaluate',
      '--pack',
      pack,
      '--data',
      TWEETS,
      '--persons',
      persons,
      '--per-person',
      '2',
      '--doc-counts',
      '0,4',
      '--methods',
      'commer',
      '--max-new-tokens',
      '0',
      '--strengths',
      '0,0.5,1',
      '--threads',
      '1',
      '--out',
      out,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /paraphrase: style strength 0: ppl [\d.]+; 0.5: ppl [\d.]+; 1: ppl [\d.]+; (falls monotonically|NOT monotonic); monotonic for \d of 2 persons/);
    const sec = JSON.parse(readFileSync(out, 'utf8')).paraphrase;
    const rows = sec.commer_by_strength as { n_docs: number; strength: number; ppl: number; by_person: Record<string, [number, number]> }[];
    assert.deepEqual(
      rows.map((x) => [x.n_docs, x.strength]),
      [
        [4, 0],
        [4, 0.5],
        [4, 1],
      ],
    );
    const plain = (sec.commer_by_docs as { n_docs: number; ppl: number }[]).find((x) => x.n_docs === 4)!;
    assert.equal(rows[2]!.ppl, plain.ppl, 'strength 1 is the plain 4-document merge');
    const curve = sec.commer_strength_curve;
    assert.deepEqual(curve.ppl, [rows[0]!.ppl, rows[1]!.ppl, rows[2]!.ppl]);
    assert.equal(curve.monotonic, rows[0]!.ppl > rows[1]!.ppl && rows[1]!.ppl > rows[2]!.ppl);
    assert.equal(curve.persons, 2);
    assert.equal(curve.no_documents_ppl, (sec.commer_by_docs as { n_docs: number; ppl: number }[]).find((x) => x.n_docs === 0)!.ppl);

    // Strength 0 is conditioning on the reference itself: score one person's targets with merged = reference.
    const model = await loadModel(pack, { threads: 1 });
    try {
      const p = split.tweets.test[0]!;
      const { examplesOf } = await import('../../../main/eval/evaluate.js');
      const { loadEvalData } = await import('../../../main/eval/data.js');
      const ex = examplesOf(loadEvalData(TWEETS), 2, [p]).examples;
      let nll = 0;
      let tokens = 0;
      for (const e of ex) {
        const s = await model.score({ merged: model.info.reference!.tweet!, task: 'paraphrase', input: e.input, target: e.target });
        nll += s.nll;
        tokens += s.tokens;
      }
      assert.deepEqual(rows[0]!.by_person[p], [Math.round(nll * 1e4) / 1e4, tokens]);
    } finally {
      await model.dispose();
    }
  });
});
