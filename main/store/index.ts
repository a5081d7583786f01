// The store's public surface: open the database, then call query functions with it.
export { openDatabase, openReadOnly, schemaVersion, type Database, type OpenOptions } from './db.js';
export { LATEST_SCHEMA_VERSION } from './migrations/index.js';
export { StoreError, type StoreErrorCode } from './errors.js';
export { isBusyError, retryWhileBusy, type BusyRetryOptions } from './busy.js';
export * from './sessions.js';
export { defaultDataDir, DB_FILE_NAME, APP_DIR_NAME, EXPORTS_DIR_NAME } from './paths.js';
export * from './profiles.js';
export * from './documents.js';
export * from './document-trash.js';
export * from './compressions.js';
export * from './means.js';
export * from './generations.js';
export * from './settings.js';
export * from './imports.js';
export { deleteUserData, checkpointWal } from './delete-all.js';
export { blobToF32, f32ToBlob } from './vectors.js';
