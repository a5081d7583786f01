// The person split of models/commer/data.py (split_persons, make_split), ported so
// the TypeScript side can pick training persons (for the pack's reference mean)
// without ever touching a test person. Pure: sha256 is a parameter, as in select.ts.
import { comparePy, type Sha256Hex } from './select.js';

/** data.SPLIT_SEED */
export const SPLIT_SEED = 'commer-split-v1';
/** data.MIN_NEWS_ARTICLES: an author needs this many articles to be a person of the headline task. */
export const MIN_NEWS_ARTICLES = 20;
/** make_split's defaults: validation and test persons per source. */
export const SPLIT_SIZES = { tweets: { val: 4, test: 8 }, news: { val: 6, test: 10 } } as const;

export interface PersonSplit {
  train: string[];
  val: string[];
  test: string[];
}

/** data.split_persons: persons ordered by sha256(seed + "\0" + person); the first nTest are test, the next nVal validation, the rest train (each sorted). */
export function splitPersons(persons: readonly string[], nVal: number, nTest: number, sha256hex: Sha256Hex, seed = SPLIT_SEED): PersonSplit {
  const digest = new Map(persons.map((p) => [p, sha256hex(`${seed}\0${p}`)]));
  const ordered = [...persons].sort((a, b) => (digest.get(a)! < digest.get(b)! ? -1 : digest.get(a)! > digest.get(b)! ? 1 : 0));
  if (nVal + nTest >= ordered.length) throw new RangeError(`a split of ${ordered.length} persons into ${nTest} test and ${nVal} validation persons leaves no training persons`);
  const sorted = (xs: string[]): string[] => xs.sort(comparePy);
  return { test: sorted(ordered.slice(0, nTest)), val: sorted(ordered.slice(nTest, nTest + nVal)), train: sorted(ordered.slice(nTest + nVal)) };
}

/** make_split for a tweets file: every user of the file is a person. */
export function tweetSplit(users: readonly string[], sha256hex: Sha256Hex): PersonSplit {
  return splitPersons(users, SPLIT_SIZES.tweets.val, SPLIT_SIZES.tweets.test, sha256hex);
}

/** make_split for a news file: the named authors with at least MIN_NEWS_ARTICLES articles, in the file's order. */
export function newsSplit(articlesPerAuthor: ReadonlyMap<string, number>, sha256hex: Sha256Hex): PersonSplit {
  const eligible = [...articlesPerAuthor].filter(([a, n]) => a && n >= MIN_NEWS_ARTICLES).map(([a]) => a);
  return splitPersons(eligible, SPLIT_SIZES.news.val, SPLIT_SIZES.news.test, sha256hex);
}
