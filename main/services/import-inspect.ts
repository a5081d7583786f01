// Looks at a file before it is imported, so the app can ask what only the user can
// answer instead of importing wrongly: which encoding a file without a byte-order
// mark is in (the detector's guess, checked against what the chosen encoding would
// make of the same bytes), and, for a CSV without a known text column, which column
// holds the text. Reads only the head of the file or of a zip's first useful entry.
import { stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import chardet from 'chardet';
import { detectCsvLayout, detectFormat, ImportParseError, parseJsonArray, readCsvRows, type ParseEvent } from '../core/import/index.js';
import { checkEncoding, decodeBytes, fileBytes, readHead, zipTextEntries } from './import-source.js';
import { parseText } from './import-runner.js';
import { createTextDecoder } from './windows-1252.js';
import { ServiceError } from './errors.js';
import type { ImportInspection, ImportOptions } from './types.js';

/** How much of a file (or zip entry) inspection reads: enough for a detector and a few thousand rows, fast on any file. */
export const INSPECT_SAMPLE_BYTES = 1024 * 1024;

export interface EncodingEvidence {
  /** The encoding a byte-order mark fixes (it wins over any choice), else null. */
  bom: 'utf-8' | 'utf-16le' | 'utf-16be' | null;
  /** Only bytes below 0x80: every ASCII-compatible encoding reads the sample alike. */
  ascii: boolean;
  /** The sample is valid UTF-8 (a multi-byte character cut at the end of a partial sample is not held against it). */
  validUtf8: boolean;
  /** The detector's best guess, as the TextDecoder label the importer will use; null when it has none. */
  detected: string | null;
  /** The detector's confidence in `detected`, 0-100. */
  confidence: number | null;
}

/**
 * Weighs the evidence for a sample's encoding. Validity decides between UTF-8 and
 * the rest (a sample that is valid UTF-8 and not ASCII is almost surely UTF-8; one
 * that is not valid UTF-8 surely is not); among single- and multi-byte legacy
 * encodings chardet's statistics pick (its ISO-8859-1 becomes windows-1252, which is
 * what TextDecoder reads for that label anyway).
 */
export function detectEncoding(sample: Uint8Array, partial: boolean): EncodingEvidence {
  const bom =
    sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf ? 'utf-8' : sample[0] === 0xff && sample[1] === 0xfe ? 'utf-16le' : sample[0] === 0xfe && sample[1] === 0xff ? 'utf-16be' : null;
  const ascii = sample.every((b) => b < 0x80);
  let validUtf8 = true;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: partial });
  } catch {
    validUtf8 = false;
  }
  if (bom) return { bom, ascii, validUtf8, detected: bom, confidence: 100 };
  if (ascii) return { bom, ascii, validUtf8, detected: null, confidence: null };
  if (validUtf8) return { bom, ascii, validUtf8, detected: 'utf-8', confidence: 100 };
  const evidence = nonAsciiLines(sample, DETECTOR_BYTES);
  for (const m of chardet.analyse(evidence)) {
    const label = decoderLabel(m.name);
    if (!label || label === 'utf-8') continue;
    // Encodings that read these bytes as the very same text cannot be told apart; the common one is named.
    const detected = label !== 'windows-1252' && SINGLE_BYTE.test(label) && sameText(evidence, label, 'windows-1252') ? 'windows-1252' : label;
    return { bom, ascii, validUtf8, detected, confidence: m.confidence };
  }
  return { bom, ascii, validUtf8, detected: null, confidence: null };
}

/** chardet's statistics take ~3 ms per KiB; its verdict is settled well within this much text that needs it. */
const DETECTOR_BYTES = 64 * 1024;
const SINGLE_BYTE = /^(windows-125\d|iso-8859-\d+|koi8-[ru]|macintosh|windows-874|ibm866)$/;

