import { randomUUID } from 'node:crypto';
import type { HandlerTable } from './dispatch.js';
import { toAppError } from './dispatch.js';
import type { HandlerDeps } from './handler-deps.js';

export interface RestyleHandlers {
  table: Pick<HandlerTable, 'restyle:start' | 'restyle:stop'>;
  /** Stops every running stream (window closed, host shutting down). */
  stopAll(): void;
}

export function restyleHandlers({ services, emit }: HandlerDeps): RestyleHandlers {
  const running = new Map<string, AbortController>();

  async function pump(streamId: string, req: Parameters<typeof services.restyle.run>[0], ac: AbortController) {
    try {
      for await (const event of services.restyle.run(req, ac.signal)) emit('restyle:event', { streamId, event });
    } catch (err) {
      emit('restyle:event', { streamId, event: { type: 'error', error: toAppError(err) } });
    } finally {
      running.delete(streamId);
    }
  }

  return {
    table: {
      'restyle:start': (req) => {
        const streamId = randomUUID();
        const ac = new AbortController();
        running.set(streamId, ac);
        // Start after this call has answered, so over IPC the id reaches the renderer
        // before the stream's first event does.
        setImmediate(() => void pump(streamId, req, ac));
        return { streamId };
      },
      'restyle:stop': ({ streamId }) => {
        // Stopping a stream that already ended is not an error: the user clicked Stop as it finished.
        running.get(streamId)?.abort();
        return null;
      },
    },
    stopAll() {
      for (const ac of running.values()) ac.abort();
      running.clear();
    },
  };
}
