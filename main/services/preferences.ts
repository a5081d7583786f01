// The app's own settings (not the user's data): the thread count and the output
// filter, read once from the database. The settings service changes them; the pack
// loader and restyle read them.
import * as store from '../store/index.js';
import type { Database } from '../store/index.js';

export interface Preferences {
  /** Inference threads; 0 is automatic. */
  threads: number;
  /** Mask offensive words in suggestions as they stream. */
  filterOffensive: boolean;
}

export function loadPreferences(db: Database): Preferences {
  return { threads: store.getSetting<number>(db, 'threads', 0), filterOffensive: store.getSetting<boolean>(db, 'filterOffensive', true) };
}
