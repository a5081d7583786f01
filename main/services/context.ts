// What every service domain is built on: one database, one inference host, one
// compression queue and one event stream, opened by createServices.
import type { Database } from '../store/index.js';
import type { CompressionQueue } from '../jobs/compression-queue.js';
import type { InferenceClient } from '../jobs/inference-client.js';
import type { StoreCall } from './validate.js';
import type { ServiceEvent } from './types.js';

export interface ServiceContext {
  db: Database;
  /** Runs a store call with its failures as ServiceErrors. */
  storeCall: StoreCall;
  /** Sends an event to every listener (a failing listener stops none of the others). */
  emit: (e: ServiceEvent) => void;
  client: InferenceClient;
  queue: CompressionQueue;
}

/** The event stream of the services: listeners, and an emit that no listener can break. */
export function createEvents() {
  const listeners = new Set<(e: ServiceEvent) => void>();
  const emit = (e: ServiceEvent) => {
    for (const l of listeners) {
      try {
        l(e);
      } catch {
        // A failing listener must not stop the others or the job that emitted.
      }
    }
  };
  return {
    emit,
    on: (l: (e: ServiceEvent) => void) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    clear: () => listeners.clear(),
  };
}
