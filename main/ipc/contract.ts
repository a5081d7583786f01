// The one contract between the renderer and the main side, shared by every host:
// Electron IPC (preload/), the web host (main/web/) and its browser client
// (main/web/client/). It names every channel (`domain:action`), holds the zod
// schema each request is parsed with on the main side, the response and event
// payload types, and the Result envelope. `Api` (what the renderer sees as
// `window.api`) is derived from the tables below, so a channel added here shows
// up, typed, in both the preload and the browser client.
//
// The renderer bundle imports this module too: it may import zod and type-only
// modules, never node:* or electron.
import { z } from 'zod';
import { docKindSchema, idSchema, idsSchema, importFormatSchema, profileNameSchema, taskSchema } from '../core/inputs.js';
import type {
  DeleteAllResult,
  DocumentItem,
  DocumentLocation,
  DocumentListRequest,
  ExportFile,
  GenerationItem,
  HeldImport,
  HistoryListRequest,
  ImportInspection,
  ImportOptions,
  ImportProgress,
  PackSummary,
  Page,
  ProfileSummary,
  QueueStatus,
  RecomputeResult,
  RestyleEvent,
  RestyleRequest,
  ServiceErrorCode,
  ServiceEvent,
  SettingsInfo,
  SettingsUpdate,
} from '../services/types.js';

export type {
  ClosestDocument,
  DocKind,
  DeleteAllResult,
  DocsUsed,
  DocumentItem,
  DocumentLocation,
  ExportFile,
  GenerationItem,
  EncodingReading,
  HeldImport,
  ImportFormat,
  ImportInspection,
  ImportOptions,
  ImportPhase,
  ImportProgress,
  ImportRowError,
  PackSummary,
  Page,
  ProfileSummary,
  QueueState,
  QueueStatus,
  RecomputeResult,
  RestyleEvent,
  RestyleRequest,
  SamplingOptions,
  SettingsInfo,
  Task,
} from '../services/types.js';

// ---------------------------------------------------------------- Result

/**
 * Service codes plus the ones only a host produces: FORBIDDEN (wrong sender, missing
 * token, foreign origin), PAYLOAD_TOO_LARGE, HOST_UNAVAILABLE (the main side or the
 * web host cannot be reached).
 */
export type ErrorCode = ServiceErrorCode | 'FORBIDDEN' | 'PAYLOAD_TOO_LARGE' | 'HOST_UNAVAILABLE';

export interface AppError {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

/** Thrown errors lose everything but their message across IPC, so every call answers with this. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: AppError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = (code: ErrorCode, message: string, details?: unknown): Result<never> =>
  details === undefined ? { ok: false, error: { code, message } } : { ok: false, error: { code, message, details } };

// ---------------------------------------------------------------- request schemas

// The pieces more than one layer checks live in main/core/inputs.ts (the store parses profile names with the same schema).
const id = idSchema;
const ids = idsSchema;
const docKind = docKindSchema;
const task = taskSchema;
const profileName = profileNameSchema;
const noInput = z.undefined();

const importOptions = z
  .object({
    kind: docKind.optional(),
    format: importFormatSchema.optional(),
    includeReplies: z.boolean().optional(),
    includeRetweets: z.boolean().optional(),
    textColumn: z.string().min(1).max(200).optional(),
    textSplit: z.enum(['blocks', 'file']).optional(),
    encoding: z.string().min(1).max(64).optional(),
    onBadRow: z.enum(['skip', 'abort']).optional(),
  })
  .strict();

/**
 * A file to import. Electron passes the file's path on disk (the preload gets it from
 * webUtils.getPathForFile); the browser client first uploads the bytes and passes the
 * upload id the web host answered with. Each host accepts only its own kind.
 */
const pathRef = z.object({ path: z.string().min(1).max(4096), name: z.string().max(1024).optional() });
const uploadRef = z.object({ uploadId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'not an upload id'), name: z.string().max(1024).optional() });
export const fileRefSchema = z.union([pathRef.strict(), uploadRef.strict()]);
export type FileRef = z.infer<typeof fileRefSchema>;

/** A file to import with options of its own (the encoding or text column the user chose for it), laid over the request's options. */
const importFileSchema = z.union([pathRef.extend({ options: importOptions.optional() }).strict(), uploadRef.extend({ options: importOptions.optional() }).strict()]);
export type ImportFileRef = z.infer<typeof importFileSchema>;

