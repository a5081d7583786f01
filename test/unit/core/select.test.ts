// Parity of the TypeScript evaluation-example selection with Python's
// (tasks.eval_examples over evaluate.eval_sets' persons) on the shared data files,
// against test/fixtures/eval/select.json from models/scripts/make_neutralize_fixture.py.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  comparePy,
  evalExamples,
  EVAL_MAX_DOCS,
  hashOrder,
  headlinePersons,
  MIN_EVAL_ITEMS,
  newsEvalSet,
  paraphrasePersons,
  tweetEvalSet,
  type EvalExample,
  type NeutralizeStats,
} from '../../../main/core/eval/select.js';
import { newsFromJsonl, tweetsFromJsonl } from '../../../main/core/eval/shared-data.js';

const sha256hex = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

interface FixturePerson {
  person: string;
  task: string;
  profile_len: number;
  profile_sha256: string;
  profile8: string[] | null;
  examples: [string, string][];
}
interface FixtureTask {
  file: string;
  sha256: string;
  per_person: number;
  persons_in_file: number;
  persons: FixturePerson[];
}
interface Fixture {
  max_docs: number;
  min_items: number;
  paraphrase: FixtureTask;
  headline: FixtureTask & { dropped_under_min_items: number; full_authors: string[] };
}

const fx = JSON.parse(readFileSync(fileURLToPath(new URL('../../fixtures/eval/select.json', import.meta.url)), 'utf8')) as Fixture;
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
// The shared data: ../shared beside the checkout (CI puts shared/ there too), else ./shared.
const dataDir = [join(repoRoot, '..', 'shared', 'data'), join(repoRoot, 'shared', 'data')].find((d) => existsSync(join(d, 'tweets', 'users40.jsonl')));

function readData(t: FixtureTask): string {
  assert.ok(dataDir, 'shared/data not found beside the checkout');
  const bytes = readFileSync(join(dataDir, t.file));
  assert.equal(createHash('sha256').update(bytes).digest('hex'), t.sha256, `${t.file} is not the file the fixture was made from; rerun models/scripts/make_neutralize_fixture.py`);
  return bytes.toString('utf8');
}

/** The fixture's shape: examples grouped by person, in selection order. */
function grouped(examples: readonly EvalExample[]): FixturePerson[] {
  const out = new Map<string, FixturePerson>();
  for (const e of examples) {
    let g = out.get(e.person);
    if (!g) {
      g = { person: e.person, task: e.task, profile_len: e.profile.length, profile_sha256: sha256hex(e.profile.join('\0')), profile8: e.profile.slice(0, 8), examples: [] };
      out.set(e.person, g);
    }
    g.examples.push([e.input, e.target]);
  }
  return [...out.values()];
}

describe('evaluation examples match Python', () => {
  test("constants are evaluate.py's", () => {
    assert.equal(EVAL_MAX_DOCS, fx.max_docs);
    assert.equal(MIN_EVAL_ITEMS, fx.min_items);
  });

  test(`paraphrase: ${fx.paraphrase.file}, ${fx.paraphrase.per_person} per person`, () => {
    const tweets = tweetsFromJsonl(readData(fx.paraphrase));
    assert.equal(tweets.size, fx.paraphrase.persons_in_file);
    const stats: NeutralizeStats = { total: 0, identical: 0, empty: 0 };
    const got = grouped(tweetEvalSet(tweets, fx.paraphrase.per_person, sha256hex, stats));
    assert.equal(
      stats.total,
      [...tweets.values()].reduce((n, t) => n + t.length, 0),
    );
    assert.deepEqual(
      got.map((g) => g.person),
      fx.paraphrase.persons.map((g) => g.person),
      'the same persons in the same order',
    );
    for (const [i, want] of fx.paraphrase.persons.entries()) assert.deepEqual(got[i], want, `person ${want.person}`);
  });

  test(`headline: ${fx.headline.file}, ${fx.headline.per_person} per person`, () => {
    const news = newsFromJsonl(readData(fx.headline));
    assert.equal(headlinePersons(new Map([...news].filter(([a]) => a))).length, fx.headline.persons_in_file);
    const got = grouped(newsEvalSet(news, fx.headline.per_person, sha256hex));
    assert.equal(fx.headline.persons_in_file - got.length, fx.headline.dropped_under_min_items, 'persons under the minimum are dropped');
    assert.deepEqual(
      got.map((g) => g.person),
      fx.headline.persons.map((g) => g.person),
      'the same authors in the same order',
    );
    const full = new Set(fx.headline.full_authors);
    assert.ok(full.size >= 4);
    for (const [i, want] of fx.headline.persons.entries()) {
      const g = got[i]!;
      // every author's examples and whole profile (by digest); the first documents themselves for a few
      const mine = full.has(want.person) ? g : { ...g, profile8: null };
      assert.deepEqual(mine, want, `author ${want.person}`);
    }
  });
});

describe('selection rules', () => {
  test('hashOrder sorts indices by the hex digest of key\\0i', () => {
    const fake = (s: string): string => ({ 'k\x000': 'c', 'k\x001': 'a', 'k\x002': 'b' })[s]!;
    assert.deepEqual(hashOrder(3, 'k', fake), [1, 2, 0]);
    assert.deepEqual(hashOrder(0, 'k', fake), []);
  });

  test("a target never sits in the profile, profiles are capped and shared by a person's examples", () => {
    const docs = Array.from({ length: 50 }, (_, i) => `tweet number ${i} is here`);
    const [tp] = paraphrasePersons(new Map([['p', docs]]));
    const ex = evalExamples([tp!], 5, 10, sha256hex);
    assert.equal(ex.length, 5);
    for (const e of ex) {
      assert.equal(e.profile.length, 10);
      assert.ok(!e.profile.includes(e.target));
      assert.equal(e.profile, ex[0]!.profile);
    }
  });

  test('persons are in Python order (code points, not UTF-16 units)', () => {
    assert.ok(comparePy('\uffff', '\u{10000}') < 0);
    assert.ok('\uffff' > '\u{10000}', "JS's own order differs here");
    assert.ok(comparePy('ab', 'abc') < 0 && comparePy('b', 'abc') > 0 && comparePy('x', 'x') === 0);
    const tps = headlinePersons(
      new Map([
        ['\u{10000}', []],
        ['\uffff', []],
        ['B', []],
        ['a', []],
      ]),
    );
    assert.deepEqual(
      tps.map((t) => t.person),
      ['B', 'a', '\uffff', '\u{10000}'],
    );
  });
});
