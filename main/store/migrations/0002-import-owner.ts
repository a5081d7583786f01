import type { Database } from 'better-sqlite3';

// Schema v2: each import names the session (store/sessions.ts) that runs it, so a
// second process on the same folder can tell an import that is still running from
// one whose process died. Rows from v1 have no owner: they can only be left over.
export const version = 2;
export const name = 'import-owner';

/** Adds imports.owner; runs inside the migration transaction. */
export function up(db: Database): void {
  db.exec(`
    ALTER TABLE imports ADD COLUMN owner TEXT;
    CREATE INDEX imports_running ON imports(status) WHERE status = 'running';
  `);
}
