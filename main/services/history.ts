// The history of suggestions: pages of it, and delete with undo.
import * as store from '../store/index.js';
import { ServiceError } from './errors.js';
import type { ServiceContext } from './context.js';
import { requireIds, requireInt } from './validate.js';
import type { GenerationItem, HistoryService } from './types.js';

/** A history row as the services show it (its settings parsed). */
export function generationItem(g: store.GenerationRow): GenerationItem {
  return {
    id: g.id,
    profileId: g.profile_id,
    profileName: g.profile_name,
    task: g.task,
    draft: g.draft,
    output: g.output,
    packId: g.pack_id,
    settings: JSON.parse(g.settings) as GenerationItem['settings'],
    createdAt: g.created_at,
  };
}

export function createHistory({ db, storeCall, emit }: Pick<ServiceContext, 'db' | 'storeCall' | 'emit'>): HistoryService {
  return {
    list: (req = {}) =>
      storeCall(() => {
        const offset = req.offset === undefined ? 0 : requireInt(req.offset, 'offset', 0, Number.MAX_SAFE_INTEGER);
        const limit = req.limit === undefined ? 50 : requireInt(req.limit, 'limit', 1, 500);
        if (req.search !== undefined && typeof req.search !== 'string') throw new ServiceError('INVALID_INPUT', 'search must be text');
        const r = store.listGenerations(db, { profileId: req.profileId, search: req.search, offset, limit });
        const items: GenerationItem[] = r.items.map(generationItem);
        return { items, total: r.total, offset, limit };
      }),
    delete: (list) =>
      storeCall(() => {
        const n = store.softDeleteGenerations(db, requireIds(list, 'ids'));
        emit({ type: 'data-changed', what: 'history' });
        return { deleted: n };
      }),
    undoDelete: (list) =>
      storeCall(() => {
        const n = store.restoreGenerations(db, requireIds(list, 'ids'));
        emit({ type: 'data-changed', what: 'history' });
        return { restored: n };
      }),
  };
}
