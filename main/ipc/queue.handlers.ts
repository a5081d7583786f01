import type { HandlerTable } from './dispatch.js';
import type { HandlerDeps } from './handler-deps.js';

export function queueHandlers({ services }: HandlerDeps): Pick<HandlerTable, 'queue:status' | 'queue:pause' | 'queue:resume'> {
  return {
    'queue:status': () => services.queue.status(),
    'queue:pause': () => services.queue.pause(),
    'queue:resume': () => services.queue.resume(),
  };
}
