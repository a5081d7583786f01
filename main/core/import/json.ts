import { splitJsonArray, type ArrayElement } from './json-array-splitter.js';
import { MAX_LINE_CHARS, splitLines } from './lines.js';
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
    if (el.json === null) {
      yield { type: 'error', line: el.line, message: el.message, lost: el.lost };
      continue;
    }
    for (const piece of el.broken === undefined ? [el] : resync(el)) {
      let value: unknown;
      try {
        value = JSON.parse(piece.json);
      } catch (err) {
        const why = piece.broken ?? (err as Error).message.replace(/ in JSON at position \d+.*$/s, '');
        yield { type: 'error', line: piece.line, message: `invalid JSON: ${why}` };
        continue;
      }
      const ev = recordToEvent(value, piece.line, opts, opts.twitter === true);
      if (first) {
        first = false;
        const fatal = noTextFieldError(ev, 'field');
        if (fatal) throw fatal;
      }
      yield ev;
    }
  }
}

/**
 * Cuts an element whose brackets do not add up back into the elements it
 * swallowed. A missing "}" makes the splitter read every later element into
 * this one; in a pretty-printed file (a Twitter archive, JSON.stringify with
 * indent) each element still starts on its own line with "{" at the column the
 * first one did, so the text is cut at those lines and each piece parsed alone:
 * one broken record is lost instead of the rest of the file.
 */
function resync(el: ArrayElement): ArrayElement[] {
  if (el.column === undefined || el.column < 0) return [el];
  const lead = el.json[0];
  const lines = el.json.split('\n');
  const out: ArrayElement[] = [];
  let from = 0;
  const cut = (to: number) => {
    const json = lines
      .slice(from, to)
      .join('\n')
      .replace(/[\s,]+$/, '');
    if (json) out.push({ json, line: el.line + from });
    from = to;
  };
  for (let k = 1; k < lines.length; k++) {
    const l = lines[k]!;
    if (l[el.column] === lead && l.slice(0, el.column).trim() === '') cut(k);
  }
  cut(lines.length);
  // Not cut: the element stands alone, and the splitter's reason says best what is wrong with it.
  return out.length > 1 ? out : [el];
}

const LONG = (n: number) => n.toLocaleString('en-US');

/** Records of a JSON Lines file: one JSON value per line, blank lines ignored. */
export async function* parseJsonLines(chunks: AsyncIterable<string>, opts: RecordOptions): AsyncGenerator<ParseEvent> {
  let first = true;
  let any = false;
  for await (const l of splitLines(chunks, MAX_LINE_CHARS)) {
    const line = l.line;
    if (l.text === null) {
      const message = `line ${line} is ${LONG(l.length)} characters long, more than the ${LONG(MAX_LINE_CHARS)} one JSON Lines record may have; it was skipped`;
      if (first) throw new ImportParseError(message, line);
      any = true;
      yield { type: 'error', line, message };
      continue;
    }
    const text = l.text;
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
