// Model packs: scanning the pack folders, loading one (with fallbacks for the pack
// picked at start), and the compression queue's status, which depends on it.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parsePackManifest } from '../core/pack-manifest.js';
import * as store from '../store/index.js';
import type { Compressor } from '../jobs/compression-queue.js';
import { InferenceError } from '../jobs/inference-client.js';
import { ServiceError } from './errors.js';
import type { ServiceContext } from './context.js';
import type { Preferences } from './preferences.js';
import type { BackboneSource, DocKind, PackSummary, PacksService, QueueService, QueueStatus } from './types.js';

export interface PackEntry {
  id: string;
  dir: string;
  name: string;
  description: string;
  k: number | null;
  dim: number | null;
  error: string | null;
  evaluation: unknown;
  source: BackboneSource | null;
  referenceKinds: DocKind[];
}

/** The id an invalid manifest claims, when it is a usable one, so the pack is known by it in errors. */
function claimedId(json: unknown): string | null {
  const id = (json as { id?: unknown } | null)?.id;
  return typeof id === 'string' && /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(id) ? id : null;
}

function backboneSource(s: { name?: string; author?: string; license?: string; source?: string } | undefined): BackboneSource | null {
  if (!s) return null;
  return { name: s.name, author: s.author, license: s.license, source: s.source };
}

/** Every pack in the folders (a subfolder with a manifest.json), by manifest only; one per id. */
export function scanPacks(packDirs: readonly string[]): PackEntry[] {
  const out: PackEntry[] = [];
  const seen = new Set<string>();
  for (const root of packDirs) {
    if (!existsSync(root)) continue;
    for (const name of readdirSync(root).sort()) {
      const dir = join(root, name);
      const mf = join(dir, 'manifest.json');
      if (!existsSync(mf) || !statSync(dir).isDirectory()) continue;
      let entry: PackEntry;
      try {
        const json: unknown = JSON.parse(readFileSync(mf, 'utf8'));
        const r = parsePackManifest(json);
        entry = r.ok
          ? {
              id: r.manifest.id,
              dir,
              name: r.manifest.name,
              description: r.manifest.description,
              k: r.manifest.compression.k,
              dim: r.manifest.backbone.dim,
              error: null,
              evaluation: r.manifest.evaluation ?? null,
              source: backboneSource(r.manifest.backbone.source),
              referenceKinds: r.manifest.reference?.kinds ?? [],
            }
          : { id: claimedId(json) ?? name, dir, name, description: '', k: null, dim: null, error: r.message, evaluation: null, source: null, referenceKinds: [] };
      } catch (err) {
        entry = {
          id: name,
          dir,
          name,
          description: '',
          k: null,
          dim: null,
          error: `manifest.json is not valid JSON (${(err as Error).message})`,
          evaluation: null,
          source: null,
          referenceKinds: [],
        };
      }
      out.push(entry);
    }
  }
  // One entry per id, the first that is valid (a broken copy never hides a good one), else the first.
  return out.filter((e) => {
    if (seen.has(e.id)) return false;
    const pick = out.find((o) => o.id === e.id && o.error === null) ?? e;
    if (pick !== e) return false;
    seen.add(e.id);
    return true;
  });
}

export interface PacksOptions {
  packDirs: string[];
  prefs: Preferences;
  /** Start with the queue paused (ServicesOptions.autoStartQueue false). */
  pauseQueue: boolean;
  /** Load the active pack at once (ServicesOptions.loadModelAtStart). */
  loadAtStart: boolean;
}

export type Packs = ReturnType<typeof createPacks>;

