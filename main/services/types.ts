// The service contract the three hosts (Electron IPC, web host, CLI) share.
// Every input and output is plain serialisable data (no class instances, no
// functions) so it crosses IPC, HTTP and SSE unchanged; the only non-JSON values
// are AbortSignals and callbacks, which each host maps onto its own transport.
// Failures are thrown as ServiceError with a stable code (see errors.ts).

import type { DocKind, ImportFormat, QueueState, Task } from '../core/inputs.js';

// Declared once in the pure core (with the input schemas every host parses with).
export { DOC_KINDS, TASKS, type DocKind, type ImportFormat, type QueueState, type Task } from '../core/inputs.js';

export type ServiceErrorCode =
  | 'NOT_FOUND'
  | 'INVALID_INPUT'
  | 'CONFLICT'
  | 'IMPORT_FAILED'
  | 'PACK_INVALID'
  | 'NO_PACK'
  | 'NO_DOCUMENTS'
  | 'SCHEMA_TOO_NEW'
  | 'DB_CORRUPT'
  | 'DISK_FULL'
  | 'CANCELLED'
  | 'INFERENCE_FAILED'
  | 'BUSY'
  | 'INTERNAL';

export interface ServiceErrorData {
  code: ServiceErrorCode;
  message: string;
  /** Extra structured detail, e.g. the row errors of a failed import. */
  details?: unknown;
}

// ---------------------------------------------------------------- profiles

export interface CompressionStatus {
  /** The active pack these counts refer to; null when no pack is active. */
  packId: string | null;
  compressed: number;
  pending: number;
  /** Documents kept from a cancelled import and not learned (not pending either: nothing will learn them unless asked). */
  held?: number;
}

export interface ProfileSummary {
  id: number;
  name: string;
  createdAt: string;
  docCounts: Record<DocKind, number>;
  compression: CompressionStatus;
}

// ---------------------------------------------------------------- documents

export interface DocumentItem {
  id: number;
  profileId: number;
  kind: DocKind;
  text: string;
  /** Where it came from: file name plus line or archive entry. */
  source: string;
  /** The document's own date when the source had one (ISO 8601). */
  writtenAt: string | null;
  importedAt: string;
  /** Compressed with the active pack. */
  compressed: boolean;
  /** Kept from an import the user cancelled: not learned, and not waiting to be. */
  held?: boolean;
}

export interface DocumentListRequest {
  profileId: number;
  kind?: DocKind;
  /** FTS5 query over the text (plain words; quoted phrases allowed). */
  search?: string;
  offset?: number;
  /** At most 500. */
  limit?: number;
}

/** Where a document sits in the Library: its row in the profile's unfiltered list (newest first). */
export interface DocumentLocation {
  document: DocumentItem;
  /** 0-based position in `documents.list({profileId})` with no kind or search filter. */
  index: number;
}

export interface Page<T> {
  items: T[];
  total: number;
  offset: number;
  limit: number;
}

// ---------------------------------------------------------------- import

export interface ImportOptions {
  /** Overrides the kind the format implies (tweets for archives/CSV/JSON, articles for md/html/txt). */
  kind?: DocKind;
  /** Overrides detection by extension and content. */
  format?: ImportFormat;
  /** Twitter archives: keep replies (default false). Retweets are always skipped unless includeRetweets. */
  includeReplies?: boolean;
  includeRetweets?: boolean;
  /** CSV/JSON: the column or field holding the text (default: text, full_text, tweet, content, body). */
  textColumn?: string;
  /** Plain text: one document per blank-line-separated block ('blocks') or per file ('file'). */
  textSplit?: 'blocks' | 'file';
  /** Text encoding when the file has no byte-order mark (default utf-8), e.g. 'windows-1252'. */
  encoding?: string;
  /** 'skip' imports the good rows and reports the bad ones; 'abort' imports nothing if any row is bad. Default 'skip'. */
  onBadRow?: 'skip' | 'abort';
}

export interface ImportRequest {
  path: string;
  /** The name the user knows the file by (default: the path's base name); every message and label uses it, never the path. */
  name?: string;
  profileId: number;
  options?: ImportOptions;
}

export interface ImportInspectRequest {
  path: string;
  /** As in ImportRequest. */
  name?: string;
  /** The encoding and text column the import would use (the user's current choices). */
  options?: Pick<ImportOptions, 'encoding' | 'textColumn' | 'format'>;
}

