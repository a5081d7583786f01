import { create } from 'zustand';
import { api, type ClosestDocument, type DocSelection, type DocsUsed, type TaskId } from '../api';
import type { RequestIn, RestyleStreamEvent } from '../../../main/ipc/contract';
import { assertNever } from '../lib/assert-never';
import { DEFAULT_STRENGTH, strengthProblem } from '../../../main/core/style-strength';
import { useSettingsStore } from './use-settings-store';

/** How many suggestions a run asks for unless the user picks another number (the service allows 1 to 5). */
export const DEFAULT_CANDIDATES = 3;
export const MAX_CANDIDATES = 5;

const STRENGTH_KEY = 'commer.restyle.strength';
/** The document kind whose reference a task's style strength blends towards (as the services choose it). */
export const TASK_REFERENCE_KIND = { paraphrase: 'tweet', headline: 'article' } as const;

function rememberedStrength(): number {
  try {
    const raw = localStorage.getItem(STRENGTH_KEY);
    const v = raw === null ? DEFAULT_STRENGTH : Number(raw);
    return strengthProblem(v) === null ? v : DEFAULT_STRENGTH;
  } catch {
    return DEFAULT_STRENGTH;
  }
}

/** Whether the active pack can weaken a style for this task (it keeps a reference mean for the task's kind). */
export function strengthAvailable(task: TaskId): boolean {
  const pack = useSettingsStore.getState().packs.find((p) => p.active);
  return pack?.referenceKinds?.includes(TASK_REFERENCE_KIND[task]) ?? false;
}

export interface Suggestion {
  text: string;
  done: boolean;
  generationId: number | null;
  /** Tokens received so far. */
  tokens: number;
  /** How the host says the candidate ended (null while it runs, or when the host never said). */
  finishReason: 'eos' | 'stop' | 'length' | 'aborted' | null;
  /** Offensive words the output filter masked in this suggestion. */
  hidden: number;
  /** Why the finished text looks garbled (the card hides it until asked), or null. */
  garbled: string | null;
  /** The person's documents closest to it, best first (null until the candidate is done, or when the host never said). */
  closest: ClosestDocument[] | null;
}

type Status = 'idle' | 'running' | 'done' | 'stopped' | 'error';

/** The settings of the run the suggestions came from (shown beside them, and repeated by the comparison). */
export interface LastRun {
  profileId: number;
  task: TaskId;
  draft: string;
  n: number;
  docs: DocSelection;
  usedDocs: number | null;
  packId: string | null;
  docsUsed: DocsUsed | null;
  /** The seed the host sampled with (null until 'start' says, or from a host that does not). */
  seed: number | null;
  /** The style strength the host applied (null when no documents were merged, or from a host that does not say). */
  strength: number | null;
}

interface RestyleState {
  draft: string;
  task: TaskId;
  docMode: 'all' | 'relevant';
  relevantN: number;
  /** Number of suggestions to ask for, 1 to 5. */
  count: number;
  /** Style strength, 0 (generic) to 1 (fully me); remembered across restarts. */
  strength: number;
  suggestions: Suggestion[];
  status: Status;
  error: string | null;
  lastRun: LastRun | null;
  /** Show each suggestion beside what the model writes without the profile's documents. */
  compare: boolean;
  /** The same draft and seed with no documents (docs 'none'), one per suggestion; never saved to History. */
  baseline: Suggestion[];
  baselineStatus: Status;
  baselineError: string | null;
  setDraft(draft: string): void;
  setTask(task: TaskId): void;
  setDocMode(mode: 'all' | 'relevant'): void;
  setRelevantN(n: number): void;
  setCount(n: number): void;
  setCompare(on: boolean): void;
  setStrength(s: number): void;
  run(profileId: number): void;
  stop(): void;
}

let current: { cancel(): void } | null = null;
/** Each run gets a number; events of a run that was replaced are dropped. */
let latestRun = 0;

function emptySuggestions(n: number): Suggestion[] {
  return Array.from({ length: n }, () => ({ text: '', done: false, generationId: null, tokens: 0, finishReason: null, hidden: 0, garbled: null, closest: null }));
}

/** Whether a run's suggestions drew on documents: a generic run has nothing to compare against. */
export function runUsedDocuments(r: LastRun | null): boolean {
  return !!r && r.usedDocs !== null && r.usedDocs > 0 && r.docsUsed?.used !== 'none';
}

type Target = { list: 'suggestions'; status: 'status'; error: 'error' } | { list: 'baseline'; status: 'baselineStatus'; error: 'baselineError' };
const MAIN: Target = { list: 'suggestions', status: 'status', error: 'error' };
const BASELINE: Target = { list: 'baseline', status: 'baselineStatus', error: 'baselineError' };

