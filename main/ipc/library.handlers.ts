import type { HandlerTable } from './dispatch.js';
import type { HandlerDeps } from './handler-deps.js';

export function libraryHandlers({ services }: HandlerDeps): Pick<HandlerTable, 'library:list' | 'library:delete' | 'library:locate' | 'library:restore'> {
  return {
    'library:list': (req) => services.documents.list(req),
    'library:delete': ({ ids }) => services.documents.delete(ids),
    'library:locate': ({ id }) => services.documents.locate(id),
    'library:restore': ({ undoToken }) => services.documents.restore(undoToken),
  };
}
