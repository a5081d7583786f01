import { splitJsonArray } from './json-array-splitter.js';
import { splitLines } from './lines.js';
import { noTextFieldError, recordToEvent } from './records.js';
import { ImportParseError, type ParseEvent, type RecordOptions } from './types.js';

/**
 * Records of a JSON array file (or of an object whose first field is that array,
 * as in {"data": [...]} API exports), or of a Twitter archive's data/tweets.js
 * (`window.YTD.tweets.part0 = [ {"tweet": {...}}, ... ]`). Retweets are skipped
 * unless asked for; replies are skipped unless includeReplies.
 */
export async function* parseJsonArray(chunks: AsyncIterable<string>, opts: RecordOptions & { twitter?: boolean }): AsyncGenerator<ParseEvent> {
  let first = true;
  for await (const el of splitJsonArray(chunks, { allowAssignmentPrefix: true, allowObjectWrapper: opts.twitter !== true })) {
    let value: unknown;
    try {
      value = JSON.parse(el.json);
    } catch (err) {
      yield { type: 'error', line: el.line, message: `invalid JSON: ${(err as Error).message}` };
      continue;
    }
    const ev = recordToEvent(value, el.line, opts, opts.twitter === true);
    if (first) {
      first = false;
      const fatal = noTextFieldError(ev, 'field');
      if (fatal) throw fatal;
    }
    yield ev;
  }
}

/** Records of a JSON Lines file: one JSON value per line, blank lines ignored. */
export async function* parseJsonLines(chunks: AsyncIterable<string>, opts: RecordOptions): AsyncGenerator<ParseEvent> {
  let first = true;
  let any = false;
  for await (const { text, line } of splitLines(chunks)) {
    const t = line === 1 ? text.replace(/^\uFEFF/, '').trim() : text.trim();
    if (!t) continue;
    any = true;
    let value: unknown;
    try {
      value = JSON.parse(t);
    } catch (err) {
      if (first) throw new ImportParseError(`line 1 of a JSON Lines file is not JSON (${(err as Error).message})`, line);
      yield { type: 'error', line, message: `invalid JSON: ${(err as Error).message}` };
      continue;
    }
    const ev = recordToEvent(value, line, opts, false);
    if (first) {
      first = false;
      const fatal = noTextFieldError(ev, 'field');
      if (fatal) throw fatal;
    }
    yield ev;
  }
  if (!any) throw new ImportParseError('the file is empty', null);
}
