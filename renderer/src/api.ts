// The renderer's only door to the main side. `window.api` is installed by the
// Electron preload or, in a browser, by the web client; this module gives the
// rest of the renderer typed helpers over it that turn a failed Result into a
// thrown ApiError, so components can use ordinary try/catch.
//
// Until the shared contract (main/ipc/contract.ts) lands, the shapes below are the
// renderer's own; they are replaced by imports from the contract when it exists.

export type Result<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };

export type DocKind = 'tweet' | 'article';
export type TaskId = 'paraphrase' | 'headline';

export interface ProfileSummary {
  id: number;
  name: string;
  createdAt: string;
  docCounts: Record<DocKind, number>;
  compression: { packId: string | null; compressed: number; pending: number };
}

export interface DocumentItem {
  id: number;
  profileId: number;
  kind: DocKind;
  text: string;
  source: string;
  writtenAt: string | null;
  importedAt: string;
  compressed: boolean;
}

export interface Page<T> {
  items: T[];
  total: number;
  offset: number;
  limit: number;
}

export type ImportPhase = 'queued' | 'parsing' | 'storing' | 'compressing' | 'done' | 'failed' | 'cancelled';

export interface ImportRowError {
  file: string;
  line: number | null;
  message: string;
}

/** Progress of one file's import job. */
export interface ImportProgress {
  jobId: string;
  profileId: number;
  file: string;
  format: string | null;
  phase: ImportPhase;
  parsed: number;
  stored: number;
  duplicates: number;
  skipped: number;
  errors: ImportRowError[];
  errorCount: number;
  compressed: number;
  bytesRead: number;
  bytesTotal: number;
  docsPerSec: number;
  etaSec: number | null;
  error?: { code: string; message: string };
}

export type DocSelection = 'all' | 'none' | { relevant: number };

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
  task: TaskId;
  draft: string;
  docs: DocSelection;
  n?: number;
  sampling?: SamplingOptions;
}

export type RestyleEvent =
  | { type: 'start'; restyleId: string; packId: string; usedDocs: number; n: number }
  | { type: 'token'; candidate: number; tokenId: number; text: string }
  | { type: 'candidate-done'; candidate: number; text: string; finishReason: 'eos' | 'length' | 'aborted'; generationId: number | null }
  | { type: 'done'; aborted: boolean };

export interface GenerationItem {
  id: number;
  profileId: number | null;
  profileName: string | null;
  task: TaskId;
  draft: string;
  output: string;
  packId: string;
  settings: { docs: DocSelection; usedDocs: number; sampling: SamplingOptions; candidate: number };
  createdAt: string;
}

export interface EvalRow {
  n_docs: number;
  ppl: number;
  rouge_l: number;
  prefix_tokens?: number;
}

export interface PackSummary {
  id: string;
  name: string;
  description: string;
  dir: string;
  k: number | null;
  dim: number | null;
  valid: boolean;
  error: string | null;
  active: boolean;
  evaluation: unknown;
}

export interface SettingsInfo {
  dataDir: string;
  dbPath: string;
  dbBytes: number;
  schemaVersion: number;
  activePackId: string | null;
  threads: number;
  provider: string | null;
  packDirs: string[];
}

export type QueueState = 'idle' | 'running' | 'paused' | 'no-pack' | 'error';
export interface QueueStatus {
  state: QueueState;
  packId: string | null;
  total: number;
  done: number;
  pending: number;
  docsPerSec: number;
  etaSec: number | null;
  error?: { code: string; message: string };
}

export type ServiceEvent =
  | { type: 'import'; progress: ImportProgress }
  | { type: 'queue'; status: QueueStatus }
  | { type: 'data-changed'; what: 'profiles' | 'documents' | 'history' | 'packs' | 'settings'; profileId?: number };

export interface Api {
  profiles: {
    list(): Promise<Result<ProfileSummary[]>>;
    create(req: { name: string }): Promise<Result<ProfileSummary>>;
    rename(req: { id: number; name: string }): Promise<Result<ProfileSummary>>;
    delete(req: { id: number }): Promise<Result<null>>;
  };
  documents: {
    list(req: { profileId: number; search?: string; offset?: number; limit?: number }): Promise<Result<Page<DocumentItem>>>;
    delete(req: { ids: number[] }): Promise<Result<{ deleted: number }>>;
  };
  imports: {
    /** One job per file; progress arrives through onEvent. */
    start(req: { profileId: number; file: File }): Promise<Result<{ jobId: string }>>;
    cancel(req: { jobId: string }): Promise<Result<null>>;
  };
  restyle(req: RestyleRequest, onEvent: (e: RestyleEvent) => void): { cancel(): void; done: Promise<Result<null>> };
  history: {
    list(req: { profileId?: number; offset?: number; limit?: number }): Promise<Result<Page<GenerationItem>>>;
    delete(req: { ids: number[] }): Promise<Result<{ deleted: number }>>;
    undoDelete(req: { ids: number[] }): Promise<Result<{ restored: number }>>;
  };
  packs: {
    list(): Promise<Result<PackSummary[]>>;
    validate(req: { dir: string }): Promise<Result<{ ok: true; pack: PackSummary } | { ok: false; error: string }>>;
    setActive(req: { id: string }): Promise<Result<PackSummary>>;
  };
  settings: {
    get(): Promise<Result<SettingsInfo>>;
    update(req: { threads?: number }): Promise<Result<SettingsInfo>>;
    exportAll(): Promise<Result<{ fileName: string; blob?: Blob; path?: string }>>;
    deleteAll(): Promise<Result<null>>;
  };
  onEvent(cb: (e: ServiceEvent) => void): () => void;
}

declare global {
  interface Window {
    api?: Api;
  }
}

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The installed api; throws a clear error if no host installed one. */
export function api(): Api {
  const a = window.api;
  if (!a) throw new ApiError('no-host', 'No host is connected: open the app from the ComMer Studio window or the URL the web host printed.');
  return a;
}

/** Awaits a Result and returns its value, throwing ApiError on failure. */
export async function unwrap<T>(p: Promise<Result<T>>): Promise<T> {
  const r = await p;
  if (r.ok) return r.value;
  throw new ApiError(r.error.code, r.error.message);
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