/** The pack domain: which pack is active, its loading, and the packs and queue services. */
export function createPacks({ db, storeCall, emit, client, queue }: ServiceContext, { packDirs, prefs, pauseQueue, loadAtStart }: PacksOptions) {
  let activePackId: string | null = store.getSetting<string | null>(db, 'activePackId', null);
  let activation: Promise<void> = Promise.resolve();
  let activationError: string | null = null;
  let activationStarted = false;
  // Packs whose full check (hashes, graph) failed when loading: the manifest alone looked fine.
  const loadErrors = new Map<string, string>();

  function summary(p: PackEntry): PackSummary {
    const err = loadErrors.get(p.id) ?? p.error;
    return {
      id: p.id,
      name: p.name,
      description: p.description,
      dir: p.dir,
      k: p.k,
      dim: p.dim,
      valid: err === null,
      error: err,
      active: p.id === activePackId,
      evaluation: p.evaluation,
      source: p.source,
      referenceKinds: p.referenceKinds,
    };
  }

  async function activate(id: string): Promise<void> {
    const packs = scanPacks(packDirs);
    const entry = packs.find((p) => p.id === id);
    if (!entry) {
      // The pack may be there with a manifest too broken to name it: say what could not be read.
      const unreadable = packs.filter((p) => p.error && p.id !== id).map((p) => `${p.dir}: ${p.error}`);
      throw new ServiceError('NOT_FOUND', `no model pack "${id}" in ${packDirs.join(', ')}${unreadable.length ? `; packs that could not be read: ${unreadable.join('; ')}` : ''}`);
    }
    if (entry.error) throw new ServiceError('PACK_INVALID', `${entry.dir}: ${entry.error}`);
    await queue.setCompressor(null);
    let info;
    try {
      info = await client.load(entry.dir, { threads: prefs.threads });
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      throw new ServiceError(err instanceof InferenceError && err.code === 'PACK_INVALID' ? 'PACK_INVALID' : 'INFERENCE_FAILED', msg);
    }
    const compressor: Compressor = { packId: info.packId, k: info.k, dim: info.dim, compress: (texts, signal) => client.compress(texts, signal) };
    activePackId = info.packId;
    loadErrors.delete(id);
    store.setSetting(db, 'activePackId', info.packId);
    await queue.setCompressor(compressor);
  }

  /**
   * Loads a pack in the background. `fallbacks` are tried in order when the pack
   * turns out to be unusable (a bad file behind a valid manifest): used only for the
   * pack picked automatically at start, never for one the user chose.
   */
  function startActivation(id: string, fallbacks: string[] = []): Promise<void> {
    activationStarted = true;
    activationError = null;
    activation = activate(id).catch((err) => {
      activationError = err instanceof Error ? err.message : String(err);
      if (!(err instanceof ServiceError && err.code === 'NOT_FOUND')) loadErrors.set(id, activationError);
      if (fallbacks.length && err instanceof ServiceError && err.code === 'PACK_INVALID') {
        activePackId = fallbacks[0]!;
        return startActivation(fallbacks[0]!, fallbacks.slice(1));
      }
      emit({ type: 'queue', status: queueStatus() });
      throw err;
    });
    return activation;
  }

  // Pick up where the last session left: the saved pack, else the first shipped one
  // that loads (the others in order if it does not).
  let startFallbacks: string[] = [];
  {
    const packs = scanPacks(packDirs);
    const saved = activePackId ? packs.find((p) => p.id === activePackId) : undefined;
    const candidates = saved ? [saved.id] : packs.filter((p) => p.error === null).map((p) => p.id);
    if (candidates.length) {
      activePackId = candidates[0]!;
      startFallbacks = candidates.slice(1);
      if (pauseQueue) queue.pause();
      if (loadAtStart) startActivation(activePackId, startFallbacks).catch(() => undefined);
    }
  }

  /** Waits for the active pack to be loaded, starting the load if the host deferred it. */
  async function ensureActivated(): Promise<void> {
    if (!activationStarted && activePackId) startActivation(activePackId, startFallbacks).catch(() => undefined);
    await activation.catch(() => undefined);
  }

  function queueStatus(): QueueStatus {
    const st = queue.status() as QueueStatus;
    if (st.state === 'no-pack' && activationError) {
      // Counted against the pack that failed, so "0 of 0" does not hide the documents waiting for it.
      const counts = activePackId ? storeCall(() => store.compressionTotals(db, activePackId!)) : {};
      return { ...st, ...counts, state: 'error', packId: activePackId, error: { code: 'PACK_INVALID', message: activationError } };
    }
    return st;
  }

  /** Loads the active pack again (after the thread count changed). */
  async function reload(): Promise<void> {
    if (activePackId) {
      await activation.catch(() => undefined);
      await startActivation(activePackId);
    }
  }

  const packsService: PacksService = {
    list: () => scanPacks(packDirs).map(summary),
    validate: async (dir) => {
      if (typeof dir !== 'string' || !dir.trim()) throw new ServiceError('INVALID_INPUT', 'dir must be a folder path');
      // The same check loading does, graph included (in the inference host: it needs an onnxruntime session).
      try {
        const r = await client.validate(resolve(dir));
        if (!r.ok) return { ok: false as const, error: r.error.message };
        const m = r.manifest;
        return {
          ok: true as const,
          pack: {
            id: m.id,
            name: m.name,
            description: m.description,
            dir: resolve(dir),
            k: m.compression.k,
            dim: m.backbone.dim,
            valid: true,
            error: null,
            active: m.id === activePackId,
            evaluation: m.evaluation ?? null,
            source: backboneSource(m.backbone.source),
            referenceKinds: m.reference?.kinds ?? [],
          },
        };
      } catch (err) {
        return { ok: false as const, error: err instanceof Error ? err.message : String(err) };
      }
    },
    setActive: async (id) => {
      if (typeof id !== 'string' || !id) throw new ServiceError('INVALID_INPUT', 'id must be a pack id');
      await activation.catch(() => undefined);
      const previous = client.info ? activePackId : null;
      try {
        await startActivation(id);
      } catch (err) {
        // A pack that fails to load must not leave the app without a model: go back to the one that worked.
        if (previous && previous !== id) await startActivation(previous).catch(() => undefined);
        throw err;
      }
      emit({ type: 'data-changed', what: 'packs' });
      return summary(scanPacks(packDirs).find((p) => p.id === id)!);
    },
  };

  const queueService: QueueService = {
    status: () => queueStatus(),
    pause: () => (queue.pause(), queueStatus()),
    resume: () => {
      void ensureActivated();
      queue.resume();
      return queueStatus();
    },
    cancel: () => (queue.cancel(), queueStatus()),
    drain: async (signal) => {
      await ensureActivated();
      await queue.drain(signal);
      return queueStatus();
    },
  };

  return {
    packs: packsService,
    queue: queueService,
    /** The pack in use, or being loaded, or picked to load on demand. */
    activePackId: () => activePackId,
    /** Why the last load failed; null while none has. */
    activationError: () => activationError,
    ensureActivated,
    queueStatus,
    reload,
  };
}
