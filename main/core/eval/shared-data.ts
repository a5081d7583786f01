// The JSONL loaders of models/commer/data.py, on a file's text, so a TypeScript
// evaluation reads a shared-data file into the same persons Python does.
import type { Article } from './select.js';
import { pyStripSpace } from './py-text.js';

type Row = Record<string, unknown>;

/** A line of a JSONL file that is not a JSON object; `line` counts from 1. */
export class JsonLineError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

/** The JSON objects of a JSONL text, one a non-blank line; a line that is not one throws JsonLineError. */
export function* jsonRows(text: string): Generator<Row> {
  // Python reads text files with universal newlines; JSON strings hold no raw CR or LF.
  let n = 0;
  for (const raw of text.split(/\r\n|\r|\n/)) {
    n++;
    const line = pyStripSpace(raw);
    if (!line) continue;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (e) {
      throw new JsonLineError(n, `not JSON (${(e as Error).message})`);
    }
    if (typeof row !== 'object' || row === null || Array.isArray(row)) throw new JsonLineError(n, 'expected a JSON object');
    yield row as Row;
  }
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** data.load_tweets_jsonl: `{"user", "text"}` per line, grouped by user in file order; empty texts dropped. */
export function tweetsFromJsonl(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const row of jsonRows(text)) {
    const t = pyStripSpace(str(row.text));
    if (!t) continue;
    const user = row.user === undefined ? 'unknown' : String(row.user);
    const list = out.get(user);
    if (list) list.push(t);
    else out.set(user, [t]);
  }
  return out;
}

/** data.load_news_jsonl: articles grouped by the `authors` string ('' for none); articles without a headline dropped. */
export function newsFromJsonl(text: string): Map<string, Article[]> {
  const out = new Map<string, Article[]>();
  for (const row of jsonRows(text)) {
    const a: Article = { headline: pyStripSpace(str(row.headline)), short_description: pyStripSpace(str(row.short_description)), author: pyStripSpace(str(row.authors)) };
    if (!a.headline) continue;
    const list = out.get(a.author);
    if (list) list.push(a);
    else out.set(a.author, [a]);
  }
  return out;
}
