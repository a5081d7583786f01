export type StoreErrorCode = 'SCHEMA_TOO_NEW' | 'DB_CORRUPT' | 'DISK_FULL' | 'NOT_FOUND' | 'CONFLICT' | 'INVALID_INPUT' | 'BUSY';

/** A store failure with a code the service layer maps one to one onto its own. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Turns SQLite's disk-full, corruption and locked errors into StoreErrors; rethrows anything else unchanged. */
export function translateSqliteError(err: unknown, what: string): never {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'SQLITE_FULL') {
    throw new StoreError('DISK_FULL', `${what} failed: the disk or the database size limit is full; nothing of this step was written`);
  }
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    throw new StoreError('DB_CORRUPT', `${what} failed: the database file is damaged or not a database (${(err as Error).message})`);
  }
  if (typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))) {
    throw new StoreError('BUSY', `${what} failed: another process holds the database's write lock`);
  }
  throw err;
}
