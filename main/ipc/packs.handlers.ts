import { ServiceError } from '../services/errors.js';
import type { PackSummary, Services } from '../services/types.js';
import type { HandlerTable } from './dispatch.js';
import type { HandlerDeps } from './handler-deps.js';

function findPack(services: Services, id: string): PackSummary {
  const pack = services.packs.list().find((p) => p.id === id);
  if (!pack) throw new ServiceError('NOT_FOUND', `no model pack with id "${id}"`);
  return pack;
}

export function packsHandlers({ services }: HandlerDeps): Pick<HandlerTable, 'packs:list' | 'packs:validate' | 'packs:activate'> {
  return {
    'packs:list': () => services.packs.list(),
    // Ids, not directories: the renderer may only name packs the main side already found.
    'packs:validate': async ({ id }) => {
      const pack = findPack(services, id);
      const r = await services.packs.validate(pack.dir);
      if (!r.ok) throw new ServiceError('PACK_INVALID', r.error);
      return r.pack;
    },
    'packs:activate': async ({ id }) => {
      findPack(services, id);
      return services.packs.setActive(id);
    },
  };
}
