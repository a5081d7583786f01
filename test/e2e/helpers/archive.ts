// Builds a Twitter/X archive's data/tweets.js from real tweets in ../shared/data, the
// way the archive download lays it out, for the large-import test.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { obamaCsv } from './paths.js';
import type { DroppedFile } from '../pages/studio.js';

/** Real tweet texts: the 8,000 of users40.jsonl, then the Obama export's text column. */
async function realTweets(): Promise<string[]> {
  const out: string[] = [];
  const jsonl = await readFile(join(obamaCsv, '../users40.jsonl'), 'utf8');
  for (const line of jsonl.split('\n')) if (line.trim()) out.push((JSON.parse(line) as { text: string }).text);
  // The CSV's text column is the second field; a small quoted-CSV reader is enough for it.
  const csv = await readFile(obamaCsv, 'utf8');
  let field = '';
  let row: string[] = [];
  let quoted = false;
  for (let i = 0; i < csv.length; i++) {
    const c = csv[i]!;
    if (quoted) {
      if (c === '"' && csv[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field);
      if (row[1] && row[0] !== 'created_at') out.push(row[1]);
      row = [];
      field = '';
    } else field += c;
  }
  return out;
}

/** `window.YTD.tweets.part0 = [...]` with `count` distinct real tweets. */
export async function tweetsJs(count: number): Promise<{ text: string; tweets: number }> {
  const texts = [...new Set(await realTweets())].slice(0, count);
  if (texts.length < count) throw new Error(`only ${texts.length} distinct real tweets on hand`);
  const start = Date.UTC(2015, 0, 1);
  const items = texts.map((full_text, i) => ({
    tweet: {
      id_str: String(1_000_000_000_000 + i),
      full_text,
      created_at: new Date(start + i * 3_600_000).toUTCString().replace('GMT', '+0000'),
      retweeted: false,
      in_reply_to_status_id_str: null,
      lang: 'en',
    },
  }));
  return { text: `window.YTD.tweets.part0 = ${JSON.stringify(items, null, 1)}`, tweets: texts.length };
}

/** A dropped JSONL file of these texts, one `{"text": ...}` a line, the app's simplest import format. */
export function jsonlFile(texts: readonly string[], name = 'tweets.jsonl'): DroppedFile {
  return { name, bytes: Buffer.from(texts.map((text) => JSON.stringify({ text })).join('\n') + '\n'), type: 'application/json' };
}
