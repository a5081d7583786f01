// Evaluation data files, read as the Python evaluator reads them
// (models/commer/data.py): a tweets JSONL ({user, text}), a tweet CSV export (a
// `text` column, optional `user`), or a news JSONL ({headline, short_description,
// authors}). Persons keep the file's order of their records.

import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Article } from '../core/eval/select.js';
import { pyHtmlUnescape, pyStripSpace } from '../core/eval/py-text.js';
import { JsonLineError, jsonRows, newsFromJsonl, tweetsFromJsonl } from '../core/eval/shared-data.js';

export type EvalData = { kind: 'tweets'; persons: Map<string, string[]> } | { kind: 'news'; persons: Map<string, Article[]> };

export class EvalDataError extends Error {}

function push(m: Map<string, string[]>, key: string, v: string): void {
  const list = m.get(key);
  if (list) list.push(v);
  else m.set(key, [v]);
}

const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));

export function loadEvalData(path: string): EvalData {
  let text: string;
  try {
    // Python reads with errors='replace': invalid UTF-8 becomes U+FFFD here too.
    text = new TextDecoder('utf-8', { fatal: false }).decode(readFileSync(path));
  } catch (e) {
    throw new EvalDataError(`cannot read ${path}: ${(e as Error).message}`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (extname(path).toLowerCase() === '.csv') {
    let rows: Record<string, string>[];
    try {
      rows = parse(text, { columns: true, skip_empty_lines: true, relax_column_count: true }) as Record<string, string>[];
    } catch (e) {
      throw new EvalDataError(`${path}: not a readable CSV (${(e as Error).message})`);
    }
    if (rows.length && !('text' in rows[0]!)) throw new EvalDataError(`${path}: a tweet CSV needs a 'text' column`);
    const persons = new Map<string, string[]>();
    const fallback = basename(path, extname(path));
    for (const r of rows) {
      const t = pyHtmlUnescape(pyStripSpace(str(r.text)));
      if (t) push(persons, str(r.user) || fallback, t);
    }
    return { kind: 'tweets', persons };
  }
  try {
    // The first row tells the format; the loader then reads every line once, and a bad one names its line.
    const first = jsonRows(text).next().value ?? {};
    if ('headline' in first) {
      const persons = newsFromJsonl(text);
      persons.delete(''); // articles without an author belong to nobody
      return { kind: 'news', persons };
    }
    if ('text' in first) return { kind: 'tweets', persons: tweetsFromJsonl(text) };
  } catch (e) {
    if (e instanceof JsonLineError) throw new EvalDataError(`${path}:${e.line}: ${e.message}`);
    throw e;
  }
  throw new EvalDataError(`${path}: not a tweets JSONL ({user, text}), a tweet CSV export or a news JSONL ({headline, short_description, authors})`);
}