const sampling = z
  .object({
    temperature: z.number().min(0).max(2).optional(),
    topK: z.number().int().min(0).max(1000).optional(),
    topP: z.number().gt(0).max(1).optional(),
    repetitionPenalty: z.number().min(1).max(2).optional(),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .optional(),
    maxNewTokens: z.number().int().min(1).max(1024).optional(),
  })
  .strict();

export const restyleRequestSchema = z
  .object({
    profileId: id,
    task,
    draft: z.string().trim().min(1, 'write a draft first').max(20_000, 'a draft has at most 20000 characters'),
    docs: z.union([z.literal('all'), z.literal('none'), z.object({ relevant: z.number().int().min(1).max(10_000) }).strict()]),
    kind: z.union([docKind, z.literal('any')]).optional(),
    n: z.number().int('the number of suggestions must be a whole number').min(1, 'ask for 1 to 5 suggestions').max(5, 'ask for 1 to 5 suggestions').optional(),
    sampling: sampling.optional(),
    save: z.boolean().optional(),
    strength: z.number().min(0, 'style strength is from 0 (generic) to 1 (fully me)').max(1, 'style strength is from 0 (generic) to 1 (fully me)').optional(),
  })
  .strict();

const page = { offset: z.number().int().min(0).optional(), limit: z.number().int().min(1).max(500).optional() };

/** Request schemas, one per invoke channel; the main side parses every input with these. */
export const requestSchemas = {
  'app:info': noInput,

  'profiles:list': noInput,
  'profiles:create': z.object({ name: profileName }).strict(),
  'profiles:rename': z.object({ id, name: profileName }).strict(),
  'profiles:delete': z.object({ id }).strict(),

  'import:start': z
    .object({
      profileId: id,
      files: z.array(importFileSchema).min(1, 'choose at least one file').max(1000, 'at most 1000 files at once'),
      options: importOptions.optional(),
    })
    .strict(),
  'import:inspect': z
    .object({
      files: z.array(fileRefSchema).min(1, 'choose at least one file').max(1000, 'at most 1000 files at once'),
      options: importOptions.pick({ encoding: true, textColumn: true, format: true }).optional(),
    })
    .strict(),
  'import:list': noInput,
  'import:cancel': z.object({ jobId: z.string().min(1).max(128) }).strict(),
  'import:undo': z.object({ jobId: z.string().min(1).max(128) }).strict(),
  'import:resume': z.object({ jobId: z.string().min(1).max(128) }).strict(),
  // By import id (the store's), not job id: a cancelled import outlives its job (a restart).
  'import:held': z.object({ profileId: id }).strict(),
  'import:release': z.object({ importId: id }).strict(),
  'import:remove': z.object({ importId: id }).strict(),

  'library:list': z.object({ profileId: id, kind: docKind.optional(), search: z.string().max(1000).optional(), ...page }).strict(),
  'library:delete': z.object({ ids }).strict(),
  'library:locate': z.object({ id }).strict(),
  'library:restore': z.object({ undoToken: z.string().uuid('not an undo token') }).strict(),

  'queue:status': noInput,
  'queue:pause': noInput,
  'queue:resume': noInput,

  'restyle:start': restyleRequestSchema,
  'restyle:stop': z.object({ streamId: z.string().min(1).max(128) }).strict(),

  'history:list': z.object({ profileId: id.optional(), search: z.string().max(1000).optional(), ...page }).strict(),
  'history:delete': z.object({ ids }).strict(),
  'history:restore': z.object({ ids }).strict(),

  'packs:list': noInput,
  'packs:validate': z.object({ id: z.string().min(1).max(200) }).strict(),
  'packs:activate': z.object({ id: z.string().min(1).max(200) }).strict(),

  'settings:get': noInput,
  'settings:update': z.object({ threads: z.number().int().min(0).max(256).optional(), filterOffensive: z.boolean().optional() }).strict(),
  'settings:export': noInput,
  'settings:exports': noInput,
  'settings:deleteAll': z.object({ confirm: z.literal('DELETE', { error: 'type DELETE to confirm' }), exports: z.boolean().optional() }).strict(),
  'settings:recompute': noInput,
} as const;

