// `commer evaluate` as a user runs it: a child process, the real tiny pack, data files
// in the shared formats; the report has the Python evaluator's shape and its figures
// agree with themselves.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished, spawnCli, ROOT } from '../../faults/helpers.js';

interface Row {
  n_docs: number;
  ppl: number;
  rouge_l: number | null;
  prefix_tokens: number;
  by_person: Record<string, [number, number]>;
  samples: { output: string }[];
}

const PACK = join(ROOT, 'test/fixtures/packs/stories260k');

describe('commer evaluate', () => {
  let dir: string;
  let tweets: string;
  let news: string;
  const run = async (...args: string[]) => finished(spawnCli(['--data-dir', join(dir, 'data'), 'evaluate', '--pack', PACK, ...args]));

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'commer-eval-'));
    const lines = readFileSync(join(ROOT, '..', 'shared', 'data', 'tweets', 'users40.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean);
    const byUser = new Map<string, string[]>();
    for (const l of lines) {
      const r = JSON.parse(l) as { user: string };
      const list = byUser.get(r.user) ?? [];
      if (list.length < 12) list.push(l);
      byUser.set(r.user, list);
    }
    tweets = join(dir, 'tweets.jsonl');
    writeFileSync(tweets, [...byUser.values()].slice(0, 3).flat().join('\n') + '\n');
    news = join(dir, 'news.jsonl');
    const arts = (a: string, n: number) =>
      Array.from({ length: n }, (_, i) => JSON.stringify({ headline: `${a} headline number ${i}`, short_description: `What ${a} wrote about topic ${i} today.`, authors: a }));
    writeFileSync(news, [...arts('Ann Writer', 6), ...arts('Bo Reporter', 6), JSON.stringify({ headline: 'no author', short_description: 'x', authors: '' })].join('\n') + '\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('writes report.json and report.svg with every method, n, person and copy_input', async () => {
    const out = join(dir, 'r', 'report.json');
    const r = await run('--data', tweets, news, '--per-person', '3', '--doc-counts', '0,8', '--max-new-tokens', '4', '--threads', '1', '--out', out);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /paraphrase: 3 persons, 9 targets/);
    assert.ok(existsSync(join(dir, 'r', 'report.svg')));
    assert.match(readFileSync(join(dir, 'r', 'report.svg'), 'utf8'), /^<svg[^>]*>.*polyline/s);
    const rep = JSON.parse(readFileSync(out, 'utf8')) as Record<string, Record<string, unknown>>;
    assert.equal(rep.format as unknown, 'commer-eval');
    assert.equal((rep.runtime as Record<string, unknown>).pack, 'stories260k');
    for (const [task, persons] of [
      ['paraphrase', 3],
      ['headline', 2],
    ] as const) {
      const sec = rep[task]!;
      assert.equal(sec.n_persons, persons, task);
      assert.equal(sec.n_examples, persons * 3);
      for (const m of ['commer', 'prompt_concat', 'prompt_concat_budget']) {
        const rows = sec[`${m}_by_docs`] as Row[];
        assert.deepEqual(
          rows.map((x) => x.n_docs),
          [0, 8],
          `${task} ${m}`,
        );
        for (const row of rows) {
          assert.equal(Object.keys(row.by_person).length, persons);
          // The row's perplexity is its persons' NLL sums over their token counts.
          const nll = Object.values(row.by_person).reduce((s, v) => s + v[0], 0);
          const cnt = Object.values(row.by_person).reduce((s, v) => s + v[1], 0);
          assert.ok(Math.abs(Math.exp(nll / cnt) - row.ppl) < 1e-3 * row.ppl, `${task} ${m} n=${row.n_docs}`);
          assert.ok(row.rouge_l !== null && row.rouge_l >= 0 && row.rouge_l <= 1);
          assert.equal(row.samples.length, Math.min(6, persons * 3));
        }
      }
      const commer = sec.commer_by_docs as Row[];
      const budget = sec.prompt_concat_budget_by_docs as Row[];
      assert.equal(commer[0]!.prefix_tokens, 0);
      assert.equal(commer[1]!.prefix_tokens, 4, 'k positions for a merge');
      assert.equal(budget[1]!.prefix_tokens, 4, 'the budget baseline gets k document tokens');
      assert.ok((sec.prompt_concat_by_docs as Row[])[1]!.prefix_tokens > 4);
      assert.notEqual(commer[0]!.ppl, commer[1]!.ppl, 'documents change the prediction');
      const ci = sec.commer_ppl_change_8_vs_0_ci95 as { low: number; high: number; persons: number };
      assert.equal(ci.persons, persons);
      assert.ok(ci.low <= (sec.commer_ppl_change_8_vs_0 as number) + 1e-9 && (sec.commer_ppl_change_8_vs_0 as number) <= ci.high + 1e-9);
      const copy = (sec.copy_input as { rouge_l: number }).rouge_l;
      assert.ok(copy >= 0 && copy <= 1);
    }
  });

  test('perplexity only (--max-new-tokens 0) and named persons', async () => {
    const users = [
      ...new Set(
        readFileSync(tweets, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => (JSON.parse(l) as { user: string }).user),
      ),
    ];
    const out = join(dir, 'p.json');
    const r = await run('--data', tweets, '--persons', users[1]!, '--per-person', '2', '--doc-counts', '0,2', '--methods', 'commer', '--max-new-tokens', '0', '--out', out);
    assert.equal(r.code, 0, r.stderr);
    const sec = (JSON.parse(readFileSync(out, 'utf8')) as Record<string, Record<string, unknown>>).paraphrase!;
    assert.deepEqual(Object.keys((sec.commer_by_docs as Row[])[0]!.by_person), [users[1]]);
    assert.equal((sec.commer_by_docs as Row[])[0]!.rouge_l, null);
    assert.equal(sec.prompt_concat_by_docs, undefined);
  });

  test('bad arguments and files exit 2 with the reason', async () => {
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"user": "a", "text": "fine"}\nnot json\n');
    let r = await run('--data', bad);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bad\.jsonl:2: not JSON/);
    r = await run('--data', tweets, '--methods', 'commer,magic');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown magic/);
    r = await run('--data', tweets, '--persons', 'nobody');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /nobody/);
    r = await run('--data', tweets, news, '--persons', 'Ann Writer,nobody', '--per-person', '2', '--doc-counts', '0', '--methods', 'commer', '--max-new-tokens', '0');
    assert.equal(r.code, 2, 'a name found in no file is refused even when another name is found');
    assert.match(r.stderr, /nobody/);
    r = await run('--data', join(dir, 'missing.jsonl'));
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no such data file/);
  });
});