/** How one encoding reads the inspected sample. */
export interface EncodingReading {
  encoding: string;
  /** CSV rows (header not counted), records of JSON and tweet archives, or non-blank lines of text files. Rows skipped on purpose (retweets, blanks) are not counted. */
  unit: 'row' | 'record' | 'line';
  total: number;
  /** Of those, how many hold bytes the encoding cannot decode. */
  unreadable: number;
}

/** What the import of a file will meet, read from its head (see services/import-inspect.ts). */
export interface ImportInspection {
  /** The user's name for the file. */
  file: string;
  format: ImportFormat | null;
  /** The zip entry inspected (a Twitter/X archive's first tweets part, or a blog export's first article), else null. */
  entry: string | null;
  bytes: number;
  /** Bytes read for the inspection (the head of the file or entry). */
  sampleBytes: number;
  /** The sample is the whole file (or entry). */
  complete: boolean;
  encoding: {
    /** What the import will decode with: the byte-order mark's encoding, else the chosen one (default utf-8). */
    chosen: string;
    bom: string | null;
    ascii: boolean;
    validUtf8: boolean;
    /** The detector's best guess (TextDecoder label) and its confidence, 0-100. */
    detected: string | null;
    confidence: number | null;
    /** The encoding to propose instead of `chosen` (the bytes speak against the choice), else null. */
    suggested: string | null;
    /** How `chosen`, and `suggested` when set, read the sample. */
    readings: EncodingReading[];
  };
  /** CSV only: the header's columns, the first data row, and the column the import would read (null: none found, the user must pick). */
  csv: { columns: string[]; sample: string[] | null; textColumn: string | null; headerless: boolean } | null;
  /** The file cannot be read this way at all (what the import would report); the rest is then best effort. */
  error: string | null;
}

export interface ImportRowError {
  file: string;
  /** 1-based line in the decoded file (or in the archive entry); null when not line-bound. */
  line: number | null;
  message: string;
  /** How many of the file's records this error cost: 1 for a bad row, 0 for a slip read past, null for "the rest of this file or archive entry" (not counted). */
  lost?: number | null;
}

export type ImportPhase = 'queued' | 'parsing' | 'storing' | 'compressing' | 'done' | 'failed' | 'cancelled';

export interface ImportProgress {
  jobId: string;
  profileId: number;
  file: string;
  format: ImportFormat | null;
  phase: ImportPhase;
  /** Documents read from the file so far (good rows). */
  parsed: number;
  /** New documents committed. */
  stored: number;
  /** Rows that matched an existing document by content hash. */
  duplicates: number;
  /** Rows skipped on purpose (retweets, replies, empty text). */
  skipped: number;
  /** Bad rows (first 100 kept; errorCount has the total). */
  errors: ImportRowError[];
  errorCount: number;
  /** Records the file held that were not stored because of errors (skipped retweets and duplicates are not lost). */
  lost: number;
  /** Some file or archive entry was not read to its end (truncated, damaged): more records than `lost` may be missing. */
  incomplete: boolean;
  /**
   * Of the stored documents, how many have a committed compression with the active
   * pack. Counted while storing too (the queue learns batches as they commit); after
   * a cancel it no longer changes.
   */
  compressed: number;
  /** Documents this import added that the user removed again (undo); set once they asked. */
  removed?: number;
  bytesRead: number;
  bytesTotal: number;
  /** Reading: documents read per second. Learning: the background queue's rate, the same figure the queue reports. */
  docsPerSec: number;
  /**
   * Reading: time left to read the file. Learning: time until this import's last
   * document is learned at the queue's rate (the documents before it included), so
   * it equals the queue's own estimate when this import is all that is left.
   */
  etaSec: number | null;
  /** Set when phase is 'failed'. */
  error?: ServiceErrorData;
}

/**
 * An import the user cancelled whose kept documents are still in the profile, held
 * back from learning. Read from the store, so it outlives the job (a restart).
 */
export interface HeldImport {
  importId: number;
  profileId: number;
  /** The file as the user named it. */
  file: string;
  startedAt: string;
  /** The import's own end: 'cancelled' mostly; 'interrupted' when the app stopped while it was still being read. */
  status: 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted';
  /** Its documents still in the profile. */
  documents: number;
  /** How many of them are learned with the active pack (those learned before the cancel); 0 without a pack. */
  learned: number;
}

// ---------------------------------------------------------------- compression queue