// The schemas restate the service request types so they can be checked at runtime;
// these fail to compile when the two drift apart (a field added on one side only).
// Mutual assignability alone would let an optional field exist on one side only, hence the key check.
type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? SameKeys<A, B> : false) : false;
type InSync<T extends true> = T;
export type SchemasMatchServices = [
  InSync<Same<z.output<typeof importOptions>, ImportOptions>>,
  InSync<Same<z.output<typeof restyleRequestSchema>, RestyleRequest>>,
  InSync<Same<z.output<(typeof requestSchemas)['library:list']>, DocumentListRequest>>,
  InSync<Same<z.output<(typeof requestSchemas)['history:list']>, HistoryListRequest>>,
  InSync<Same<z.output<(typeof requestSchemas)['settings:update']>, SettingsUpdate>>,
];

export type InvokeChannel = keyof typeof requestSchemas;
export const INVOKE_CHANNELS = Object.keys(requestSchemas) as InvokeChannel[];

/** What a caller may send (defaults and optional fields may be left out). */
export type RequestIn<C extends InvokeChannel> = z.input<(typeof requestSchemas)[C]>;
/** What a handler receives after parsing. */
export type RequestOf<C extends InvokeChannel> = z.output<(typeof requestSchemas)[C]>;

// ---------------------------------------------------------------- responses

export interface AppInfo {
  name: string;
  version: string;
  /** Which host serves the renderer. */
  host: 'electron' | 'web';
  platform: string;
}

export interface ExportResult {
  path: string;
  fileName: string;
  bytes: number;
  /** Web host only: a same-origin URL that downloads the file. */
  downloadUrl?: string;
}

export interface ResponseMap {
  'app:info': AppInfo;
  'profiles:list': ProfileSummary[];
  'profiles:create': ProfileSummary;
  'profiles:rename': ProfileSummary;
  'profiles:delete': null;
  'import:start': { jobIds: string[] };
  'import:inspect': ImportInspection[];
  'import:list': ImportProgress[];
  'import:cancel': null;
  /** How many documents the import had added that are now gone. */
  'import:undo': { removed: number };
  'import:resume': ImportProgress;
  /** The profile's cancelled imports whose kept documents are there, not learned. */
  'import:held': HeldImport[];
  /** How many of its documents the queue now learns. */
  'import:release': { toLearn: number };
  /** How many of its documents are now gone. */
  'import:remove': { removed: number };
  'library:list': Page<DocumentItem>;
  'library:delete': { deleted: number; undoToken: string | null };
  'library:locate': DocumentLocation;
  'library:restore': { restored: number; alreadyThere: number; profileGone: number };
  'queue:status': QueueStatus;
  'queue:pause': QueueStatus;
  'queue:resume': QueueStatus;
  'restyle:start': { streamId: string };
  'restyle:stop': null;
  'history:list': Page<GenerationItem>;
  'history:delete': { deleted: number };
  'history:restore': { restored: number };
  'packs:list': PackSummary[];
  'packs:validate': PackSummary;
  'packs:activate': PackSummary;
  'settings:get': SettingsInfo;
  'settings:update': SettingsInfo;
  'settings:export': ExportResult;
  'settings:exports': ExportFile[];
  'settings:deleteAll': DeleteAllResult;
  'settings:recompute': RecomputeResult;
}
export type ResponseOf<C extends InvokeChannel> = ResponseMap[C];

// ---------------------------------------------------------------- events (main -> renderer)

/** A restyle stream's events, tagged with the stream they belong to. 'error' ends a stream that failed. */
export type RestyleStreamEvent = { streamId: string; event: RestyleEvent | { type: 'error'; error: AppError } };

export interface Notice {
  level: 'info' | 'warning' | 'error';
  message: string;
}

export interface EventMap {
  'import:progress': ImportProgress;
  'queue:progress': QueueStatus;
  'data:changed': Omit<Extract<ServiceEvent, { type: 'data-changed' }>, 'type'>;
  'restyle:event': RestyleStreamEvent;
  /** Things the user should hear about that no request asked for (e.g. the model host crashed and was restarted). */
  'app:notice': Notice;
}
export type EventChannel = keyof EventMap;

// ---------------------------------------------------------------- the renderer's Api

