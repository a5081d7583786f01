import type { Database } from 'better-sqlite3';

// Schema v3: an import the user cancelled holds its documents back from learning.
// The documents it stored stay (the user may keep them, remove them, or ask for
// them to be learned after all), but the compression queue passes them by, also
// after a restart: a cancel that a restart undid would not be a cancel.
export const version = 3;
export const name = 'import-hold';

/** Adds imports.held; runs inside the migration transaction. */
export function up(db: Database): void {
  db.exec(`
    ALTER TABLE imports ADD COLUMN held INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX imports_held ON imports(id) WHERE held = 1;
  `);
}
