import { basename } from 'node:path';
import type { HandlerTable } from './dispatch.js';
import type { HandlerDeps } from './handler-deps.js';

type Channels = 'settings:get' | 'settings:update' | 'settings:export' | 'settings:exports' | 'settings:deleteAll' | 'settings:recompute';

export function settingsHandlers({ services, exportTarget }: HandlerDeps): Pick<HandlerTable, Channels> {
  return {
    'settings:get': () => services.settings.get(),
    'settings:update': (patch) => services.settings.update(patch),
    'settings:export': async () => {
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const target = exportTarget(`commer-export-${stamp}.json`);
      const { path, bytes } = await services.settings.exportAll(target.path);
      return { path, bytes, fileName: basename(path), ...(target.downloadUrl ? { downloadUrl: target.downloadUrl } : {}) };
    },
    'settings:exports': () => services.settings.listExports(),
    'settings:deleteAll': ({ exports }) => services.settings.deleteAll({ exports: exports ?? false }),
    'settings:recompute': () => services.settings.recompute(),
  };
}
