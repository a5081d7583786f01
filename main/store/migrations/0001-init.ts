import type { Database } from 'better-sqlite3';

// Schema v1. Running means are float64 sums so that thousands of adds and removes
// do not drift; compressions stay float32 as the runtime produces them.
export const version = 1;
export const name = 'init';

/** Creates the v1 schema; runs inside the migration transaction. */
export function up(db: Database): void {
  db.exec(`
    CREATE TABLE profiles (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL COLLATE NOCASE UNIQUE CHECK (length(trim(name)) > 0),
      created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    );

    CREATE TABLE imports (
      id INTEGER PRIMARY KEY,
      profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
      file TEXT NOT NULL,
      format TEXT,
      options TEXT NOT NULL DEFAULT '{}',
      status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'cancelled', 'interrupted')),
      parsed INTEGER NOT NULL DEFAULT 0,
      stored INTEGER NOT NULL DEFAULT 0,
      duplicates INTEGER NOT NULL DEFAULT 0,
      skipped INTEGER NOT NULL DEFAULT 0,
      error_count INTEGER NOT NULL DEFAULT 0,
      errors TEXT NOT NULL DEFAULT '[]',
      message TEXT,
      started_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
      finished_at TEXT
    );

    CREATE TABLE documents (
      id INTEGER PRIMARY KEY,
      profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
      kind TEXT NOT NULL CHECK (kind IN ('tweet', 'article')),
      text TEXT NOT NULL CHECK (length(text) > 0),
      source TEXT NOT NULL,
      sha256 TEXT NOT NULL,
      written_at TEXT,
      imported_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
      import_id INTEGER REFERENCES imports(id) ON DELETE SET NULL,
      UNIQUE (profile_id, sha256)
    );
    CREATE INDEX documents_profile_kind ON documents(profile_id, kind, id);
    CREATE INDEX documents_import ON documents(import_id);

    -- External-content FTS5 index kept in step by triggers, so search never needs a rebuild.
    CREATE VIRTUAL TABLE documents_fts USING fts5(
      text, content = 'documents', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER documents_ai AFTER INSERT ON documents BEGIN
      INSERT INTO documents_fts(rowid, text) VALUES (new.id, new.text);
    END;
    CREATE TRIGGER documents_ad AFTER DELETE ON documents BEGIN
      INSERT INTO documents_fts(documents_fts, rowid, text) VALUES ('delete', old.id, old.text);
    END;
    CREATE TRIGGER documents_au AFTER UPDATE OF text ON documents BEGIN
      INSERT INTO documents_fts(documents_fts, rowid, text) VALUES ('delete', old.id, old.text);
      INSERT INTO documents_fts(rowid, text) VALUES (new.id, new.text);
    END;

    CREATE TABLE compressions (
      document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
      pack_id TEXT NOT NULL,
      k INTEGER NOT NULL CHECK (k > 0),
      dim INTEGER NOT NULL CHECK (dim > 0),
      data BLOB NOT NULL CHECK (length(data) = 4 * k * dim),
      created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
      PRIMARY KEY (document_id, pack_id)
    );
    CREATE INDEX compressions_pack ON compressions(pack_id, document_id);

    CREATE TABLE profile_means (
      profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
      pack_id TEXT NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('tweet', 'article')),
      count INTEGER NOT NULL CHECK (count > 0),
      k INTEGER NOT NULL,
      dim INTEGER NOT NULL,
      sum BLOB NOT NULL CHECK (length(sum) = 8 * k * dim),
      PRIMARY KEY (profile_id, pack_id, kind)
    );

    CREATE TABLE generations (
      id INTEGER PRIMARY KEY,
      profile_id INTEGER REFERENCES profiles(id) ON DELETE SET NULL,
      profile_name TEXT,
      task TEXT NOT NULL CHECK (task IN ('paraphrase', 'headline')),
      draft TEXT NOT NULL,
      output TEXT NOT NULL,
      pack_id TEXT NOT NULL,
      settings TEXT NOT NULL DEFAULT '{}',
      created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
      deleted_at TEXT
    );
    CREATE INDEX generations_listing ON generations(deleted_at, id);

    CREATE TABLE settings (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL
    );
  `);
}