export interface QueueStatus {
  state: QueueState;
  packId: string | null;
  /** Documents that need a compression with the active pack (all profiles). */
  total: number;
  done: number;
  pending: number;
  /** Documents kept from cancelled imports and not learned; in neither total nor pending. */
  held?: number;
  /** Documents skipped this session because they failed on their own while others compressed (retried after a restart). */
  skipped?: number;
  docsPerSec: number;
  etaSec: number | null;
  error?: ServiceErrorData;
  /** Set while the queue waits for another process on the data folder to release the database (who, in words). */
  waiting?: string;
}

// ---------------------------------------------------------------- restyle

export interface SamplingOptions {
  temperature?: number;
  topK?: number;
  topP?: number;
  repetitionPenalty?: number;
  seed?: number;
  maxNewTokens?: number;
}

export interface RestyleRequest {
  profileId: number;
  task: Task;
  draft: string;
  /**
   * 'all': the stored running mean of the profile (documents of the task's kind:
   * tweets for paraphrase, articles for headline, falling back to all kinds);
   * {relevant: N}: the N documents most relevant to the draft (FTS5 BM25), their
   * stored compressions merged on the fly; 'none': no personalization (baseline).
   */
  docs: 'all' | 'none' | { relevant: number };
  /** Restrict to one kind; default: the task's kind when the profile has such documents. */
  kind?: DocKind | 'any';
  /** Number of candidates, 1..5 (default 3). */
  n?: number;
  sampling?: SamplingOptions;
  /**
   * Save each finished candidate to History (default true). The "without my voice"
   * comparison passes false: a generic rewrite is not the person's suggestion.
   */
  save?: boolean;
  /**
   * Style strength, 0 ("generic") to 1 ("fully me", the default): the merge is
   * reference + strength * (profile mean - reference), the reference being the
   * pack's mean for the task's document kind (tweets for paraphrase, articles for
   * headline). Below 1 it needs a pack with that reference; ignored with docs 'none'.
   */
  strength?: number;
}

/**
 * One of the person's own documents closest to a suggestion: FTS5 BM25 over the words the
 * two share, among the documents the style was learned from.
 */
export interface ClosestDocument {
  id: number;
  kind: DocKind;
  source: string;
  writtenAt: string | null;
  importedAt: string;
  /** The document, or the passage of a long one around the shared words ('…' where cut). */
  snippet: string;
  /** [start, end) character ranges in `snippet` of the words it shares with the suggestion. */
  marks: Array<[number, number]>;
}

/**
 * Which documents a restyle actually merged. `selection` is what was asked for;
 * `used` what the style came from: a {relevant: N} request whose draft shares no
 * word with any document (`matched: 0`) falls back to the whole profile ('all');
 * a profile with no documents at all writes generic suggestions (`used: 'none'`,
 * the same as asking for 'none'). `count` is the number of compressions merged.
 */
export interface DocsUsed {
  selection: 'all' | 'relevant' | 'none';
  /** N of a {relevant: N} request, else null. */
  requested: number | null;
  /** Documents the relevance search found (null unless selection is 'relevant'). */
  matched: number | null;
  used: 'all' | 'relevant' | 'none';
  count: number;
}

export type RestyleEvent =
  // `docs` and `hidden` are optional so that older fakes and recorded streams still type-check; the services always send them.
  | { type: 'start'; restyleId: string; packId: string; usedDocs: number; n: number; docs?: DocsUsed; seed?: number; strength?: number | null }
  | { type: 'token'; candidate: number; tokenId: number; text: string }
  | {
      type: 'candidate-done';
      candidate: number;
      text: string;
      finishReason: 'eos' | 'stop' | 'length' | 'aborted';
      /** History row id (null when the candidate was aborted before any text). */
      generationId: number | null;
      /** Offensive words masked in `text` by the output filter (0 when none, or the filter is off). */
      hidden?: number;
      /** Why `text` looks garbled (core/garbled.ts), or null: the card hides it behind "Show it". */
      garbled?: string | null;
      /** Up to 3 of the documents the style came from that are closest to `text`, best first; [] when none shares a word or no document was used. */
      closest?: ClosestDocument[];
    }
  | { type: 'done'; aborted: boolean };

// ---------------------------------------------------------------- history

export interface GenerationItem {
  id: number;
  profileId: number | null;
  profileName: string | null;
  task: Task;
  draft: string;
  output: string;
  packId: string;
  settings: { docs: RestyleRequest['docs']; usedDocs: number; sampling: SamplingOptions; candidate: number; strength?: number | null };
  createdAt: string;
}