/** The sample's lines that hold non-ASCII bytes, up to max bytes: the only evidence about a legacy encoding, without pages of ASCII between. */
function nonAsciiLines(sample: Uint8Array, max: number): Uint8Array {
  const out = new Uint8Array(Math.min(max, sample.length));
  let n = 0;
  let start = 0;
  let high = false;
  for (let i = 0; i <= sample.length && n < out.length; i++) {
    const b = i < sample.length ? sample[i]! : 10;
    if (b >= 0x80) high = true;
    if (b !== 10) continue;
    if (high) {
      const line = sample.subarray(start, Math.min(i + 1, sample.length, start + out.length - n));
      out.set(line, n);
      n += line.length;
    }
    start = i + 1;
    high = false;
  }
  return out.subarray(0, n);
}

function sameText(bytes: Uint8Array, a: string, b: string): boolean {
  return createTextDecoder(a).decode(bytes) === createTextDecoder(b).decode(bytes);
}

/** chardet's name as the label TextDecoder knows, or null for what it cannot decode (UTF-32, the ISO-2022 families it only names). */
function decoderLabel(name: string): string | null {
  try {
    return new TextDecoder(name).encoding;
  } catch {
    return null;
  }
}

/**
 * The encoding to propose instead of the chosen one, or null. Only where the bytes
 * themselves speak against the choice: UTF-8 chosen and the sample is not valid UTF-8,
 * or a legacy encoding chosen for a sample that is valid UTF-8 with non-ASCII text.
 * Between two legacy encodings the user's choice stands.
 */
export function proposeEncoding(chosen: string, ev: EncodingEvidence): string | null {
  if (ev.bom || ev.ascii) return null;
  if (chosen === 'utf-8') return !ev.validUtf8 && ev.detected && ev.detected !== 'utf-8' ? ev.detected : null;
  return ev.validUtf8 ? 'utf-8' : null;
}

/** What the import will do with one file: the evidence for its encoding and, for a CSV, its columns. */
export async function inspectImport(path: string, name = basename(path), options: Pick<ImportOptions, 'encoding' | 'textColumn' | 'format'> = {}): Promise<ImportInspection> {
  const st = await stat(path).catch(() => null);
  if (!st || !st.isFile()) throw new ServiceError('NOT_FOUND', `${name}: no such file`);
  const chosen = options.encoding ? checkEncoding(options.encoding) : 'utf-8';
  const format = options.format ?? detectFormat(name, (await readHead(path, 512)).toString('latin1'));
  const out: ImportInspection = {
    file: name,
    format,
    entry: null,
    bytes: st.size,
    sampleBytes: 0,
    complete: true,
    encoding: { chosen, bom: null, ascii: true, validUtf8: true, detected: null, confidence: null, suggested: null, readings: [] },
    csv: null,
    error: null,
  };
  if (!format) {
    out.error = `unknown file type "${extname(name) || '(none)'}"`;
    return out;
  }
  try {
    let sample: { bytes: Uint8Array; complete: boolean };
    let role: 'tweets' | 'article' | null = null;
    if (format === 'twitter-zip') {
      sample = { bytes: new Uint8Array(0), complete: true };
      for await (const entry of zipTextEntries(path, undefined, name)) {
        if (entry.problem !== undefined) continue;
        out.entry = entry.name;
        role = entry.role;
        sample = await readSample(entry.bytes, INSPECT_SAMPLE_BYTES);
        break;
      }
    } else sample = await readSample(fileBytes(path), INSPECT_SAMPLE_BYTES);
    out.sampleBytes = sample.bytes.length;
    out.complete = sample.complete;
    // Binary files and UTF-16 without a byte-order mark are refused the way the import refuses them.
    for await (const chunk of decodeBytes(once(sample.bytes), out.entry ? `${name}:${out.entry}` : name)) void chunk;
    const ev = detectEncoding(sample.bytes, !sample.complete);
    const suggested = proposeEncoding(chosen, ev);
    out.encoding = { ...ev, chosen: ev.bom ?? chosen, suggested, readings: [] };
    const read = (enc: string) => {
      const text = once(createTextDecoder(enc).decode(sample.bytes));
      if (format === 'twitter-zip') return role === 'tweets' ? parseJsonArray(text, { twitter: true }) : null;
      // Articles are one record per file: lines say more about where the bad bytes are.
      if (format === 'text' || format === 'markdown' || format === 'html') return null;
      return parseText(format, name, text, { textColumn: options.textColumn });
    };
    for (const enc of suggested ? [out.encoding.chosen, suggested] : [out.encoding.chosen]) {
      const events = read(enc);
      out.encoding.readings.push({
        encoding: enc,
        ...(events ? await countRecords(events, format === 'csv' ? 'row' : 'record') : lineReading(createTextDecoder(enc).decode(sample.bytes), sample.complete)),
      });
    }
    if (format === 'csv') out.csv = await csvColumns(createTextDecoder(suggested ?? out.encoding.chosen).decode(sample.bytes), name.toLowerCase().endsWith('.tsv') ? '\t' : ',', options.textColumn);
  } catch (err) {
    if (!(err instanceof ImportParseError)) throw err;
    const label = out.entry ? `${name}:${out.entry}` : name;
    out.error = err.message.startsWith(label) ? err.message.slice(label.length).replace(/^[:,]?\s*/, '') : err.message;
  }
  return out;
}

