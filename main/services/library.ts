// Profiles and their documents, as the services show them: summaries with learning
// counts, document pages, and undo of a library delete.
import { randomUUID } from 'node:crypto';
import * as store from '../store/index.js';
import type { Database } from '../store/index.js';
import { ServiceError } from './errors.js';
import type { ServiceContext } from './context.js';
import { requireIds, requireInt } from './validate.js';
import { DOC_KINDS, type DocumentItem, type DocumentsService, type ProfileSummary, type ProfilesService } from './types.js';

/** Undo of a library delete: this many recent deletes, for this long (the toast that offers it is long gone by then). */
const UNDO_DELETES_KEPT = 20;
const UNDO_DELETE_MS = 10 * 60_000;

/** The profile with this id, else INVALID_INPUT (not an id) or NOT_FOUND. */
export function requireProfile(db: Database, id: unknown): store.ProfileRow {
  const pid = requireInt(id, 'profileId', 1, Number.MAX_SAFE_INTEGER);
  const row = store.getProfile(db, pid);
  if (!row) throw new ServiceError('NOT_FOUND', `no profile with id ${pid}`);
  return row;
}

/** A profile row as the services show it: its documents, and how many are learned with the active pack. */
export function profileSummary(db: Database, row: store.ProfileRow, packId: string | null): ProfileSummary {
  const counts = store.countDocuments(db, row.id);
  const compression = packId ? { packId, ...store.profileCompressionCounts(db, row.id, packId) } : { packId: null, compressed: 0, pending: counts.tweet + counts.article, held: 0 };
  return { id: row.id, name: row.name, createdAt: row.created_at, docCounts: counts, compression };
}

export interface LibraryDeps {
  activePackId: () => string | null;
  /** Stops the running imports into a profile (it is being deleted). */
  abortImportsOf: (profileId: number) => void;
}

export function createLibrary({ db, storeCall, emit, queue }: ServiceContext, { activePackId, abortImportsOf }: LibraryDeps): { profiles: ProfilesService; documents: DocumentsService } {
  const deletedDocs = new Map<string, { docs: store.DeletedDocument[]; at: number }>();
  const summarize = (row: store.ProfileRow) => profileSummary(db, row, activePackId());

  const profiles: ProfilesService = {
    list: () => storeCall(() => store.listProfiles(db).map(summarize)),
    get: (id) => storeCall(() => summarize(requireProfile(db, id))),
    create: (name) =>
      storeCall(() => {
        if (typeof name !== 'string') throw new ServiceError('INVALID_INPUT', 'a profile name must be text');
        const p = summarize(store.createProfile(db, name));
        emit({ type: 'data-changed', what: 'profiles', profileId: p.id });
        return p;
      }),
    rename: (id, name) =>
      storeCall(() => {
        if (typeof name !== 'string') throw new ServiceError('INVALID_INPUT', 'a profile name must be text');
        const p = summarize(store.renameProfile(db, requireProfile(db, id).id, name));
        emit({ type: 'data-changed', what: 'profiles', profileId: p.id });
        return p;
      }),
    delete: (id) =>
      storeCall(() => {
        const row = requireProfile(db, id);
        abortImportsOf(row.id);
        store.deleteProfile(db, row.id);
        emit({ type: 'data-changed', what: 'profiles', profileId: row.id });
      }),
  };

  const documents: DocumentsService = {
    list: (req) =>
      storeCall(() => {
        const p = requireProfile(db, req?.profileId);
        if (req.kind !== undefined && !DOC_KINDS.includes(req.kind)) throw new ServiceError('INVALID_INPUT', `kind must be one of ${DOC_KINDS.join(', ')}`);
        const offset = req.offset === undefined ? 0 : requireInt(req.offset, 'offset', 0, Number.MAX_SAFE_INTEGER);
        const limit = req.limit === undefined ? 50 : requireInt(req.limit, 'limit', 1, 500);
        const r = store.listDocuments(db, { profileId: p.id, kind: req.kind, search: typeof req.search === 'string' ? req.search : undefined, offset, limit, packId: activePackId() });
        const items: DocumentItem[] = r.items.map((d) => ({
          id: d.id,
          profileId: d.profile_id,
          kind: d.kind,
          text: d.text,
          source: d.source,
          writtenAt: d.written_at,
          importedAt: d.imported_at,
          compressed: d.compressed === 1,
          held: d.held === 1,
        }));
        return { items, total: r.total, offset, limit };
      }),
    delete: (list) =>
      storeCall(() => {
        const taken = store.takeDocuments(db, requireIds(list, 'ids'));
        emit({ type: 'data-changed', what: 'documents' });
        if (!taken.length) return { deleted: 0, undoToken: null };
        const now = Date.now();
        for (const [t, d] of deletedDocs) if (now - d.at > UNDO_DELETE_MS || deletedDocs.size >= UNDO_DELETES_KEPT) deletedDocs.delete(t);
        const undoToken = randomUUID();
        deletedDocs.set(undoToken, { docs: taken, at: now });
        return { deleted: taken.length, undoToken };
      }),
    restore: (token) =>
      storeCall(() => {
        if (typeof token !== 'string' || !token) throw new ServiceError('INVALID_INPUT', 'undoToken must be the token a delete returned');
        const d = deletedDocs.get(token);
        if (!d || Date.now() - d.at > UNDO_DELETE_MS) {
          deletedDocs.delete(token);
          throw new ServiceError('NOT_FOUND', `that delete can no longer be undone (undo lasts ${UNDO_DELETE_MS / 60_000} minutes, for the last ${UNDO_DELETES_KEPT} deletes, until the app closes)`);
        }
        const r = store.restoreDocuments(db, d.docs);
        deletedDocs.delete(token);
        // Restored documents that lack a compression with the active pack are learned again.
        queue.notify();
        emit({ type: 'data-changed', what: 'documents' });
        return r;
      }),
    locate: (id) =>
      storeCall(() => {
        const found = store.documentPosition(db, requireInt(id, 'id', 1, Number.MAX_SAFE_INTEGER));
        if (!found) throw new ServiceError('NOT_FOUND', `document ${id} does not exist (it may have been deleted)`);
        const d = found.row;
        const packId = activePackId();
        const compressed = packId ? store.hasCompression(db, d.id, packId) : false;
        return {
          document: { id: d.id, profileId: d.profile_id, kind: d.kind, text: d.text, source: d.source, writtenAt: d.written_at, importedAt: d.imported_at, compressed, held: d.held === 1 },
          index: found.index,
        };
      }),
  };

  return { profiles, documents };
}
