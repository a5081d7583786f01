import { create } from 'zustand';
import { api, errorMessage, unwrap, type ImportPhase, type ImportProgress, type ImportRowError } from '../api';
import type { FileRef, ImportInspection, ImportOptions } from '../../../main/ipc/contract';

export const ACCEPTED_EXTENSIONS = ['.zip', '.js', '.csv', '.json', '.jsonl', '.txt', '.md', '.html'] as const;

/** What the user is asked about a file before it is imported (see components/ImportReview). */
export interface ImportQuestion {
  ask: 'encoding' | 'column';
  profileId: number;
  ref: FileRef;
  inspection: ImportInspection;
  /** The drop's options, and the answers given so far (laid over them for this file only). */
  common: ImportOptions;
  own: Pick<ImportOptions, 'encoding' | 'textColumn'>;
}

/** The user's answer to a question: an encoding ('' keeps the chosen one), a text column, or leave the file out. */
export type ImportAnswer = { encoding: string } | { textColumn: string } | 'skip';

/** One file the user dropped or picked, and its job once the host accepted it. */
export interface ImportFile {
  /** Unique within the session: questions are answered by it. */
  key: number;
  name: string;
  jobId: string | null;
  progress: ImportProgress | null;
  /** Set when the host refused to start the job at all. */
  startError: string | null;
  /** Set while the file waits for the user's answer (it is not imported yet). */
  question?: ImportQuestion;
}

export interface ImportTotals {
  phase: ImportPhase;
  parsed: number;
  stored: number;
  duplicates: number;
  skipped: number;
  compressed: number;
  docsPerSec: number;
  etaSec: number | null;
  errors: ImportRowError[];
  errorCount: number;
  bytesRead: number;
  bytesTotal: number;
}

/** How files are read; drops anywhere in the window use the same choices. */
export interface ImportChoices {
  /** '' = UTF-8 unless the file has a byte-order mark. */
  encoding: string;
  includeReplies: boolean;
  onBadRow: 'skip' | 'abort';
}

interface ImportState {
  profileId: number | null;
  files: ImportFile[];
  choices: ImportChoices;
  setChoices(patch: Partial<ImportChoices>): void;
  start(profileId: number, files: File[]): Promise<void>;
  /** Answers the question a file waits on; the file is imported once nothing more is to be asked. */
  answer(key: number, a: ImportAnswer): Promise<void>;
  cancel(): Promise<void>;
  /**
   * Removes what imports added (the jobs given, else every file on the card): their
   * documents, never ones that were there before. Resolves with how many went.
   */
  undo(jobIds?: string[]): Promise<number>;
  /** Lets the kept documents of the card's cancelled imports be learned after all. */
  resume(): Promise<void>;
  /** An undo or resume under way (its button waits for it). */
  busy: 'undo' | 'resume' | null;
  dismiss(): void;
  /** Applies a progress event from the host. */
  apply(p: ImportProgress): void;
}

const orphans = new Map<string, ImportProgress>();
const MAX_ORPHANS = 500;

const ACTIVE: ReadonlySet<ImportPhase> = new Set(['queued', 'parsing', 'storing', 'compressing']);
const ORDER: ImportPhase[] = ['queued', 'parsing', 'storing', 'compressing', 'failed', 'cancelled', 'done'];

export function fileActive(f: ImportFile): boolean {
  if (f.startError) return false;
  return !f.progress || ACTIVE.has(f.progress.phase);
}

