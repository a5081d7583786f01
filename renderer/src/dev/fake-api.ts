// DEV ONLY: an in-memory stand-in for the host, loaded by main.tsx solely under
// `vite dev` with `?fake` in the URL, so the interface can be worked on without
// the services running. It is never part of a build and never used by e2e tests,
// which drive the real web host.
import type { Api, ClosestDocument, DocumentItem, GenerationItem, ImportProgress, PackSummary, ProfileSummary, Result } from '../api';
import type { ErrorCode } from '../../../main/ipc/contract';

const ok = <T>(value: T): Promise<Result<T>> => Promise.resolve({ ok: true, value });
const fail = <T>(code: ErrorCode, message: string): Promise<Result<T>> => Promise.resolve({ ok: false, error: { code, message } });

let nextId = 1;
const profiles: ProfileSummary[] = [];
const docs: DocumentItem[] = [];
const history: (GenerationItem & { deleted?: boolean })[] = [];
const listeners = new Set<(p: ImportProgress) => void>();
const held = new Map<string, File>();
const emit = (e: { type: 'import'; progress: ImportProgress }) => listeners.forEach((l) => l(e.progress));

// Shaped like models/commer/evaluate.py's report; the numbers are made up for layout work only.
const evaluation = {
  format: 'commer-eval',
  created_at: '2026-11-25T09:00:00Z',
  ppl_is: 'exp(mean NLL of target tokens + EOS)',
  rouge_l_is: 'ROUGE-L F1 of the greedy output against the target',
  paraphrase: {
    n_persons: 8,
    n_examples: 48,
    commer_by_docs: [0, 1, 2, 4, 8].map((n, i) => ({ n_docs: n, ppl: 24 - i * 2.1, rouge_l: 0.18 + i * 0.012, prefix_tokens: n ? 4 : 0 })),
    prompt_concat_by_docs: [0, 1, 2, 4, 8].map((n, i) => ({ n_docs: n, ppl: 24 - i * 1.6, rouge_l: 0.18 + i * 0.009, prefix_tokens: n * 40 })),
  },
};
const packs: PackSummary[] = [
  {
    id: 'fake-k4',
    name: 'Dev fake pack',
    description: 'Not a model: canned text for UI work.',
    dir: '/dev/packs/fake-k4',
    k: 4,
    dim: 64,
    valid: true,
    error: null,
    active: true,
    evaluation,
    referenceKinds: ['tweet', 'article'],
  },
  {
    id: 'broken',
    name: 'Broken pack',
    description: '',
    dir: '/dev/packs/broken',
    k: null,
    dim: null,
    valid: false,
    error: 'backbone.onnx: sha256 does not match the manifest',
    active: false,
    evaluation: null,
  },
];

/** A crude stand-in for the services' BM25: the profile's first three documents sharing a word with the text. */
function closestTo(profileId: number, text: string): ClosestDocument[] {
  const words = new Set(text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? []);
  const out: ClosestDocument[] = [];
  for (const d of docs) {
    if (out.length === 3) break;
    if (d.profileId !== profileId) continue;
    const marks = [...d.text.matchAll(/[\p{L}\p{N}_]+/gu)].filter((m) => words.has(m[0].toLowerCase())).map((m): [number, number] => [m.index, m.index + m[0].length]);
    if (marks.length) out.push({ id: d.id, kind: d.kind, source: d.source, writtenAt: d.writtenAt, importedAt: d.importedAt, snippet: d.text, marks });
  }
  return out;
}

function refreshCounts(p: ProfileSummary) {
  const mine = docs.filter((d) => d.profileId === p.id);
  p.docCounts = { tweet: mine.filter((d) => d.kind === 'tweet').length, article: mine.filter((d) => d.kind === 'article').length };
  p.compression = { packId: 'fake-k4', compressed: mine.filter((d) => d.compressed).length, pending: mine.filter((d) => !d.compressed).length };
}

const settings = {
  dataDir: '/home/you/.config/commer-studio',
  dbPath: '/home/you/.config/commer-studio/commer.db',
  dbBytes: 2_400_000,
  schemaVersion: 1,
  activePackId: 'fake-k4',
  threads: 0,
  threadsInUse: 4,
  maxThreads: 8,
  provider: 'cpu',
  packDirs: [] as string[],
  filterOffensive: true,
};

const trash = new Map<string, typeof docs>();

