// The evaluation examples of the Python evaluator (models/commer/tasks.py
// paraphrase_persons, headline_persons, _hash_order, eval_examples; evaluate.py
// eval_sets' filtering), ported so `commer evaluate` in TypeScript scores exactly the
// examples Python scores. Pure: the sha256 the selection orders by is a parameter
// (node:crypto lives above the core), called as sha256hex(utf-8 of the string).
import type { Task } from '../inputs.js';
import { neutralize } from './neutralize.js';
import { pyCollapseSpaces } from './py-text.js';

export type EvalTask = Task;
/** sha256 of the string's UTF-8 bytes, as 64 lowercase hex digits. */
export type Sha256Hex = (s: string) => string;

/** A news article as models/commer/data.py loads it (fields stripped, author = the `authors` string). */
export interface Article {
  headline: string;
  short_description: string;
  author: string;
}

/** One input/target pair; docIndex is the document it came from, never in its own profile. */
export interface Item {
  input: string;
  target: string;
  docIndex: number;
}

/** A person of a task: their documents (the profile pool) and their items. */
export interface TaskPerson {
  task: EvalTask;
  person: string;
  docs: string[];
  items: Item[];
}

export interface EvalExample {
  task: EvalTask;
  person: string;
  input: string;
  target: string;
  /** Ordered pool; the first n are the n-document profile (nested across n). */
  profile: string[];
}

/** How the neutral inputs came out (tasks.NeutralizeStats), for the report. */
export interface NeutralizeStats {
  total: number;
  identical: number;
  empty: number;
}

/** evaluate.py: the largest document count evaluated (max of EVAL_DOC_COUNTS), so the pool's cap. */
export const EVAL_MAX_DOCS = 32;
/** evaluate.py eval_sets: persons with fewer items are not evaluated. */
export const MIN_EVAL_ITEMS = 2;

/** Python's string order (by code point); JS's default sort compares UTF-16 units, which differs above U+FFFF. */
export function comparePy(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x < y ? -1 : 1;
    i += x > 0xffff ? 2 : 1;
  }
  return Math.sign(a.length - i - (b.length - i));
}

function sortedKeys<V>(m: ReadonlyMap<string, V>): string[] {
  return [...m.keys()].sort(comparePy);
}

/** tasks._hash_order: 0..n-1 ordered by sha256(`${key}\0${i}`) hex (a stable sort, as Python's). */
export function hashOrder(n: number, key: string, sha256hex: Sha256Hex): number[] {
  const digests = Array.from({ length: n }, (_, i) => sha256hex(`${key}\0${i}`));
  return Array.from({ length: n }, (_, i) => i).sort((a, b) => (digests[a]! < digests[b]! ? -1 : digests[a]! > digests[b]! ? 1 : 0));
}

/**
 * tasks.paraphrase_persons: every tweet (whitespace collapsed) is a profile document;
 * every tweet whose neutral version is non-empty is also an item (neutral -> tweet).
 * Persons come in Python's sorted order.
 */
export function paraphrasePersons(tweetsByPerson: ReadonlyMap<string, readonly string[]>, stats?: NeutralizeStats): TaskPerson[] {
  return sortedKeys(tweetsByPerson).map((person) => {
    const docs = tweetsByPerson.get(person)!.map(pyCollapseSpaces);
    const tp: TaskPerson = { task: 'paraphrase', person, docs, items: [] };
    docs.forEach((t, i) => {
      const n = neutralize(t);
      if (stats) {
        stats.total += 1;
        stats.identical += n === t ? 1 : 0;
        stats.empty += n ? 0 : 1;
      }
      if (n) tp.items.push({ input: n, target: t, docIndex: i });
    });
    return tp;
  });
}

/** data.Article.as_document: an article as a profile document. */
export function articleDocument(a: Article): string {
  return `${a.headline} — ${a.short_description}`;
}

/**
 * tasks.headline_persons: documents are `headline — short_description`; items are the
 * articles with both (short_description, whitespace collapsed -> headline).
 */
export function headlinePersons(articlesByAuthor: ReadonlyMap<string, readonly Article[]>): TaskPerson[] {
  return sortedKeys(articlesByAuthor).map((author) => {
    const arts = articlesByAuthor.get(author)!;
    const tp: TaskPerson = { task: 'headline', person: author, docs: arts.map(articleDocument), items: [] };
    arts.forEach((a, i) => {
      if (a.short_description && a.headline) tp.items.push({ input: pyCollapseSpaces(a.short_description), target: a.headline, docIndex: i });
    });
    return tp;
  });
}

/**
 * tasks.eval_examples: per person, the first `perPerson` items in hash order are the
 * targets; the profile pool is the person's documents in hash order minus every
 * held-out target's document, capped at maxDocs. No filtering here (see evalPersons).
 */
export function evalExamples(persons: readonly TaskPerson[], perPerson: number, maxDocs: number, sha256hex: Sha256Hex): EvalExample[] {
  const out: EvalExample[] = [];
  for (const tp of persons) {
    const order = hashOrder(tp.items.length, `eval-items:${tp.task}:${tp.person}`, sha256hex);
    const chosen = order.slice(0, perPerson).map((i) => tp.items[i]!);
    const held = new Set(chosen.map((it) => it.docIndex));
    const pool = hashOrder(tp.docs.length, `eval-docs:${tp.task}:${tp.person}`, sha256hex).filter((i) => !held.has(i));
    const profile = pool.slice(0, maxDocs).map((i) => tp.docs[i]!);
    for (const it of chosen) out.push({ task: tp.task, person: tp.person, input: it.input, target: it.target, profile });
  }
  return out;
}

/** evaluate.eval_sets' filter: persons with at least MIN_EVAL_ITEMS items. */
export function evalPersons(persons: readonly TaskPerson[]): TaskPerson[] {
  return persons.filter((p) => p.items.length >= MIN_EVAL_ITEMS);
}

/** evaluate.eval_sets for a tweets file: every person in it, filtered, pool capped at EVAL_MAX_DOCS. */
export function tweetEvalSet(tweetsByPerson: ReadonlyMap<string, readonly string[]>, perPerson: number, sha256hex: Sha256Hex, stats?: NeutralizeStats): EvalExample[] {
  return evalExamples(evalPersons(paraphrasePersons(tweetsByPerson, stats)), perPerson, EVAL_MAX_DOCS, sha256hex);
}

/** evaluate.eval_sets for a news file: every author but the empty one, filtered, pool capped at EVAL_MAX_DOCS. */
export function newsEvalSet(articlesByAuthor: ReadonlyMap<string, readonly Article[]>, perPerson: number, sha256hex: Sha256Hex): EvalExample[] {
  const named = new Map([...articlesByAuthor].filter(([a]) => a !== ''));
  return evalExamples(evalPersons(headlinePersons(named)), perPerson, EVAL_MAX_DOCS, sha256hex);
}
