import { create } from 'zustand';
import { api, errorMessage, unwrap, type ImportPhase, type ImportProgress, type ImportRowError } from '../api';

export const ACCEPTED_EXTENSIONS = ['.zip', '.js', '.csv', '.json', '.jsonl', '.txt', '.md', '.html'] as const;

/** One file the user dropped or picked, and its job once the host accepted it. */
export interface ImportFile {
  name: string;
  jobId: string | null;
  progress: ImportProgress | null;
  /** Set when the host refused to start the job at all. */
  startError: string | null;
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
    if (p.phase === 'failed' && p.error) {
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

export const useImportStore = create<ImportState>((set, get) => ({
  profileId: null,
  files: [],
  choices: { encoding: '', includeReplies: false, onBadRow: 'skip' },
  setChoices: (patch) => set({ choices: { ...get().choices, ...patch } }),
  start: async (profileId, files) => {
    // A new drop while nothing runs replaces the finished card; otherwise it joins it.
    const keep = isRunning(get().files) ? get().files : [];
    const added: ImportFile[] = files.map((f) => ({ name: f.name, jobId: null, progress: null, startError: null }));
    set({ profileId, files: [...keep, ...added] });
    let patch: (i: number) => Partial<ImportFile>;
    try {
      // One job per file, answered in the order the files were given.
      const { encoding, includeReplies, onBadRow } = get().choices;
      const options = { includeReplies, onBadRow, ...(encoding ? { encoding } : {}) };
      const { jobIds } = await unwrap(api().importFiles({ profileId, files, options }));
      patch = (i) => ({ jobId: jobIds[i] ?? null });
    } catch (e) {
      const message = errorMessage(e);
      patch = () => ({ startError: message });
    }
    set({
      files: get().files.map((f) => {
        const i = added.indexOf(f);
        if (i < 0) return f;
        const next = { ...f, ...patch(i) };
        // A small or broken file can finish before the start call answers; its progress waited here.
        const early = next.jobId ? orphans.get(next.jobId) : undefined;
        if (early) orphans.delete(next.jobId!);
        return early ? { ...next, progress: early } : next;
      }),
    });
  },
  cancel: async () => {
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