export interface HistoryListRequest {
  profileId?: number;
  /** Keeps the entries whose draft or suggestion contains this text. */
  search?: string;
  offset?: number;
  limit?: number;
}

// ---------------------------------------------------------------- packs

export interface PackSummary {
  id: string;
  name: string;
  description: string;
  dir: string;
  k: number | null;
  dim: number | null;
  valid: boolean;
  /** The PackError message when not valid. */
  error: string | null;
  active: boolean;
  /** The pack's shipped evaluation figures (manifest "evaluation"), if any. */
  evaluation: unknown;
  /** Where the frozen backbone's weights came from (manifest backbone.source), if the pack says. */
  source?: BackboneSource | null;
  /** Document kinds the pack keeps a reference mean for (manifest reference.kinds): style strength works for their tasks. Empty or absent: none. */
  referenceKinds?: DocKind[];
}

export interface BackboneSource {
  name?: string;
  author?: string;
  license?: string;
  source?: string;
}

// ---------------------------------------------------------------- settings

export interface SettingsInfo {
  dataDir: string;
  dbPath: string;
  dbBytes: number;
  schemaVersion: number;
  activePackId: string | null;
  /** onnxruntime intra-op threads as set; 0 = chosen automatically for the pack and this machine. */
  threads: number;
  /** The intra-op threads the loaded model really uses (the automatic choice when threads is 0); null before a model is loaded. */
  threadsInUse: number | null;
  /** The most threads a setting may ask for: the processors this machine offers. */
  maxThreads: number;
  /** Execution provider the loaded model uses ('cpu', 'cuda', ...); null before a model is loaded. */
  provider: string | null;
  packDirs: string[];
  /** Mask offensive words (slurs, profanity) in suggestions; on unless the user turned it off. */
  filterOffensive: boolean;
}

/** A file an earlier export wrote that is still where it was written. */
export interface ExportFile {
  path: string;
  bytes: number;
  /** When it was written (ISO 8601; the file's modification time when the app has no record). */
  exportedAt: string;
}

export interface DeleteAllOptions {
  /** Also delete the files earlier exports wrote (listExports); default false. */
  exports?: boolean;
}

export interface DeleteAllResult {
  /** Export files deleted. */
  exportsDeleted: number;
  /** Export files that are still there (not asked to delete them, or they could not be removed). */
  exportsKept: ExportFile[];
}

export interface SettingsUpdate {
  threads?: number;
  filterOffensive?: boolean;
}

export interface RecomputeResult {
  groups: number;
  documents: number;
  /** Largest absolute difference between the running and the recomputed means before the rewrite (finite means only). */
  maxAbsDiff: number;
  /** Running means that held NaN or an infinity, now rebuilt finite. */
  repaired: number;
  /** Stored compressions that held NaN or an infinity: deleted, their documents queued to compress again. */
  dropped: number;
  ms: number;
}

// ---------------------------------------------------------------- events

export type ServiceEvent =
  | { type: 'import'; progress: ImportProgress }
  | { type: 'queue'; status: QueueStatus }
  | { type: 'data-changed'; what: 'profiles' | 'documents' | 'history' | 'packs' | 'settings'; profileId?: number };

export type Unsubscribe = () => void;

// ---------------------------------------------------------------- the services

export interface ProfilesService {
  list(): ProfileSummary[];
  get(id: number): ProfileSummary;
  create(name: string): ProfileSummary;
  rename(id: number, name: string): ProfileSummary;
  /** Deletes the profile with its documents, compressions, means; its history rows keep their text. */
  delete(id: number): void;
}

export interface DocumentsService {
  list(req: DocumentListRequest): Page<DocumentItem>;
  /** One document and its row in the profile's unfiltered Library list (NOT_FOUND once deleted). */
  locate(id: number): DocumentLocation;
  /**
   * Deletes documents (and their compressions, subtracting them from the means) in one
   * transaction. The token undoes it (restore) for a while: the last 20 deletes, for 10 minutes, in this process.
   */
  delete(ids: number[]): { deleted: number; undoToken: string | null };
  /** Puts the documents of a delete back with their compressions (no re-learning). */
  restore(undoToken: string): { restored: number; alreadyThere: number; profileGone: number };
}

