import type { Database } from 'better-sqlite3';
import { stmt } from './db.js';

/** A stored setting parsed from JSON, or the fallback when absent. */
export function getSetting<T>(db: Database, key: string, fallback: T): T {
  const r = stmt(db, 'SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
  return r ? (JSON.parse(r.value) as T) : fallback;
}

/** Stores a setting as JSON (no write when it already holds that value). */
export function setSetting(db: Database, key: string, value: unknown): void {
  const json = JSON.stringify(value);
  const r = stmt(db, 'SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
  if (r?.value === json) return;
  stmt(db, 'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, json);
}

/** Every setting, for export. */
export function allSettings(db: Database): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const r of stmt(db, 'SELECT key, value FROM settings ORDER BY key').all() as Array<{ key: string; value: string }>) out[r.key] = JSON.parse(r.value);
  return out;
}
