// A small in-memory Services for the web host's own tests: the host's security and
// transport are what is under test here, not the store (the app tests use the real one).
import { readFile } from 'node:fs/promises';
import { ServiceError } from '../../../main/services/errors.js';
import type { ImportProgress, ProfileSummary, RestyleEvent, ServiceEvent, Services } from '../../../main/services/types.js';

export interface FakeServices extends Services {
  imported: { path: string; profileId: number; content: string }[];
  emitEvent(e: ServiceEvent): void;
}

export function fakeServices(): FakeServices {
  const profiles: ProfileSummary[] = [];
  const listeners = new Set<(e: ServiceEvent) => void>();
  const imported: FakeServices['imported'] = [];
  const jobs = new Map<string, Promise<ImportProgress>>();
  const unsupported = () => {
    throw new ServiceError('INTERNAL', 'not part of this fake');
  };
  const emitEvent = (e: ServiceEvent) => listeners.forEach((l) => l(e));
  const findProfile = (id: number) => {
    const p = profiles.find((x) => x.id === id);
    if (!p) throw new ServiceError('NOT_FOUND', `no profile with id ${id}`);
    return p;
  };

  return {
    imported,
    emitEvent,
    profiles: {
      list: () => profiles,
      get: findProfile,
      create(name) {
        if (profiles.some((p) => p.name === name)) throw new ServiceError('CONFLICT', `a profile named "${name}" exists`);
        const p: ProfileSummary = {
          id: profiles.length + 1,
          name,
          createdAt: new Date(0).toISOString(),
          docCounts: { tweet: 0, article: 0 },
          compression: { packId: null, compressed: 0, pending: 0 },
        };
        profiles.push(p);
        return p;
      },
      rename(id, name) {
        const p = findProfile(id);
        p.name = name;
        return p;
      },
      delete(id) {
        profiles.splice(profiles.indexOf(findProfile(id)), 1);
      },
    },
    documents: { list: unsupported, delete: unsupported, locate: unsupported, restore: unsupported },
    imports: {
      start(req) {
        const jobId = `job-${imported.length + 1}`;
        const done = readFile(req.path, 'utf8').then((content) => {
          imported.push({ path: req.path, profileId: req.profileId, content });
          const progress = { jobId, profileId: req.profileId, file: req.path, phase: 'done', parsed: 1, stored: 1 } as ImportProgress;
          emitEvent({ type: 'import', progress });
          return progress;
        });
        jobs.set(jobId, done);
        return { jobId };
      },
      inspect: unsupported,
      get: unsupported,
      list: () => [],
      cancel: unsupported,
      undo: unsupported,
      resume: unsupported,
      held: unsupported,
      release: unsupported,
      remove: unsupported,
      wait: (jobId) => jobs.get(jobId) ?? Promise.reject(new ServiceError('NOT_FOUND', jobId)),
    },
    queue: { status: unsupported, pause: unsupported, resume: unsupported, cancel: unsupported, drain: unsupported },
    restyle: {
      async *run(req, signal): AsyncIterable<RestyleEvent> {
        yield { type: 'start', restyleId: 'r1', packId: 'fake', usedDocs: 0, n: 1 };
        for (const word of req.draft.split(' ')) {
          if (signal?.aborted) break;
          yield { type: 'token', candidate: 0, tokenId: 1, text: word.toUpperCase() + ' ' };
        }
        yield { type: 'candidate-done', candidate: 0, text: req.draft.toUpperCase(), finishReason: 'eos', generationId: 1 };
        yield { type: 'done', aborted: false };
      },
    },
    history: { list: unsupported, delete: unsupported, undoDelete: unsupported },
    packs: { list: () => [], validate: unsupported, setActive: unsupported },
    settings: { get: unsupported, update: unsupported, exportAll: unsupported, listExports: unsupported, deleteAll: unsupported, recompute: unsupported },
    onEvent(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    close: async () => {},
  };
}
