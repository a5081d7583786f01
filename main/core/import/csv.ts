import { decodeTweetEntities, textEvent, toIsoDate } from './records.js';
import { DATE_FIELDS, DEFAULT_TEXT_FIELDS, ImportParseError, type ParseEvent, type RecordOptions } from './types.js';

export interface CsvRow {
  cells: string[];
  /** 1-based line where the record starts. */
  line: number;
  /** Set when the reader could not parse this record (cells are then empty). */
  error?: string;
}

export interface CsvLayout {
  hasHeader: boolean;
  textIndex: number;
  dateIndex: number | null;
  retweetIndex: number | null;
  columns: string[];
}

const norm = (s: string) =>
  s
    .replace(/^\uFEFF/, '')
    .trim()
    .toLowerCase();

/**
 * Decides from the first row whether it is a header and which column holds the
 * text. A first row containing the requested or a known text column name is a
 * header; a one-column file without one is headerless text; anything else has
 * no text column we can trust, and the error lists the columns found.
 */
export function detectCsvLayout(first: string[], opts: RecordOptions): CsvLayout {
  const names = first.map(norm);
  const idx = (candidates: readonly string[]) => {
    for (const c of candidates) {
      const i = names.indexOf(c);
      if (i !== -1) return i;
    }
    return -1;
  };
  const columns = first.map((c) => c.replace(/^\uFEFF/, '').trim());
  if (opts.textField) {
    const i = names.indexOf(norm(opts.textField));
    if (i === -1) {
      throw new ImportParseError(`the CSV has no column "${opts.textField}"; columns found: ${columns.join(', ') || '(none)'}`, 1);
    }
    return layout(i);
  }
  const i = idx(DEFAULT_TEXT_FIELDS);
  if (i !== -1) return layout(i);
  if (first.length === 1) return { hasHeader: false, textIndex: 0, dateIndex: null, retweetIndex: null, columns: [] };
  throw new ImportParseError(`the CSV has no text column (looked for ${DEFAULT_TEXT_FIELDS.join(', ')}); columns found: ${columns.join(', ') || '(none)'}. Choose the column holding the text.`, 1);

  function layout(textIndex: number): CsvLayout {
    const d = idx(DATE_FIELDS);
    const rt = idx(['is_retweet', 'retweeted', 'isretweet']);
    return { hasHeader: true, textIndex, dateIndex: d === -1 ? null : d, retweetIndex: rt === -1 ? null : rt, columns };
  }
}

/** Turns CSV rows (from any CSV reader) into parse events; the first row decides the layout. */
export async function* parseCsvRows(rows: AsyncIterable<CsvRow>, opts: RecordOptions): AsyncGenerator<ParseEvent> {
  let lay: CsvLayout | null = null;
  let any = false;
  for await (const row of rows) {
    if (row.error !== undefined) {
      yield { type: 'error', line: row.line, message: row.error };
      continue;
    }
    if (!lay) {
      lay = detectCsvLayout(row.cells, opts);
      if (lay.hasHeader) continue;
    }
    if (row.cells.length === 1 && row.cells[0]!.trim() === '') continue;
    any = true;
    const text = row.cells[lay.textIndex];
    if (text === undefined) {
      yield { type: 'error', line: row.line, message: `the row has ${row.cells.length} columns; the text column is number ${lay.textIndex + 1}` };
      continue;
    }
    if (!opts.includeRetweets) {
      const rt = lay.retweetIndex === null ? '' : norm(row.cells[lay.retweetIndex] ?? '');
      if (rt === 'true' || rt === '1' || /^RT @\w+/.test(text)) {
        yield { type: 'skip', line: row.line, reason: 'retweet' };
        continue;
      }
    }
    const date = lay.dateIndex === null ? null : toIsoDate(row.cells[lay.dateIndex]);
    yield textEvent(decodeTweetEntities(text), row.line, date, false);
  }
  if (!lay) throw new ImportParseError('the file is empty', null);
  if (!any && lay.hasHeader) throw new ImportParseError('the CSV has a header but no rows', 1);
}
