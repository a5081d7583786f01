import type { Database } from 'better-sqlite3';
import * as m0001 from './0001-init.js';
import * as m0002 from './0002-import-owner.js';
import * as m0003 from './0003-import-hold.js';

export interface Migration {
  version: number;
  name: string;
  up(db: Database): void;
}

/** Every migration in order; a new schema version appends one file here. */
export const MIGRATIONS: readonly Migration[] = [m0001, m0002, m0003];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
