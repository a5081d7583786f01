import type { HandlerTable } from './dispatch.js';
import type { HandlerDeps } from './handler-deps.js';

type Channels = 'profiles:list' | 'profiles:create' | 'profiles:rename' | 'profiles:delete';

export function profilesHandlers({ services }: HandlerDeps): Pick<HandlerTable, Channels> {
  return {
    'profiles:list': () => services.profiles.list(),
    'profiles:create': ({ name }) => services.profiles.create(name),
    'profiles:rename': ({ id, name }) => services.profiles.rename(id, name),
    'profiles:delete': ({ id }) => {
      services.profiles.delete(id);
      return null;
    },
  };
}