export const useRestyleStore = create<RestyleState>((set, get) => {
  /**
   * Streams one restyle request into `target`'s list. Tokens arrive faster than the screen
   * refreshes, so they are buffered and applied once a frame. Resolves with how it ended.
   */
  function stream(req: RequestIn<'restyle:start'>, count: number, target: Target, onStart?: (e: Extract<RestyleStreamEvent['event'], { type: 'start' }>) => void): Promise<Status> {
    current?.cancel();
    const run = ++latestRun;
    const isCurrent = () => run === latestRun;
    const setList = (list: Suggestion[]) => set({ [target.list]: list } as Partial<RestyleState>);
    const setStatus = (status: Status, error?: string) => set({ [target.status]: status, ...(error === undefined ? {} : { [target.error]: error }) } as Partial<RestyleState>);
    set({ [target.list]: emptySuggestions(count), [target.status]: 'running', [target.error]: null } as Partial<RestyleState>);
    const buffered: string[] = Array(count).fill('');
    const counted: number[] = Array(count).fill(0);
    let frame = 0;
    const flush = () => {
      frame = 0;
      if (!isCurrent() || counted.every((n) => n === 0)) return;
      const next = get()[target.list].map((s, i) => (counted[i] ? { ...s, text: s.text + buffered[i], tokens: s.tokens + counted[i]! } : s));
      buffered.fill('');
      counted.fill(0);
      setList(next);
    };
    const handle = api().restyle(req, (e) => {
      if (!isCurrent()) return;
      switch (e.type) {
        case 'start':
          onStart?.(e);
          break;
        case 'token':
          if (e.candidate >= 0 && e.candidate < count) {
            buffered[e.candidate] += e.text;
            counted[e.candidate]! += 1;
          }
          if (!frame) frame = requestAnimationFrame(flush);
          break;
        case 'candidate-done': {
          flush();
          const next = get()[target.list].slice();
          const prev = next[e.candidate];
          next[e.candidate] = {
            text: e.text,
            done: e.finishReason !== 'aborted',
            generationId: e.generationId,
            tokens: prev?.tokens ?? 0,
            finishReason: e.finishReason,
            hidden: e.hidden ?? 0,
            garbled: e.garbled ?? null,
            closest: e.closest ?? null,
          };
          setList(next);
          break;
        }
        case 'done':
          flush();
          setStatus(e.aborted ? 'stopped' : 'done');
          break;
        case 'error':
          flush();
          setStatus('error', e.error.message);
          break;
        default:
          assertNever(e);
      }
    });
    current = handle;
    return handle.done
      .then((r) => {
        if (!isCurrent()) return;
        if (!r.ok && r.error.code !== 'CANCELLED' && get()[target.status] !== 'error') setStatus('error', r.error.message);
      })
      .catch((err: unknown) => {
        if (isCurrent()) setStatus('error', err instanceof Error ? err.message : String(err));
      })
      .then(() => {
        if (current === handle) current = null;
        if (frame) cancelAnimationFrame(frame);
        if (!isCurrent()) return 'stopped';
        flush();
        if (get()[target.status] === 'running') setStatus('done');
        return get()[target.status];
      });
  }

  /** The last run again with no documents and the same seed: what the model writes without the voice. */
  function runBaseline(): void {
    const r = get().lastRun;
    if (!r || !runUsedDocuments(r)) return;
    void stream({ profileId: r.profileId, task: r.task, draft: r.draft, docs: 'none', n: r.n, save: false, ...(r.seed === null ? {} : { sampling: { seed: r.seed } }) }, r.n, BASELINE);
  }

  return {
    draft: '',
    task: 'paraphrase',
    docMode: 'all',
    relevantN: 8,
    count: DEFAULT_CANDIDATES,
    strength: rememberedStrength(),
    suggestions: [],
    status: 'idle',
    error: null,
    lastRun: null,
    compare: false,
    baseline: [],
    baselineStatus: 'idle',
    baselineError: null,
    setDraft: (draft) => set({ draft }),
    setTask: (task) => set({ task }),
    setDocMode: (docMode) => set({ docMode }),
    setRelevantN: (relevantN) => set({ relevantN: Math.max(1, Math.min(512, Math.round(relevantN) || 1)) }),
    setCount: (count) => set({ count: Math.max(1, Math.min(MAX_CANDIDATES, Math.round(count) || DEFAULT_CANDIDATES)) }),
    setStrength: (strength) => {
      if (strengthProblem(strength) !== null) return;
      try {
        localStorage.setItem(STRENGTH_KEY, String(strength));
      } catch {
        // Storage may be unavailable (private mode); the choice then lasts for this session.
      }
      set({ strength });
    },
    setCompare: (compare) => {
      set({ compare });
      // Turned on after a run: compare its suggestions, without generating them again.
      const { status, baselineStatus, baseline } = get();
      if (compare && status === 'done' && baselineStatus !== 'running' && (baseline.length === 0 || baselineStatus !== 'done')) runBaseline();
    },
    run: (profileId) => {
      const { draft, task, docMode, relevantN, count } = get();
      if (!draft.trim()) return;
      // A pack without the task's reference cannot weaken a style: the request then asks for the full one.
      const strength = strengthAvailable(task) ? get().strength : undefined;
      const docs: DocSelection = docMode === 'all' ? 'all' : { relevant: relevantN };
      const base = { profileId, task, draft, n: count, docs };
      set({ lastRun: { ...base, usedDocs: null, packId: null, docsUsed: null, seed: null, strength: null }, baseline: [], baselineStatus: 'idle', baselineError: null });
      void stream({ profileId, draft, task, docs, n: count, ...(strength === undefined ? {} : { strength }) }, count, MAIN, (e) =>
        set({ lastRun: { ...base, usedDocs: e.usedDocs, packId: e.packId, docsUsed: e.docs ?? null, seed: e.seed ?? null, strength: e.strength ?? null } }),
      ).then((how) => {
        if (how === 'done' && get().compare) runBaseline();
      });
    },
    stop: () => {
      if (!current) return;
      if (get().baselineStatus === 'running') set({ baselineStatus: 'stopped' });
      else set({ status: 'stopped' });
      current.cancel();
    },
  };
});
