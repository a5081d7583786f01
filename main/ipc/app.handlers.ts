import type { HandlerTable } from './dispatch.js';
import type { HandlerDeps } from './handler-deps.js';

export function appHandlers(deps: HandlerDeps): Pick<HandlerTable, 'app:info'> {
  return {
    'app:info': () => ({ name: 'ComMer Studio', version: deps.appVersion, host: deps.host, platform: deps.platform }),
  };
}
