// Runs one import job: detect the format, stream-parse, and commit documents in
// batches (one transaction each), yielding to the event loop between batches so
// the host stays responsive. 'abort' mode validates the whole file first and
// stores nothing if any row is bad; a failure while storing in that mode removes
// what the job stored, so the result is all or nothing either way.
import { stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import {
  ImportParseError,
  defaultKindFor,
  detectFormat,
  parseCsvRows,
  parseHtml,
  parseJsonArray,
  parseJsonLines,
  parseMarkdown,
  parseTextBlocks,
  parseTextWhole,
  type ImportFormat,
  type ParseEvent,
} from '../core/import/index.js';
import { beginImport, deleteDocuments, insertDocuments, updateImport, StoreError, type Database, type NewDocument } from '../store/index.js';
import { checkEncoding, csvRows, decodeBytes, fileBytes, readHead, zipTextEntries, type ByteCounter } from './import-source.js';
import { ServiceError } from './errors.js';
import type { DocKind, ImportOptions, ImportProgress, ImportRowError } from './types.js';

const BATCH = 1000;
const MAX_KEPT_ERRORS = 100;

export interface ImportJobContext {
  db: Database;
  progress: ImportProgress;
  options: ImportOptions;
  path: string;
  signal: AbortSignal;
  emit(p: ImportProgress): void;
  /** Called after each committed batch so the compression queue can pick the documents up. */
  onStored(): void;
  /** Set once the job has an imports row (its documents point at it). */
  importId?: number;
  /**
   * The phase a parse that stored documents ends in: 'compressing' when the queue
   * will learn them. Decided before the last progress event, so a host never sees
   * a 'done' that is about to turn into 'compressing'. Default 'done'.
   */
  afterParse?(p: ImportProgress): 'done' | 'compressing';
}

interface Source {
  /** Label for errors: the file, or file:entry inside an archive. */
  label: string;
  events: AsyncIterable<ParseEvent>;
  /** The kind this source's documents have unless the user chose one. */
  kind?: DocKind;
  /** One document among many (an entry of a zip of articles): its failure is a row error, not the import's. */
  isRow?: boolean;
}

async function* sources(path: string, format: ImportFormat, opts: ImportOptions, counter: ByteCounter, signal: AbortSignal): AsyncGenerator<Source> {
  const file = basename(path);
  const rec = { textField: opts.textColumn, includeReplies: opts.includeReplies ?? false, includeRetweets: opts.includeRetweets ?? false };
  if (format === 'twitter-zip') {
    for await (const entry of zipTextEntries(path, counter)) {
      const label = `${file}:${entry.name}`;
      const text = decodeBytes(entry.bytes, label, undefined, opts.encoding);
      if (entry.role === 'tweets') {
        yield { label, events: parseJsonArray(text, { ...rec, twitter: true }) };
        continue;
      }
      // One document per entry, read the way a single file of its type is (detect.ts knows the extensions).
      const type = detectFormat(entry.name, '');
      const events = type === 'markdown' ? parseMarkdown(text) : type === 'html' ? parseHtml(text) : parseTextWhole(text);
      yield { label, events, kind: 'article', isRow: true };
    }
    return;
  }
  const text = decodeBytes(fileBytes(path, signal), file, counter, opts.encoding);
  switch (format) {
    case 'tweets-js':
      yield { label: file, events: parseJsonArray(text, { ...rec, twitter: true }) };
      return;
    case 'json':
      yield { label: file, events: parseJsonArray(text, rec) };
      return;
    case 'jsonl':
      yield { label: file, events: parseJsonLines(text, rec) };
      return;
    case 'csv':
      yield { label: file, events: parseCsvRows(csvRows(text, file, extname(path).toLowerCase() === '.tsv' ? '\t' : ','), rec) };
      return;
    case 'text':
      yield { label: file, events: textSplit(opts) === 'blocks' ? parseTextBlocks(text) : parseTextWhole(text) };
      return;
    case 'markdown':
      yield { label: file, events: parseMarkdown(text) };
      return;
    case 'html':
      yield { label: file, events: parseHtml(text) };
      return;
  }
}

function textSplit(opts: ImportOptions): 'blocks' | 'file' {
  return opts.textSplit ?? (opts.kind === 'tweet' ? 'blocks' : 'file');
}

/** Picks the format from the options, the extension and the first bytes. */
export async function resolveFormat(path: string, opts: ImportOptions): Promise<ImportFormat> {
  if (opts.format) return opts.format;
  const head = await readHead(path, 512);
  const f = detectFormat(basename(path), head.toString('latin1'));
  if (!f) {
    throw new ServiceError(
      'INVALID_INPUT',
      `${basename(path)}: unknown file type "${extname(path) || '(none)'}"; supported: Twitter/X archive .zip, tweets.js, .csv, .tsv, .json, .jsonl, .txt, .md, .html`,
    );
  }
  return f;
}

/** Runs the job to its end, updating ctx.progress and emitting as it goes. Never throws: failures end in phase 'failed'. */
export async function runImport(ctx: ImportJobContext): Promise<void> {
  const p = ctx.progress;
  const started = Date.now();
  let importId: number | null = null;
  const counter: ByteCounter = { bytes: 0 };
  let lastEmit = 0;
  const emit = (force = false) => {
    const now = Date.now();
    if (!force && now - lastEmit < 100) return;
    lastEmit = now;
    const secs = Math.max((now - started) / 1000, 1e-3);
    p.bytesRead = Math.min(counter.bytes, p.bytesTotal || counter.bytes);
    p.docsPerSec = Math.round((p.parsed / secs) * 10) / 10;
    const rate = counter.bytes / secs;
    p.etaSec = p.phase === 'parsing' || p.phase === 'storing' ? (rate > 0 && p.bytesTotal ? Math.max(0, Math.round((p.bytesTotal - counter.bytes) / rate)) : null) : null;
    ctx.emit({ ...p, errors: [...p.errors] });
  };
  const addError = (e: ImportRowError) => {
    p.errorCount++;
    if (p.errors.length < MAX_KEPT_ERRORS) p.errors.push(e);
  };
  const abortMode = ctx.options.onBadRow === 'abort';
  let batch: NewDocument[] = [];
  const flush = () => {
    if (!batch.length || importId === null) return;
    const r = insertDocuments(ctx.db, p.profileId, batch, importId);
    p.stored += r.inserted;
    p.duplicates += r.duplicates;
    batch = [];
    updateImport(ctx.db, importId, counts(p));
    ctx.onStored();
  };

  try {
    const st = await stat(ctx.path).catch((e: NodeJS.ErrnoException) => {
      throw new ServiceError('INVALID_INPUT', e.code === 'ENOENT' ? `${ctx.path}: no such file` : `${ctx.path}: cannot read (${e.message})`);
    });
    if (!st.isFile()) throw new ServiceError('INVALID_INPUT', `${ctx.path} is not a file`);
    p.bytesTotal = st.size;
    if (st.size === 0) throw new ServiceError('IMPORT_FAILED', `${basename(ctx.path)} is empty (0 bytes)`, { errors: [] });
    if (ctx.options.encoding !== undefined) checkEncoding(ctx.options.encoding);
    const format = await resolveFormat(ctx.path, ctx.options);
    p.format = format;
    const kind: DocKind = ctx.options.kind ?? defaultKindFor(format, ctx.options.textSplit);
    p.phase = 'parsing';
    emit(true);

    if (abortMode) {
      // Pass 1: read everything, store nothing; any bad row stops the import here.
      for await (const src of sources(ctx.path, format, ctx.options, counter, ctx.signal)) {
        for await (const ev of guard(src)) {
          if (ctx.signal.aborted) throw new ServiceError('CANCELLED', 'the import was cancelled');
          if (ev.type === 'error') addError({ file: src.label, line: ev.line, message: ev.message });
          emit();
        }
      }
      if (p.errorCount) {
        throw new ServiceError('IMPORT_FAILED', `${basename(ctx.path)}: ${p.errorCount} bad row${p.errorCount === 1 ? '' : 's'}, nothing was imported (first: ${describe(p.errors[0]!)})`, {
          errors: p.errors,
        });
      }
      counter.bytes = 0;
    }

    importId = beginImport(ctx.db, p.profileId, basename(ctx.path), format, ctx.options);
    ctx.importId = importId;
    p.phase = 'storing';
    for await (const src of sources(ctx.path, format, ctx.options, counter, ctx.signal)) {
      const srcKind = ctx.options.kind ?? src.kind ?? kind;
      for await (const ev of guard(src)) {
        if (ctx.signal.aborted) throw new ServiceError('CANCELLED', 'the import was cancelled');
        if (ev.type === 'doc') {
          p.parsed++;
          batch.push({ kind: srcKind, text: ev.doc.text, source: `${src.label}:${ev.doc.line}`, writtenAt: ev.doc.writtenAt });
          if (batch.length >= BATCH) {
            flush();
            emit();
            await yieldToLoop();
          }
        } else if (ev.type === 'skip') p.skipped++;
        else addError({ file: src.label, line: ev.line, message: ev.message });
      }
    }
    flush();
    updateImport(ctx.db, importId, counts(p), 'done');
    p.phase = ctx.afterParse?.(p) ?? 'done';
    emit(true);
  } catch (err) {
    const e = asServiceError(err, ctx.path);
    // The file as a whole failed (no text column, truncated, bad bytes): keep it in the row errors too.
    if (err instanceof ImportParseError) addError({ file: basename(ctx.path), line: err.line, message: err.message });
    // In 'skip' mode the rows read before a fatal error (a truncated file) are good rows: keep them.
    if (!abortMode && err instanceof ImportParseError && importId !== null) {
      try {
        flush();
      } catch {
        // Disk full while saving them: the batch rolled back whole, earlier batches stay.
      }
    }
    let removed = 0;
    if (importId !== null && abortMode) {
      removed = rollbackImport(ctx.db, importId);
    }
    const partial = !abortMode && e.code !== 'CANCELLED' && err instanceof ImportParseError && p.stored + p.duplicates > 0;
    p.phase = e.code === 'CANCELLED' ? 'cancelled' : partial ? 'done' : 'failed';
    if (p.phase === 'failed') p.error = { code: e.code, message: e.message, details: { errors: p.errors } };
    if (removed) p.stored = 0;
    if (importId !== null) {
      try {
        updateImport(ctx.db, importId, counts(p), p.phase === 'cancelled' ? 'cancelled' : p.phase === 'done' ? 'done' : 'failed', e.message);
      } catch {
        // A full disk can refuse even this bookkeeping write; the documents are already consistent.
      }
    }
    if (p.phase === 'done' && ctx.afterParse) p.phase = ctx.afterParse(p);
    emit(true);
  }
}

async function* guard(src: Source): AsyncGenerator<ParseEvent> {
  try {
    yield* src.events;
  } catch (err) {
    if (src.isRow && err instanceof ImportParseError) {
      yield { type: 'error', line: err.line, message: err.message.startsWith(src.label) ? err.message : `${src.label}: ${err.message}` };
      return;
    }
    if (err instanceof ImportParseError && !err.message.startsWith(src.label.split(':')[0]!)) {
      throw new ImportParseError(`${src.label}${err.line ? `, line ${err.line}` : ''}: ${err.message}`, err.line);
    }
    throw err;
  }
}

function rollbackImport(db: Database, importId: number): number {
  const ids = (db.prepare('SELECT id FROM documents WHERE import_id = ?').all(importId) as Array<{ id: number }>).map((r) => r.id);
  return ids.length ? deleteDocuments(db, ids) : 0;
}

function counts(p: ImportProgress) {
  return { parsed: p.parsed, stored: p.stored, duplicates: p.duplicates, skipped: p.skipped, errorCount: p.errorCount, errors: p.errors };
}

function describe(e: ImportRowError): string {
  return `${e.file}${e.line ? ` line ${e.line}` : ''}: ${e.message}`;
}

function asServiceError(err: unknown, path: string): ServiceError {
  if (err instanceof ServiceError) return err;
  if (err instanceof ImportParseError) return new ServiceError('IMPORT_FAILED', err.message);
  if (err instanceof StoreError) return new ServiceError(err.code === 'DISK_FULL' ? 'DISK_FULL' : 'INTERNAL', err.message);
  const code = (err as { code?: string } | null)?.code;
  if (code === 'SQLITE_FULL') {
    return new ServiceError('DISK_FULL', `${basename(path)}: the disk (or the database size limit) is full; the batch being written was rolled back and earlier batches are intact`);
  }
  if (code === 'ABORT_ERR' || (err as Error)?.name === 'AbortError') return new ServiceError('CANCELLED', 'the import was cancelled');
  return new ServiceError('INTERNAL', `${basename(path)}: ${(err as Error)?.message ?? String(err)}`);
}