/** Sums the jobs of one drop into the figures the progress card shows. */
export function totals(files: ImportFile[]): ImportTotals {
  const t: ImportTotals = { phase: 'done', parsed: 0, stored: 0, duplicates: 0, skipped: 0, compressed: 0, docsPerSec: 0, etaSec: null, errors: [], errorCount: 0, bytesRead: 0, bytesTotal: 0 };
  let phaseRank = ORDER.length;
  let anyDone = false;
  for (const f of files) {
    if (f.startError) {
      t.errors.push({ file: f.name, line: null, message: f.startError });
      t.errorCount += 1;
      continue;
    }
    if (f.question) phaseRank = 0;
    const p = f.progress;
    const phase: ImportPhase = p ? p.phase : 'queued';
    if (ACTIVE.has(phase)) phaseRank = Math.min(phaseRank, ORDER.indexOf(phase));
    if (phase === 'done') anyDone = true;
    if (!p) continue;
    t.parsed += p.parsed;
    t.stored += p.stored;
    t.duplicates += p.duplicates;
    t.skipped += p.skipped;
    t.compressed += p.compressed;
    t.bytesRead += p.bytesRead;
    t.bytesTotal += p.bytesTotal;
    if (ACTIVE.has(p.phase)) {
      t.docsPerSec += p.docsPerSec;
      if (p.etaSec != null) t.etaSec = Math.max(t.etaSec ?? 0, p.etaSec);
    }
    // A file that failed as a whole is already among its own errors when reading it failed; count it once.
    if (p.phase === 'failed' && p.error && p.errorCount === 0) {
      t.errors.push({ file: f.name, line: null, message: p.error.message });
      t.errorCount += 1;
    }
    for (const e of p.errors) t.errors.push(e);
    t.errorCount += p.errorCount;
  }
  if (phaseRank < ORDER.length) t.phase = ORDER[phaseRank] ?? 'parsing';
  else if (anyDone) t.phase = 'done';
  else if (files.some((f) => f.progress?.phase === 'cancelled')) t.phase = 'cancelled';
  else t.phase = 'failed';
  return t;
}

export function isRunning(files: ImportFile[]): boolean {
  return files.some(fileActive);
}

let nextKey = 1;

/** What to ask about an inspected file, or null to import it as it is. */
function question(i: ImportInspection, answered: { textColumn?: string; encodingAnswered?: boolean }): ImportQuestion['ask'] | null {
  if (!answered.encodingAnswered && i.encoding.suggested) return 'encoding';
  if (!answered.textColumn && i.csv && !i.csv.headerless && i.csv.textColumn === null && i.csv.columns.length > 0) return 'column';
  return null;
}

/** Starts the jobs of files nothing more is asked about, in one call; each file may carry options of its own. */
async function launch(profileId: number, items: Array<{ file: ImportFile; ref: FileRef; own?: ImportOptions }>, common: ImportOptions): Promise<void> {
  const { getState, setState } = useImportStore;
  let patch: (i: number) => Partial<ImportFile>;
  try {
    const files = items.map(({ ref, own }) => (own && Object.keys(own).length ? { ...ref, options: own } : ref));
    const { jobIds } = await unwrap(api().startImport({ profileId, files, options: common }));
    patch = (i) => ({ jobId: jobIds[i] ?? null });
  } catch (e) {
    const message = errorMessage(e);
    patch = () => ({ startError: message });
  }
  const keys = items.map((x) => x.file.key);
  setState({
    files: getState().files.map((f) => {
      const i = keys.indexOf(f.key);
      if (i < 0) return f;
      const next = { ...f, ...patch(i) };
      // A small or broken file can finish before the start call answers; its progress waited here.
      const early = next.jobId ? orphans.get(next.jobId) : undefined;
      if (early) orphans.delete(next.jobId!);
      return early ? { ...next, progress: early } : next;
    }),
  });
}

