import type { HandlerTable } from './dispatch.js';
import type { HandlerDeps } from './handler-deps.js';

export function historyHandlers({ services }: HandlerDeps): Pick<HandlerTable, 'history:list' | 'history:delete' | 'history:restore'> {
  return {
    'history:list': (req) => services.history.list(req),
    'history:delete': ({ ids }) => services.history.delete(ids),
    'history:restore': ({ ids }) => services.history.undoDelete(ids),
  };
}
