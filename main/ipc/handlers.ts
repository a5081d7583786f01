// Assembles the per-domain handlers into the full table (the type makes a channel
// without a handler a compile error) and forwards service events to the host.
import { appHandlers } from './app.handlers.js';
import type { HandlerTable } from './dispatch.js';
import type { HandlerDeps } from './handler-deps.js';
import { historyHandlers } from './history.handlers.js';
import { importHandlers } from './import.handlers.js';
import { libraryHandlers } from './library.handlers.js';
import { packsHandlers } from './packs.handlers.js';
import { profilesHandlers } from './profiles.handlers.js';
import { queueHandlers } from './queue.handlers.js';
import { restyleHandlers } from './restyle.handlers.js';
import { settingsHandlers } from './settings.handlers.js';

export interface HostHandlers {
  table: HandlerTable;
  /** Unsubscribes from service events and stops running restyle streams. */
  dispose(): void;
}

export function createHandlers(deps: HandlerDeps): HostHandlers {
  const restyle = restyleHandlers(deps);
  const table: HandlerTable = {
    ...appHandlers(deps),
    ...profilesHandlers(deps),
    ...importHandlers(deps),
    ...libraryHandlers(deps),
    ...queueHandlers(deps),
    ...restyle.table,
    ...historyHandlers(deps),
    ...packsHandlers(deps),
    ...settingsHandlers(deps),
  };
  const unsubscribe = deps.services.onEvent((e) => {
    switch (e.type) {
      case 'import':
        return deps.emit('import:progress', e.progress);
      case 'queue':
        return deps.emit('queue:progress', e.status);
      case 'data-changed':
        return deps.emit('data:changed', e.profileId === undefined ? { what: e.what } : { what: e.what, profileId: e.profileId });
    }
  });
  return {
    table,
    dispose() {
      unsubscribe();
      restyle.stopAll();
    },
  };
}