export const useImportStore = create<ImportState>((set, get) => ({
  profileId: null,
  files: [],
  choices: { encoding: '', includeReplies: false, onBadRow: 'skip' },
  setChoices: (patch) => set({ choices: { ...get().choices, ...patch } }),
  start: async (profileId, files) => {
    // A new drop while nothing runs replaces the finished card; otherwise it joins it.
    const keep = isRunning(get().files) ? get().files : [];
    const added: ImportFile[] = files.map((f) => ({ key: nextKey++, name: f.name, jobId: null, progress: null, startError: null }));
    set({ profileId, files: [...keep, ...added] });
    const { encoding, includeReplies, onBadRow } = get().choices;
    const common: ImportOptions = { includeReplies, onBadRow, ...(encoding ? { encoding } : {}) };
    // The host looks at each file first: an encoding the bytes speak against, or a CSV
    // without a text column, is asked about before anything is imported.
    let inspected: { refs: FileRef[]; inspections: ImportInspection[] };
    try {
      inspected = await unwrap(api().inspectFiles(files, encoding ? { encoding } : undefined));
    } catch (e) {
      const message = errorMessage(e);
      const keys = new Set(added.map((f) => f.key));
      return set({ files: get().files.map((f) => (keys.has(f.key) ? { ...f, startError: message } : f)) });
    }
    const now: Array<{ file: ImportFile; ref: FileRef }> = [];
    const asked = new Map<number, ImportQuestion>();
    added.forEach((file, i) => {
      const ref = inspected.refs[i]!;
      const inspection = inspected.inspections[i]!;
      const ask = question(inspection, {});
      if (ask) asked.set(file.key, { ask, profileId, ref, inspection, common, own: {} });
      else now.push({ file, ref });
    });
    set({ files: get().files.map((f) => (asked.has(f.key) ? { ...f, question: asked.get(f.key)! } : f)) });
    if (now.length) await launch(profileId, now, common);
  },
  answer: async (key, a) => {
    const file = get().files.find((f) => f.key === key);
    const q = file?.question;
    if (!file || !q) return;
    if (a === 'skip') return set({ files: get().files.filter((f) => f.key !== key) });
    const own = { ...q.own, ...('encoding' in a ? (a.encoding ? { encoding: a.encoding } : {}) : { textColumn: a.textColumn }) };
    // After the encoding, the column may still need choosing.
    const next = 'encoding' in a ? question(q.inspection, { ...own, encodingAnswered: true }) : null;
    const updated: ImportFile = next ? { ...file, question: { ...q, ask: next, own } } : { ...file, question: undefined };
    set({ files: get().files.map((f) => (f.key === key ? updated : f)) });
    if (!next) await launch(q.profileId, [{ file: updated, ref: q.ref, own }], q.common);
  },
  cancel: async () => {
    // Files still waiting for an answer are left out: nothing of them was imported.
    set({ files: get().files.filter((f) => !f.question) });
    await Promise.all(
      get()
        .files.filter((f) => f.jobId && fileActive(f))
        .map((f) => unwrap(api().cancelImport({ jobId: f.jobId! })).catch(() => undefined)),
    );
  },
  busy: null,
  undo: async (jobIds) => {
    const ids = jobIds ?? get().files.flatMap((f) => (f.jobId ? [f.jobId] : []));
    set({ busy: 'undo' });
    try {
      // One after another: each removes its documents in many small transactions, and the host stays responsive between them.
      let removed = 0;
      for (const jobId of ids) removed += (await unwrap(api().undoImport({ jobId }))).removed;
      return removed;
    } finally {
      set({ busy: null });
    }
  },
  resume: async () => {
    set({ busy: 'resume' });
    try {
      for (const f of get().files) {
        if (!f.jobId || f.progress?.phase !== 'cancelled') continue;
        get().apply(await unwrap(api().resumeImport({ jobId: f.jobId })));
      }
    } finally {
      set({ busy: null });
    }
  },
  dismiss: () => set({ files: [] }),
  apply: (p) => {
    const files = get().files;
    const idx = files.findIndex((f) => f.jobId === p.jobId);
    if (idx < 0) {
      // Progress can overtake the start call's answer; keep the latest per job until it is claimed.
      orphans.delete(p.jobId);
      orphans.set(p.jobId, p);
      if (orphans.size > MAX_ORPHANS) orphans.delete(orphans.keys().next().value!);
      return;
    }
    const next = files.slice();
    next[idx] = { ...next[idx]!, jobId: p.jobId, progress: p };
    set({ files: next });
  },
}));