const fake: Api = {
  listProfiles: () => {
    profiles.forEach(refreshCounts);
    return ok(profiles.map((p) => ({ ...p })));
  },
  createProfile: ({ name }) => {
    const p: ProfileSummary = { id: nextId++, name, createdAt: new Date().toISOString(), docCounts: { tweet: 0, article: 0 }, compression: { packId: 'fake-k4', compressed: 0, pending: 0 } };
    profiles.push(p);
    return ok({ ...p });
  },
  renameProfile: ({ id, name }) => {
    const p = profiles.find((x) => x.id === id);
    if (!p) return fail('NOT_FOUND', 'no such profile');
    p.name = name;
    return ok({ ...p });
  },
  deleteProfile: ({ id }) => {
    const i = profiles.findIndex((x) => x.id === id);
    if (i >= 0) profiles.splice(i, 1);
    return ok(null);
  },
  listDocuments: ({ profileId, search, offset = 0, limit = 100 }) => {
    const q = (search ?? '').toLowerCase();
    const all = docs.filter((d) => d.profileId === profileId && (!q || d.text.toLowerCase().includes(q)));
    return ok({ items: all.slice(offset, offset + limit), total: all.length, offset, limit });
  },
  locateDocument: ({ id }) => {
    const d = docs.find((x) => x.id === id);
    if (!d) return fail('NOT_FOUND', `document ${id} does not exist (it may have been deleted)`);
    return ok({ document: { ...d }, index: docs.filter((x) => x.profileId === d.profileId).indexOf(d) });
  },
  deleteDocuments: ({ ids }) => {
    const taken = docs.filter((d) => ids.includes(d.id));
    for (const d of taken) docs.splice(docs.indexOf(d), 1);
    const undoToken = crypto.randomUUID();
    trash.set(undoToken, taken);
    return ok({ deleted: taken.length, undoToken });
  },
  restoreDocuments: ({ undoToken }) => {
    const taken = trash.get(undoToken) ?? [];
    trash.delete(undoToken);
    docs.push(...taken);
    docs.sort((a, b) => b.id - a.id);
    return ok({ restored: taken.length, alreadyThere: 0, profileGone: 0 });
  },
  importFiles: async ({ profileId, files }) => {
    const jobIds: string[] = [];
    for (const file of files) {
      const jobId = `job-${nextId++}`;
      jobIds.push(jobId);
      const text = await file.text();
      const lines = text.split('\n').filter((l) => l.trim());
      const base: ImportProgress = {
        jobId,
        profileId,
        file: file.name,
        format: 'csv',
        phase: 'parsing',
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
        bytesTotal: file.size,
        docsPerSec: 0,
        etaSec: null,
      };
      if (text.includes('\u0000')) {
        setTimeout(() => emit({ type: 'import', progress: { ...base, phase: 'failed', error: { code: 'IMPORT_FAILED', message: 'binary data, not a text export' } } }), 100);
        continue;
      }
      let i = 0;
      const tick = () => {
        for (let n = 0; n < 60 && i < lines.length; n++, i++) {
          docs.push({ id: nextId++, profileId, kind: 'tweet', text: lines[i]!, source: `${file.name}:${i + 1}`, writtenAt: null, importedAt: new Date().toISOString(), compressed: false });
        }
        const stored = i;
        const compressed = Math.floor(stored * 0.6);
        const done = i >= lines.length;
        emit({
          type: 'import',
          progress: { ...base, phase: done ? 'done' : 'compressing', parsed: stored, stored, compressed: done ? stored : compressed, docsPerSec: 240, etaSec: (lines.length - i) / 240 },
        });
        if (!done) setTimeout(tick, 120);
        else docs.forEach((d) => (d.compressed = true));
      };
      setTimeout(tick, 100);
    }
    return ok({ jobIds });
  },
  // The dev fake inspects nothing: every file reads as plain UTF-8 with a text column, and starts as dropped.
  inspectFiles: (files) =>
    ok({
      refs: files.map((f) => {
        const path = `/fake/${nextId++}/${f.name}`;
        held.set(path, f);
        return { path, name: f.name };
      }),
      inspections: files.map((f) => ({
        file: f.name,
        format: null,
        entry: null,
        bytes: f.size,
        sampleBytes: 0,
        complete: false,
        encoding: { chosen: 'utf-8', bom: null, ascii: true, validUtf8: true, detected: null, confidence: null, suggested: null, readings: [] },
        csv: null,
        error: null,
      })),
    }),
  inspectImport: () => fail('INVALID_INPUT', 'the dev fake inspects through inspectFiles'),
  startImport: ({ profileId, files }) => fake.importFiles({ profileId, files: files.map((r) => ('path' in r ? held.get(r.path) : undefined)).filter((f): f is File => !!f) }),
  listImports: () => ok([]),
  cancelImport: () => ok(null),
  undoImport: () => ok({ removed: 0 }),
  resumeImport: () => fail('CONFLICT', 'the dev fake has no import jobs to learn'),
  listHeldImports: () => ok([]),
  releaseHeldImport: () => fail('NOT_FOUND', 'the dev fake has no held imports'),
  removeHeldImport: () => fail('NOT_FOUND', 'the dev fake has no held imports'),
  restyle: (req, onEvent) => {
    let cancelled = false;
    const words = ['Proud', 'of', 'everyone', 'who', 'showed', 'up', 'today.', 'Let’s', 'keep', 'going', '—', 'together.'];
    const done = new Promise<Result<{ streamId: string }>>((resolve) => {
      const mine = req.docs === 'none' ? 0 : docs.filter((d) => d.profileId === req.profileId).length;
      const seed = req.sampling?.seed ?? 7;
      onEvent({ type: 'start', restyleId: 'r', packId: 'fake-k4', usedDocs: mine, n: 3, seed, strength: req.strength ?? 1 });
      let step = 0;
      const tick = () => {
        if (cancelled) {
          onEvent({ type: 'done', aborted: true });
          return resolve({ ok: true, value: { streamId: 'r' } });
        }
        // Without a voice the fake writes the same words in another order, so the comparison has something to show.
        const at = (s: number, c: number) => words[(mine ? s + c + seed : words.length - 1 - s - c + seed) % words.length];
        for (let c = 0; c < 3; c++) onEvent({ type: 'token', candidate: c, tokenId: step, text: ` ${at(step, c)}` });
        step++;
        if (step < 10) return void setTimeout(tick, 60);
        for (let c = 0; c < 3; c++) {
          const text = Array.from({ length: 10 }, (_, s) => at(s, c)).join(' ');
          if (req.save === false) {
            onEvent({ type: 'candidate-done', candidate: c, text, finishReason: 'eos', generationId: null, closest: mine ? closestTo(req.profileId, text) : [] });
            continue;
          }
          const g: GenerationItem = {
            id: nextId++,
            profileId: req.profileId,
            profileName: profiles.find((p) => p.id === req.profileId)?.name ?? null,
            task: req.task,
            draft: req.draft,
            output: text,
            packId: 'fake-k4',
            settings: { docs: req.docs, usedDocs: docs.length, sampling: { temperature: 0.8 }, candidate: c },
            createdAt: new Date().toISOString(),
          };
          history.unshift(g);
          onEvent({ type: 'candidate-done', candidate: c, text, finishReason: 'eos', generationId: g.id, closest: mine ? closestTo(req.profileId, text) : [] });
        }
        onEvent({ type: 'done', aborted: false });
        resolve({ ok: true, value: { streamId: 'r' } });
      };
      setTimeout(tick, 200);
    });
    return { cancel: () => void (cancelled = true), done };
  },
  listHistory: ({ profileId, search }) => {
    const q = (search ?? '').toLowerCase();
    const items = history.filter((h) => !h.deleted && (profileId == null || h.profileId === profileId) && (!q || h.output.toLowerCase().includes(q) || h.draft.toLowerCase().includes(q)));
    return ok({ items, total: items.length, offset: 0, limit: 200 });
  },
  deleteGenerations: ({ ids }) => {
    history.forEach((h) => ids.includes(h.id) && (h.deleted = true));
    return ok({ deleted: ids.length });
  },
  restoreGenerations: ({ ids }) => {
    history.forEach((h) => ids.includes(h.id) && (h.deleted = false));
    return ok({ restored: ids.length });
  },
  listPacks: () => ok(packs.map((p) => ({ ...p }))),
  validatePack: ({ id }) => {
    const p = packs.find((x) => x.id === id);
    return p ? ok({ ...p }) : fail('NOT_FOUND', 'no such pack');
  },
  setActivePack: ({ id }) => {
    const p = packs.find((x) => x.id === id);
    if (!p?.valid) return fail('PACK_INVALID', p?.error ?? 'no such pack');
    packs.forEach((x) => (x.active = x.id === id));
    return ok({ ...p });
  },
  getSettings: () => ok(settings),
  updateSettings: ({ threads, filterOffensive }) => ok(Object.assign(settings, threads === undefined ? {} : { threads }, filterOffensive === undefined ? {} : { filterOffensive })),
  exportAll: () => ok({ path: '/home/you/commer-export.json', fileName: 'commer-export.json', bytes: 123456 }),
  listExports: () => ok([{ path: '/home/you/Downloads/commer-export.json', bytes: 123456, exportedAt: '2026-01-01T12:00:00.000Z' }]),
  deleteAll: ({ exports }) => {
    profiles.length = 0;
    docs.length = 0;
    history.length = 0;
    return ok(
      exports
        ? { exportsDeleted: 1, exportsKept: [] }
        : { exportsDeleted: 0, exportsKept: [{ path: '/home/you/Downloads/commer-export.json', bytes: 123456, exportedAt: '2026-01-01T12:00:00.000Z' }] },
    );
  },
  recompute: () => ok({ groups: 0, documents: 0, maxAbsDiff: 0, repaired: 0, dropped: 0, ms: 0 }),
  getAppInfo: () => ok({ name: 'ComMer Studio', version: 'dev', host: 'web', platform: 'dev' }),
  getQueueStatus: () => ok({ state: 'idle', packId: 'fake-k4', total: 0, done: 0, pending: 0, docsPerSec: 0, etaSec: null }),
  pauseQueue: () => fake.getQueueStatus(),
  resumeQueue: () => fake.getQueueStatus(),
  onImportProgress: (cb) => {
    listeners.add(cb);
    return () => void listeners.delete(cb);
  },
  onQueueProgress: () => () => undefined,
  onDataChanged: () => () => undefined,
  onNotice: () => () => undefined,
};

window.api = fake;
