// The vocabulary every host accepts, declared once: the closed sets (import formats,
// tasks, document kinds, queue states) as const arrays with their types derived from
// them, and the limits and schemas of the inputs that more than one layer checks (a
// profile name is parsed by the IPC contract, the web host and the CLI through
// main/ipc/contract.ts, and by the store itself). Pure TypeScript and zod, so the
// store, the services, every host and the renderer may import it.
import { z } from 'zod';

export const IMPORT_FORMATS = ['twitter-zip', 'tweets-js', 'csv', 'json', 'jsonl', 'text', 'markdown', 'html'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export const TASKS = ['paraphrase', 'headline'] as const;
export type Task = (typeof TASKS)[number];

export const DOC_KINDS = ['tweet', 'article'] as const;
export type DocKind = (typeof DOC_KINDS)[number];

export const QUEUE_STATES = ['idle', 'running', 'paused', 'no-pack', 'error'] as const;
export type QueueState = (typeof QUEUE_STATES)[number];

/** The longest profile name (characters after NFC and trimming); the store's limit, which every host now applies. */
export const PROFILE_NAME_MAX = 100;
/** The most ids one delete or restore call takes. */
export const IDS_PER_CALL_MAX = 10_000;

export const importFormatSchema = z.enum(IMPORT_FORMATS);
export const taskSchema = z.enum(TASKS);
export const docKindSchema = z.enum(DOC_KINDS);

export const idSchema = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
export const idsSchema = z.array(idSchema).min(1, 'give at least one id').max(IDS_PER_CALL_MAX, `at most ${IDS_PER_CALL_MAX} ids per call`);
export const profileNameSchema = z.string().trim().min(1, 'a profile needs a name').max(PROFILE_NAME_MAX, `a profile name has at most ${PROFILE_NAME_MAX} characters`);
