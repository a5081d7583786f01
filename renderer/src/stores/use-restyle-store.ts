import { create } from 'zustand';
import { api, type DocSelection, type DocsUsed, type TaskId } from '../api';
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
}

type Status = 'idle' | 'running' | 'done' | 'stopped' | 'error';

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
  /** The settings of the run the suggestions came from (shown beside them). */
  lastRun: { task: TaskId; docs: DocSelection; usedDocs: number | null; packId: string | null; docsUsed: DocsUsed | null; strength?: number | null } | null;
  setDraft(draft: string): void;
  setTask(task: TaskId): void;
  setDocMode(mode: 'all' | 'relevant'): void;
  setRelevantN(n: number): void;
  setCount(n: number): void;
  setStrength(s: number): void;
  run(profileId: number): void;
  stop(): void;
}

let current: { cancel(): void } | null = null;
/** Each run gets a number; events of a run that was replaced are dropped. */
let latestRun = 0;

function emptySuggestions(n: number): Suggestion[] {
  return Array.from({ length: n }, () => ({ text: '', done: false, generationId: null, tokens: 0, finishReason: null, hidden: 0 }));
}

export const useRestyleStore = create<RestyleState>((set, get) => ({
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
  run: (profileId) => {
    const { draft, task, docMode, relevantN, count } = get();
    // A pack without the task's reference cannot weaken a style: the request then asks for the full one.
    const strength = strengthAvailable(task) ? get().strength : undefined;
    if (!draft.trim()) return;
    current?.cancel();
    const run = ++latestRun;
    const isCurrent = () => run === latestRun;
    const docs: DocSelection = docMode === 'all' ? 'all' : { relevant: relevantN };
    set({ suggestions: emptySuggestions(count), status: 'running', error: null, lastRun: { task, docs, usedDocs: null, packId: null, docsUsed: null } });
    // Tokens arrive faster than the screen refreshes; buffer them and apply once a frame.
    const buffered: string[] = Array(count).fill('');
    const counted: number[] = Array(count).fill(0);
    let frame = 0;
    const flush = () => {
      frame = 0;
      if (!isCurrent() || counted.every((n) => n === 0)) return;
      const next = get().suggestions.map((s, i) => (counted[i] ? { ...s, text: s.text + buffered[i], tokens: s.tokens + counted[i]! } : s));
      buffered.fill('');
      counted.fill(0);
      set({ suggestions: next });
    };
    const handle = api().restyle({ profileId, draft, task, docs, n: count, ...(strength === undefined ? {} : { strength }) }, (e) => {
      if (!isCurrent()) return;
      switch (e.type) {
        case 'start':
          set({ lastRun: { task, docs, usedDocs: e.usedDocs, packId: e.packId, docsUsed: e.docs ?? null, strength: e.strength ?? null } });
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
          const next = get().suggestions.slice();
          const prev = next[e.candidate];
          next[e.candidate] = { text: e.text, done: e.finishReason !== 'aborted', generationId: e.generationId, tokens: prev?.tokens ?? 0, finishReason: e.finishReason, hidden: e.hidden ?? 0 };
          set({ suggestions: next });
          break;
        }
        case 'done':
          flush();
          set({ status: e.aborted ? 'stopped' : 'done' });
          break;
        case 'error':
          flush();
          set({ status: 'error', error: e.error.message });
          break;
        default:
          assertNever(e);
      }
    });
    current = handle;
    void handle.done
      .then((r) => {
        if (!isCurrent()) return;
        if (!r.ok && r.error.code !== 'CANCELLED' && get().status !== 'error') set({ status: 'error', error: r.error.message });
      })
      .catch((err: unknown) => {
        if (isCurrent()) set({ status: 'error', error: err instanceof Error ? err.message : String(err) });
      })
      .finally(() => {
        if (current === handle) current = null;
        if (frame) cancelAnimationFrame(frame);
        if (!isCurrent()) return;
        flush();
        const s = get().status;
        if (s === 'running') set({ status: 'done' });
      });
  },
  stop: () => {
    if (!current) return;
    set({ status: 'stopped' });
    current.cancel();
  },
}));
