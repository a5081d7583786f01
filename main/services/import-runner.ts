// Runs one import job: detect the format, stream-parse, and commit documents in
// batches (one transaction each), yielding to the event loop between batches so
// the host stays responsive. 'abort' mode validates the whole file first and
// stores nothing if any row is bad; a failure while storing in that mode removes
// what the job stored, so the result is all or nothing either way.
import { stat } from 'node:fs/promises';
import { basename, dirname, extname, sep } from 'node:path';
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
  readCsvRows,
  type ImportFormat,
  type ParseEvent,
} from '../core/import/index.js';
import { beginImport, busyMessage, insertDocuments, isBusyError, retryWhileBusy, rollbackImport, updateImport, StoreError, type Database, type NewDocument } from '../store/index.js';
import { checkEncoding, decodeBytes, fileBytes, readHead, zipTextEntries, type ByteCounter } from './import-source.js';
import { ServiceError } from './errors.js';
import type { DocKind, ImportOptions, ImportProgress, ImportRowError } from './types.js';

const BATCH = 1000;
const MAX_KEPT_ERRORS = 100;
// Beyond each statement's own busy_timeout: how many more times a batch is tried while another
// process on the folder holds the write lock (about a minute in all at the default timeout).
const BUSY_RETRIES = 12;

/** A job's progress before it has read anything: phase 'queued', every count 0. */
export function queuedProgress(jobId: string, profileId: number, file: string): ImportProgress {
  return {
    jobId,
    profileId,
    file,
    format: null,
    phase: 'queued',
    parsed: 0,
    stored: 0,
    duplicates: 0,
    skipped: 0,
    errors: [],
    errorCount: 0,
    lost: 0,
    incomplete: false,
    compressed: 0,
    bytesRead: 0,
    bytesTotal: 0,
    docsPerSec: 0,
    etaSec: null,
  };
}

export interface ImportJobContext {
  db: Database;
  progress: ImportProgress;
  options: ImportOptions;
  path: string;
  signal: AbortSignal;
  emit(p: ImportProgress): void;
  /** Called after each committed batch so the compression queue can pick the documents up. */
  onStored(): void;
  /** The name the user knows the file by (an upload's original name); labels and messages use it, never the path. Default: the path's base name. */
  name?: string;
  /** Set once the job has an imports row (its documents point at it). */
  importId?: number;
  /** The session running the job (store/sessions.ts), recorded on the imports row so other processes leave it alone. */
  owner?: string;
  /**
   * The phase a parse that stored documents ends in: 'compressing' when the queue
   * will learn them. Decided before the last progress event, so a host never sees
   * a 'done' that is about to turn into 'compressing'. Default 'done'.
   */
  afterParse?(p: ImportProgress): 'done' | 'compressing';
  /**
   * Called when the job ends cancelled, before its last progress event: the host
   * holds the stored documents back from learning and sets the final counts, so the
   * 'cancelled' event already carries the figures that stay.
   */
  onCancelled?(p: ImportProgress): void;
}

interface Source {
  /** Label for errors: the file, or file:entry inside an archive. */
  label: string;
  events: AsyncIterable<ParseEvent> | Iterable<ParseEvent>;
  /** The kind this source's documents have unless the user chose one. */
  kind?: DocKind;
  /** One document among many (an entry of a zip of articles): its failure is a row error, not the import's. */
  isRow?: boolean;
  /** The source cannot be read at all (a damaged or encrypted archive entry): an error for it, and the import goes on. */
  problem?: string;
}

