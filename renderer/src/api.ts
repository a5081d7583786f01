// The renderer's only door to the main side. `window.api` is installed by the
// Electron preload or, in a browser, by the web client; both build it from the
// shared contract (main/ipc/contract.ts), so its type is derived there, not
// restated here. This module adds helpers that turn a failed Result into a thrown
// ApiError, so components can use ordinary try/catch.
import type { Api, Result } from '../../main/ipc/contract';

export type {
  Api,
  AppError,
  ClosestDocument,
  DocKind,
  DocsUsed,
  DocumentItem,
  DocumentLocation,
  ExportFile,
  ExportResult,
  GenerationItem,
  HeldImport,
  ImportPhase,
  ImportProgress,
  ImportRowError,
  PackSummary,
  Page,
  ProfileSummary,
  QueueStatus,
  RestyleStreamEvent,
  Result,
  SettingsInfo,
  Task as TaskId,
} from '../../main/ipc/contract';

/** What a restyle may draw on: every document, none, or the N most relevant to the draft. */
export type DocSelection = 'all' | 'none' | { relevant: number };

/** One row of a pack's evaluation table (models/PACK_FORMAT.md). */
export interface EvalRow {
  n_docs: number;
  /** null (or absent) where the report did not measure it, e.g. ROUGE-L of a perplexity-only run. */
  ppl: number | null;
  rouge_l: number | null;
  prefix_tokens?: number;
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
  if (!a) throw new ApiError('HOST_UNAVAILABLE', 'No host is connected: open the app from its window or from the address the web host printed.');
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
