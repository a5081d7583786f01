import { MAX_DOC_CHARS } from './types.js';
import type { CsvRow } from './csv.js';

/** Longest record the reader holds; past it, an open quote is taken to be unbalanced. */
export const MAX_CSV_RECORD_CHARS = 2 * MAX_DOC_CHARS;

const enum Q {
  FieldStart,
  Unquoted,
  Quoted,
  /** A '"' inside a quoted field: the next character says whether it closed the field or was doubled. */
  QuoteInQuoted,
  /** A '\r' ended the record: a '\n' right after it belongs to the same line break. */
  AfterCr,
  /** After a broken record whose first line had not been read to its end: skip to that line's end. */
  SkipLine,
}

const LINE_BREAK = /\r\n|\r|\n/g;

function lineBreaks(cells: string[]): number {
  let n = 0;
  for (const c of cells) {
    if (c.length && (c.includes('\n') || c.includes('\r'))) n += c.match(LINE_BREAK)!.length;
  }
  return n;
}

/**
 * Streams CSV records (RFC 4180: quoted fields may hold delimiters, doubled
 * quotes and line breaks) with the line each record starts on. We read CSV here
 * instead of with a library because of how errors are recovered:
 *
 * - A record ends at \n, \r\n or a lone \r, whichever the file uses, even where
 *   it mixes them (a file edited on two systems), so rows never run together.
 * - A quote inside an unquoted field is text (tweets are full of them).
 * - An unbalanced quote (a quoted field whose closing quote is missing, or a
 *   quote inside a quoted field that is not doubled) makes its record an error,
 *   and reading starts again at the line after the one the record started on.
 *   csv-parse either stops there or lets the open quote swallow the rows after
 *   it; here one bad row costs one row.
 */
export async function* readCsvRows(chunks: AsyncIterable<string>, delimiter = ','): AsyncGenerator<CsvRow> {
  const delim = delimiter.charCodeAt(0);
  // In an unquoted field only the delimiter and line breaks matter.
  const stop = new RegExp(`[${delimiter === '\t' ? '\\t' : delimiter.replace(/[\\\]^-]/g, '\\$&')}\\r\\n]`, 'g');
  let state: Q = Q.FieldStart;
  let cells: string[] = [];
  let field: string[] = [];
  let recordChars = 0;
  // The current record's raw text from earlier chunks, to read it again from its second line when it turns out broken.
  let raw: string[] = [];
  let recLine = 1;
  // Text to read again after a broken record (at most one piece at a time).
  const queue: string[] = [];
  let srcDone = false;
  let first = true;

  const endField = () => {
    cells.push(field.length === 1 ? field[0]! : field.join(''));
    field = [];
  };
  const reset = () => {
    cells = [];
    field = [];
    raw = [];
    recordChars = 0;
  };
  const endRecord = (): CsvRow => {
    endField();
    const row: CsvRow = { cells, line: recLine };
    recLine += lineBreaks(cells) + 1;
    reset();
    return row;
  };
  /** The record that started at recLine is broken: report it, and read again from the line after its first. */
  const resync = (message: string, rest: string): CsvRow => {
    const text = raw.join('') + rest;
    LINE_BREAK.lastIndex = 0;
    const m = LINE_BREAK.exec(text);
    const row: CsvRow = { cells: [], line: recLine, error: `CSV error: ${message}` };
    recLine++;
    reset();
    if (m) {
      queue.push(text.slice(m.index + m[0].length));
      // A '\r' at the very end may be the first half of a '\r\n'.
      state = m[0] === '\r' && m.index + 1 === text.length ? Q.AfterCr : Q.FieldStart;
    } else state = Q.SkipLine;
    return row;
  };

  const src = chunks[Symbol.asyncIterator]();
  for (;;) {
    let chunk = queue.pop();
    if (chunk === undefined && !srcDone) {
      const next = await src.next();
      if (next.done) srcDone = true;
      else {
        chunk = next.value;
        if (first && chunk.length) {
          first = false;
          if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
        }
      }
    }
    if (chunk === undefined) {
      if (state === Q.Quoted) {
        yield resync('the quoted field is not closed before the end of the file (an unbalanced quote)', '');
        continue;
      }
      if (state === Q.Unquoted || state === Q.QuoteInQuoted || (state === Q.FieldStart && cells.length)) yield endRecord();
      return;
    }
    const len = chunk.length;
    // Where the current record's raw text starts in this chunk (0: in an earlier one).
    let recStart = 0;
    let i = 0;
    let error: string | null = null;
    scan: while (i < len) {
      switch (state as Q) {
        case Q.SkipLine: {
          const nl = chunk.slice(i).search(/[\r\n]/);
          if (nl === -1) {
            recStart = i = len;
            break scan;
          }
          i += nl + 1;
          recStart = i;
          state = chunk.charCodeAt(i - 1) === 13 ? Q.AfterCr : Q.FieldStart;
          continue;
        }
        case Q.AfterCr:
          state = Q.FieldStart;
          if (chunk.charCodeAt(i) === 10) recStart = ++i;
          continue;
        case Q.FieldStart:
          if (chunk.charCodeAt(i) === 34) {
            state = Q.Quoted;
            i++;
          } else state = Q.Unquoted;
          continue;
        case Q.Unquoted: {
          stop.lastIndex = i;
          const m = stop.exec(chunk);
          const at = m ? m.index : len;
          field.push(chunk.slice(i, at));
          recordChars += at - i;
          if (recordChars > MAX_CSV_RECORD_CHARS) {
            error = `the row runs past ${MAX_CSV_RECORD_CHARS} characters`;
            break scan;
          }
          if (!m) {
            i = len;
            break scan;
          }
          i = at + 1;
          const d = chunk.charCodeAt(at);
          if (d === delim) {
            endField();
            state = Q.FieldStart;
          } else {
            yield endRecord();
            recStart = i;
            state = d === 13 ? Q.AfterCr : Q.FieldStart;
          }
          continue;
        }
        case Q.Quoted: {
          const q = chunk.indexOf('"', i);
          const at = q === -1 ? len : q;
          field.push(chunk.slice(i, at));
          recordChars += at - i;
          if (recordChars > MAX_CSV_RECORD_CHARS) {
            error = `a quoted field runs past ${MAX_CSV_RECORD_CHARS} characters: its closing quote is missing (an unbalanced quote)`;
            break scan;
          }
          if (q === -1) {
            i = len;
            break scan;
          }
          i = q + 1;
          state = Q.QuoteInQuoted;
          continue;
        }
        case Q.QuoteInQuoted: {
          const c = chunk.charCodeAt(i);
          i++;
          if (c === 34) {
            // A doubled quote is one quote of text.
            field.push('"');
            recordChars++;
            state = Q.Quoted;
          } else if (c === delim) {
            endField();
            state = Q.FieldStart;
          } else if (c === 10 || c === 13) {
            yield endRecord();
            recStart = i;
            state = c === 13 ? Q.AfterCr : Q.FieldStart;
          } else {
            error = 'a quote inside a quoted field is not doubled, or the closing quote of a field is missing (an unbalanced quote)';
            break scan;
          }
          continue;
        }
      }
    }
    if (error !== null) {
      yield resync(error, chunk.slice(recStart));
      continue;
    }
    if (recStart < len) raw.push(recStart === 0 ? chunk : chunk.slice(recStart));
  }
}