async function readSample(bytes: AsyncIterable<Uint8Array>, max: number): Promise<{ bytes: Uint8Array; complete: boolean }> {
  const parts: Uint8Array[] = [];
  let n = 0;
  let complete = true;
  for await (const c of bytes) {
    parts.push(c.subarray(0, max - n));
    n += Math.min(c.length, max - n);
    if (n >= max) {
      // Ending the loop closes the stream: the rest of the file is never read.
      complete = false;
      break;
    }
  }
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return { bytes: out, complete };
}

async function* once<T>(value: T): AsyncGenerator<T> {
  yield value;
}

/**
 * Reads the sample with the import's own parser and counts its records and those
 * that would be refused for bytes the encoding cannot decode. A partial sample may
 * end inside a record; the parser's complaint about that end is not counted.
 */
async function countRecords(events: AsyncIterable<ParseEvent>, unit: 'row' | 'record'): Promise<{ unit: 'row' | 'record'; total: number; unreadable: number }> {
  let total = 0;
  let unreadable = 0;
  try {
    for await (const ev of events) {
      if (ev.type === 'skip') continue;
      total++;
      if (ev.type === 'error' && ev.cause === 'encoding') unreadable++;
    }
  } catch (err) {
    if (!(err instanceof ImportParseError)) throw err;
  }
  return { unit, total, unreadable };
}

function lineReading(text: string, complete: boolean): { unit: 'line'; total: number; unreadable: number } {
  const lines = text.split(/\r\n|\r|\n/);
  if (!complete) lines.pop();
  const used = lines.filter((l) => l.trim() !== '');
  return { unit: 'line', total: used.length, unreadable: used.filter((l) => l.includes('\uFFFD')).length };
}

async function csvColumns(text: string, delimiter: string, textColumn: string | undefined): Promise<NonNullable<ImportInspection['csv']>> {
  const rows: string[][] = [];
  for await (const r of readCsvRows(once(text), delimiter)) {
    if (r.error !== undefined) continue;
    if (r.cells.length === 1 && r.cells[0]!.trim() === '') continue;
    rows.push(r.cells);
    if (rows.length === 2) break;
  }
  const first = rows[0] ?? [];
  try {
    const lay = detectCsvLayout(first, textColumn ? { textField: textColumn } : {});
    if (!lay.hasHeader) return { columns: [], sample: rows[0] ?? null, textColumn: null, headerless: true };
    return { columns: lay.columns, sample: rows[1] ?? null, textColumn: lay.columns[lay.textIndex] ?? null, headerless: false };
  } catch (err) {
    if (!(err instanceof ImportParseError)) throw err;
    return { columns: first.map((c) => c.replace(/^\uFEFF/, '').trim()), sample: rows[1] ?? null, textColumn: null, headerless: false };
  }
}

/** The inspection of a file that could not be looked at (it is gone, or the host refused the reference). */
export function uninspected(file: string, error: string): ImportInspection {
  return {
    file,
    format: null,
    entry: null,
    bytes: 0,
    sampleBytes: 0,
    complete: false,
    encoding: { chosen: 'utf-8', bom: null, ascii: true, validUtf8: true, detected: null, confidence: null, suggested: null, readings: [] },
    csv: null,
    error,
  };
}