/** Plain calls: method name -> channel. importFiles and restyle are composed on top (see Api). */
export const invokeMethods = {
  getAppInfo: 'app:info',
  listProfiles: 'profiles:list',
  createProfile: 'profiles:create',
  renameProfile: 'profiles:rename',
  deleteProfile: 'profiles:delete',
  startImport: 'import:start',
  inspectImport: 'import:inspect',
  listImports: 'import:list',
  cancelImport: 'import:cancel',
  undoImport: 'import:undo',
  resumeImport: 'import:resume',
  listHeldImports: 'import:held',
  releaseHeldImport: 'import:release',
  removeHeldImport: 'import:remove',
  listDocuments: 'library:list',
  deleteDocuments: 'library:delete',
  locateDocument: 'library:locate',
  restoreDocuments: 'library:restore',
  getQueueStatus: 'queue:status',
  pauseQueue: 'queue:pause',
  resumeQueue: 'queue:resume',
  listHistory: 'history:list',
  deleteGenerations: 'history:delete',
  restoreGenerations: 'history:restore',
  listPacks: 'packs:list',
  validatePack: 'packs:validate',
  setActivePack: 'packs:activate',
  getSettings: 'settings:get',
  updateSettings: 'settings:update',
  exportAll: 'settings:export',
  listExports: 'settings:exports',
  deleteAll: 'settings:deleteAll',
  recompute: 'settings:recompute',
} as const satisfies Record<string, InvokeChannel>;

/** Subscriptions: method name -> event channel. Each returns its unsubscribe function. */
export const eventMethods = {
  onImportProgress: 'import:progress',
  onQueueProgress: 'queue:progress',
  onDataChanged: 'data:changed',
  onNotice: 'app:notice',
} as const satisfies Record<string, EventChannel>;

type Call<C extends InvokeChannel> = [RequestIn<C>] extends [undefined] ? () => Promise<Result<ResponseOf<C>>> : (input: RequestIn<C>) => Promise<Result<ResponseOf<C>>>;

export interface ImportFilesRequest {
  profileId: number;
  /** DOM File objects, from a drop or an <input type="file">. */
  files: File[];
  options?: RequestIn<'import:start'>['options'];
}

/** Files a drop handed over, and what the host read in each (same order), before anything is imported. */
export interface InspectedFiles {
  /** References the host accepts for import:start (uploads stay on the web host until started or an hour has passed). */
  refs: FileRef[];
  inspections: ImportInspection[];
}

/** A running restyle: cancel() stops generation; done settles when the stream ends (never rejects). */
export interface RestyleHandle {
  cancel(): void;
  done: Promise<Result<{ streamId: string }>>;
}

export type Api = { [M in keyof typeof invokeMethods]: Call<(typeof invokeMethods)[M]> } & {
  [M in keyof typeof eventMethods]: (listener: (payload: EventMap[(typeof eventMethods)[M]]) => void) => () => void;
} & {
  /** Imports dropped or picked files into a profile; progress arrives through onImportProgress. One job per file. */
  importFiles(req: ImportFilesRequest): Promise<Result<{ jobIds: string[] }>>;
  /**
   * Hands dropped files to the host (uploads them on the web host) and inspects each
   * (encoding evidence, CSV columns) without importing; start them afterwards with
   * startImport and the refs returned, each with the options the user chose for it.
   */
  inspectFiles(files: File[], options?: RequestIn<'import:inspect'>['options']): Promise<Result<InspectedFiles>>;
  /**
   * Streams candidates for a draft. Events for this stream only (token, candidate-done,
   * done, or error) go to onEvent, in order, starting with 'start'.
   */
  restyle(req: RequestIn<'restyle:start'>, onEvent: (e: RestyleStreamEvent['event']) => void): RestyleHandle;
};

/** Formats a zod error as one readable sentence naming the offending fields. */
export function describeZodError(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message)).join('; ');
}

/** The INVALID_INPUT message every host gives for a request its channel's schema refused. */
export function invalidInputMessage(channel: InvokeChannel, error: z.ZodError): string {
  return `${channel}: ${describeZodError(error)}`;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: AppError };

/**
 * Parses a request with its channel's schema; the error is the one IPC and the web host
 * answer with. Every host parses its inputs through here (or parseWith).
 */
export function parseRequest<C extends InvokeChannel>(channel: C, raw: unknown): Parsed<RequestOf<C>> {
  const schema: z.ZodType = requestSchemas[channel];
  return parseWith(channel, schema, raw) as Parsed<RequestOf<C>>;
}

/** As parseRequest, with a schema derived from the channel's for a host that fills some fields in itself (the CLI's profile id). */
export function parseWith<T>(channel: InvokeChannel, schema: z.ZodType<T>, raw: unknown): Parsed<T> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, error: { code: 'INVALID_INPUT', message: invalidInputMessage(channel, parsed.error) } };
}