async function* sources(path: string, file: string, format: ImportFormat, opts: ImportOptions, counter: ByteCounter, signal: AbortSignal): AsyncGenerator<Source> {
  const rec = { textField: opts.textColumn, includeReplies: opts.includeReplies ?? false, includeRetweets: opts.includeRetweets ?? false };
  if (format === 'twitter-zip') {
    for await (const entry of zipTextEntries(path, counter, file)) {
      const label = `${file}:${entry.name}`;
      if (entry.problem !== undefined) {
        yield { label, events: [], problem: entry.problem };
        continue;
      }
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
  yield { label: file, events: parseText(format, file, text, opts) };
}

/** The parser a single file of this format is read with (a zip's entries are read in sources()). */
export function parseText(format: Exclude<ImportFormat, 'twitter-zip'>, file: string, text: AsyncIterable<string>, opts: ImportOptions): AsyncIterable<ParseEvent> {
  const rec = { textField: opts.textColumn, includeReplies: opts.includeReplies ?? false, includeRetweets: opts.includeRetweets ?? false };
  switch (format) {
    case 'tweets-js':
      return parseJsonArray(text, { ...rec, twitter: true });
    case 'json':
      return parseJsonArray(text, rec);
    case 'jsonl':
      return parseJsonLines(text, rec);
    case 'csv':
      return parseCsvRows(readCsvRows(text, extname(file).toLowerCase() === '.tsv' ? '\t' : ','), rec);
    case 'text':
      return textSplit(opts) === 'blocks' ? parseTextBlocks(text) : parseTextWhole(text);
    case 'markdown':
      return parseMarkdown(text);
    case 'html':
      return parseHtml(text);
  }
}

function textSplit(opts: ImportOptions): 'blocks' | 'file' {
  return opts.textSplit ?? (opts.kind === 'tweet' ? 'blocks' : 'file');
}

/** Picks the format from the options, the extension and the first bytes. */
export async function resolveFormat(path: string, opts: ImportOptions, name = basename(path)): Promise<ImportFormat> {
  if (opts.format) return opts.format;
  const head = await readHead(path, 512);
  const f = detectFormat(name, head.toString('latin1'));
  if (!f) {
    throw new ServiceError('INVALID_INPUT', `${name}: unknown file type "${extname(name) || '(none)'}"; supported: Twitter/X archive .zip, tweets.js, .csv, .tsv, .json, .jsonl, .txt, .md, .html`);
  }
  return f;
}

/** Runs the job to its end, updating ctx.progress and emitting as it goes. Never throws: failures end in phase 'failed'. */
export async function runImport(ctx: ImportJobContext): Promise<void> {
  const p = ctx.progress;
  const name = ctx.name ?? basename(ctx.path);
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
  // Every error says how many of the file's records it cost: a number, or null for "the rest of this file or entry".
  const addError = (e: ImportRowError & { lost: number | null }) => {
    e.message = hidePath(e.message, ctx.path, name);
    p.errorCount++;
    if (e.lost === null) p.incomplete = true;
    else p.lost += e.lost;
    if (p.errors.length < MAX_KEPT_ERRORS) p.errors.push(e);
  };
  const sourceError = (src: Source, ev: Extract<ParseEvent, { type: 'error' }>) => addError({ file: src.label, line: ev.line, message: ev.message, lost: ev.lost ?? 1 });
  const unreadable = (src: Source) => addError({ file: src.label, line: null, message: src.problem!, lost: null });
  const abortMode = ctx.options.onBadRow === 'abort';
  let batch: NewDocument[] = [];
  const busy = { retries: BUSY_RETRIES, signal: ctx.signal };
  const flush = async () => {
    if (!batch.length || importId === null) return;
    const id = importId;
    const docs = batch;
    // The batch and the counters commit together: a batch retried after a busy error is counted once.
    const r = await retryWhileBusy(
      () =>
        ctx.db
          .transaction(() => {
            const ins = insertDocuments(ctx.db, p.profileId, docs, id);
            const c = { ...counts(p), stored: p.stored + ins.inserted, duplicates: p.duplicates + ins.duplicates };
            if (!updateImport(ctx.db, id, c)) throw lostImport(name);
            return ins;
          })
          .immediate(),
      busy,
    );
    p.stored += r.inserted;
    p.duplicates += r.duplicates;
    batch = [];
    ctx.onStored();
  };

  try {
    const st = await stat(ctx.path).catch((e: NodeJS.ErrnoException) => {
      throw new ServiceError('INVALID_INPUT', e.code === 'ENOENT' ? `${name}: no such file` : `${name}: cannot read (${e.code ?? 'error'})`);
    });
    if (!st.isFile()) throw new ServiceError('INVALID_INPUT', `${name} is not a file`);
    p.bytesTotal = st.size;
    if (st.size === 0) throw new ServiceError('IMPORT_FAILED', `${name} is empty (0 bytes)`, { errors: [] });
    if (ctx.options.encoding !== undefined) checkEncoding(ctx.options.encoding);
    const format = await resolveFormat(ctx.path, ctx.options, name);
    p.format = format;
    const kind: DocKind = ctx.options.kind ?? defaultKindFor(format, ctx.options.textSplit);
    p.phase = 'parsing';
    emit(true);

    if (abortMode) {
      // Pass 1: read everything, store nothing; any bad row stops the import here.
      for await (const src of sources(ctx.path, name, format, ctx.options, counter, ctx.signal)) {
        if (src.problem !== undefined) unreadable(src);
        for await (const ev of guard(src)) {
          if (ctx.signal.aborted) throw new ServiceError('CANCELLED', 'the import was cancelled');
          if (ev.type === 'error') sourceError(src, ev);
          emit();
        }
      }
      if (p.errorCount) {
        throw new ServiceError('IMPORT_FAILED', `${name}: ${p.errorCount} bad row${p.errorCount === 1 ? '' : 's'}, nothing was imported (first: ${describe(p.errors[0]!)})`, {
          errors: p.errors,
        });
      }
      counter.bytes = 0;
      // Pass 2 counts again what it reads.
      p.lost = 0;
      p.incomplete = false;
    }

    importId = await retryWhileBusy(() => beginImport(ctx.db, p.profileId, name, format, ctx.options, ctx.owner ?? null), busy);
    ctx.importId = importId;
    p.phase = 'storing';
    for await (const src of sources(ctx.path, name, format, ctx.options, counter, ctx.signal)) {
      if (src.problem !== undefined) unreadable(src);
      const srcKind = ctx.options.kind ?? src.kind ?? kind;
      for await (const ev of guard(src)) {
        if (ctx.signal.aborted) throw new ServiceError('CANCELLED', 'the import was cancelled');
        if (ev.type === 'doc') {
          p.parsed++;
          batch.push({ kind: srcKind, text: ev.doc.text, source: `${src.label}:${ev.doc.line}`, writtenAt: ev.doc.writtenAt });
          if (batch.length >= BATCH) {
            await flush();
            emit();
            await yieldToLoop();
          }
        } else if (ev.type === 'skip') p.skipped++;
        else sourceError(src, ev);
      }
    }
    await flush();
    const id = importId;
    if (!(await retryWhileBusy(() => updateImport(ctx.db, id, counts(p), 'done'), busy))) throw lostImport(name);
    p.phase = ctx.afterParse?.(p) ?? 'done';
    emit(true);
  } catch (err) {
    const e = asServiceError(err, name, ctx.db);
    // The file as a whole failed (no text column, truncated, bad bytes): keep it in the row errors too, and
    // what was not read of it counts as lost, its number unknown.
    if (err instanceof ImportParseError) {
      const file = err instanceof LabelledParseError ? err.label : name;
      addError({ file, line: err.line, message: unlabelled(file, err.message), lost: null });
    }
    // In 'skip' mode the rows read before a fatal error (a truncated file) are good rows: keep them.
    if (!abortMode && err instanceof ImportParseError && importId !== null) {
      try {
        await flush();
      } catch {
        // Disk full while saving them: the batch rolled back whole, earlier batches stay.
      }
    }
    let removed = 0;
    if (importId !== null && abortMode) {
      const id = importId;
      // Not cancellable: all or nothing must hold even for an import the user stopped.
      removed = await retryWhileBusy(() => rollbackImport(ctx.db, id), { retries: BUSY_RETRIES }).catch(() => 0);
    }
    const partial = !abortMode && e.code !== 'CANCELLED' && err instanceof ImportParseError && p.stored + p.duplicates > 0;
    p.phase = e.code === 'CANCELLED' ? 'cancelled' : partial ? 'done' : 'failed';
    if (p.phase === 'failed') p.error = { code: e.code, message: hidePath(e.message, ctx.path, name), details: { errors: p.errors } };
    if (removed) p.stored = 0;
    if (importId !== null) {
      const id = importId;
      const status = p.phase === 'cancelled' ? 'cancelled' : p.phase === 'done' ? 'done' : 'failed';
      // A full disk (or a folder locked for longer than we wait) can refuse even this bookkeeping write; the documents are already consistent.
      await retryWhileBusy(() => updateImport(ctx.db, id, counts(p), status, e.message), { retries: BUSY_RETRIES }).catch(() => undefined);
    }
    if (p.phase === 'done' && ctx.afterParse) p.phase = ctx.afterParse(p);
    if (p.phase === 'cancelled') ctx.onCancelled?.(p);
    emit(true);
  }
}

/**
 * Where the file lies is nobody's business but the host's (on the web host it is a
 * temp folder of uploads): a message that quotes the path, as an operating-system
 * error does, names the file as the user knows it instead.
 */
export function hidePath(message: string, path: string, name: string): string {
  if (!message.includes(path) && !message.includes(dirname(path))) return message;
  return message
    .split(path)
    .join(name)
    .split(dirname(path) + sep)
    .join('')
    .split(dirname(path))
    .join('(folder)');
}

/** A fatal parse error of one source, with that source's label ("X.zip:data/tweets.js") kept apart from the message. */
class LabelledParseError extends ImportParseError {
  constructor(
    readonly label: string,
    readonly bare: string,
    line: number | null,
    message = `${label}${line ? `, line ${line}` : ''}: ${bare}`,
  ) {
    super(message, line);
  }
}

/** The message without a leading label: the label is shown beside it, once. */
function unlabelled(label: string, message: string): string {
  if (!message.startsWith(label)) return message;
  const rest = message.slice(label.length).replace(/^(, line \d+)?:?\s*/, '');
  return rest || message;
}

async function* guard(src: Source): AsyncGenerator<ParseEvent> {
  try {
    yield* src.events;
  } catch (err) {
    if (!(err instanceof ImportParseError) || err instanceof LabelledParseError) throw err;
    const bare = unlabelled(src.label, err.message);
    // One document among many (an entry of a zip of articles): its failure costs that document.
    if (src.isRow) {
      yield { type: 'error', line: err.line, message: bare };
      return;
    }
    // Messages that already open with the file's name ("x.csv is empty") read as they are.
    if (err.message.startsWith(src.label)) throw new LabelledParseError(src.label, bare, err.line, err.message);
    throw new LabelledParseError(src.label, bare, err.line);
  }
}

function counts(p: ImportProgress) {
  return { parsed: p.parsed, stored: p.stored, duplicates: p.duplicates, skipped: p.skipped, errorCount: p.errorCount, errors: p.errors };
}

function describe(e: ImportRowError): string {
  return `${e.file}${e.line ? ` line ${e.line}` : ''}: ${e.message}`;
}

function lostImport(name: string): ServiceError {
  return new ServiceError(
    'CONFLICT',
    `${name}: another process marked this import as interrupted while it ran (an older ComMer Studio on the same data folder?); what it stored may have been removed, import the file again`,
  );
}

function asServiceError(err: unknown, name: string, db: Database): ServiceError {
  if (err instanceof ServiceError) return err;
  if (isBusyError(err)) return new ServiceError('BUSY', `${name}: ${busyMessage(db)}; try again when it has finished`);
  if (err instanceof ImportParseError) return new ServiceError('IMPORT_FAILED', err.message);
  if (err instanceof StoreError) return new ServiceError(err.code === 'DISK_FULL' ? 'DISK_FULL' : 'INTERNAL', err.message);
  const code = (err as { code?: string } | null)?.code;
  if (code === 'SQLITE_FULL') {
    return new ServiceError('DISK_FULL', `${name}: the disk (or the database size limit) is full; the batch being written was rolled back and earlier batches are intact`);
  }
  if (code === 'ABORT_ERR' || (err as Error)?.name === 'AbortError') return new ServiceError('CANCELLED', 'the import was cancelled');
  return new ServiceError('INTERNAL', `${name}: ${(err as Error)?.message ?? String(err)}`);
}