export interface ImportService {
  /** Starts an import job and returns at once; progress arrives as 'import' events. */
  start(req: ImportRequest): { jobId: string };
  /** Reads the head of a file (or of a zip's first useful entry) and says what its import will meet: encoding evidence, CSV columns. Stores nothing. */
  inspect(req: ImportInspectRequest): Promise<ImportInspection>;
  get(jobId: string): ImportProgress;
  list(): ImportProgress[];
  /**
   * Stops the job at once: reading stops, and none of its documents is learned from
   * now on (the batch the queue had in flight is dropped). What it already stored
   * stays, held back from learning, and the job ends in phase 'cancelled' with its
   * final counts. A job that already ended is left as it is.
   */
  cancel(jobId: string): void;
  /**
   * Removes what the job's import added: the documents it inserted (never one that was
   * in the profile before, counted as a duplicate), their compressions, and their share
   * of the profile's running mean. A job still reading is cancelled first.
   */
  undo(jobId: string): Promise<{ removed: number }>;
  /** Lets a cancelled job's kept documents be learned after all; the job goes back to 'compressing' while they are. */
  resume(jobId: string): ImportProgress;
  /** Resolves with the final progress once the job leaves parsing/storing (and compressing when waitForCompression). */
  wait(jobId: string, opts?: { waitForCompression?: boolean }): Promise<ImportProgress>;
  /** A profile's cancelled imports whose kept documents are still there, held back from learning (from the store: also after a restart). */
  held(profileId: number): HeldImport[];
  /**
   * Lifts a held import's hold: the queue learns its documents. Through its job when
   * this process still has it (the import card follows), else from the store. Resolves
   * with how many of its documents are now to be learned. NOT_FOUND for an unknown
   * import, CONFLICT when it is not held.
   */
  release(importId: number): Promise<{ toLearn: number }>;
  /**
   * Removes what a held import inserted (as undo does: never a document that was there
   * before it), in batches that let other calls in between. NOT_FOUND for an unknown
   * import, CONFLICT when it is not held or is being removed already.
   */
  remove(importId: number): Promise<{ removed: number }>;
}

export interface QueueService {
  status(): QueueStatus;
  pause(): QueueStatus;
  resume(): QueueStatus;
  /** Stops the current run; pending documents stay pending and are picked up on resume or restart. */
  cancel(): QueueStatus;
  /** Resolves when nothing is pending (or the queue is paused/failed). */
  drain(signal?: AbortSignal): Promise<QueueStatus>;
}

export interface RestyleService {
  /** Streams n candidates token by token; abort the signal to stop. Each finished candidate is saved to history. */
  run(req: RestyleRequest, signal?: AbortSignal): AsyncIterable<RestyleEvent>;
}

export interface HistoryService {
  list(req?: HistoryListRequest): Page<GenerationItem>;
  /** Soft-deletes; returns the ids so undo can restore them. */
  delete(ids: number[]): { deleted: number };
  undoDelete(ids: number[]): { restored: number };
}

export interface PacksService {
  list(): PackSummary[];
  /** Validates a pack directory; returns the PackError message instead of throwing. */
  validate(dir: string): Promise<{ ok: true; pack: PackSummary } | { ok: false; error: string }>;
  /** Switches the active pack: loads it, keeps other packs' rows, and queues its compressions. */
  setActive(id: string): Promise<PackSummary>;
}

export interface SettingsService {
  get(): SettingsInfo;
  update(patch: SettingsUpdate): Promise<SettingsInfo>;
  /** Writes every profile, document, generation and setting as one JSON file; returns its path and size. */
  exportAll(path: string): Promise<{ path: string; bytes: number }>;
  /** The files earlier exports wrote that are still there (each holds a copy of the user's data). */
  listExports(): ExportFile[];
  /** Deletes every profile, document, compression, mean, generation and setting; with exports: true the export files too. */
  deleteAll(opts?: DeleteAllOptions): DeleteAllResult;
  /** Rebuilds every running mean from the stored compressions. */
  recompute(): RecomputeResult;
}

export interface Services {
  profiles: ProfilesService;
  documents: DocumentsService;
  imports: ImportService;
  queue: QueueService;
  restyle: RestyleService;
  history: HistoryService;
  packs: PacksService;
  settings: SettingsService;
  /** Subscribes to progress and change events (import, queue, data-changed). */
  onEvent(listener: (e: ServiceEvent) => void): Unsubscribe;
  /** Stops the queue, cancels imports, disposes the inference host and closes the database. */
  close(): Promise<void>;
}
