import type { Database } from 'better-sqlite3';
import { hash } from 'node:crypto';
import { stmt } from './db.js';
import { NOT_HELD } from './compressions.js';
import { applyToMean } from './means.js';
import { blobToF32 } from './vectors.js';
import type { DocKind } from './kinds.js';

export type { DocKind } from './kinds.js';

export interface NewDocument {
  kind: DocKind;
  text: string;
  source: string;
  writtenAt?: string | null;
}

export interface DocumentRow {
  id: number;
  profile_id: number;
  kind: DocKind;
  text: string;
  source: string;
  written_at: string | null;
  imported_at: string;
}

/**
 * The duplicate key: sha256 of the text with Unicode normalized and whitespace
 * collapsed, so a re-export that only re-wraps lines still counts as the same document.
 */
export function contentHash(text: string): string {
  // crypto.hash is the one-shot form: no Hash object per document on the import hot path.
  return hash('sha256', text.normalize('NFC').replace(/\s+/g, ' ').trim(), 'hex');
}

export interface InsertResult {
  inserted: number;
  duplicates: number;
}

/**
 * Inserts documents in one transaction; ones whose content hash the profile
 * already has are counted as duplicates and add nothing.
 */
export function insertDocuments(db: Database, profileId: number, docs: readonly NewDocument[], importId: number | null = null): InsertResult {
  const ins = stmt(db, 'INSERT INTO documents (profile_id, kind, text, source, sha256, written_at, import_id) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (profile_id, sha256) DO NOTHING');
  return db
    .transaction((): InsertResult => {
      let inserted = 0;
      for (const d of docs) {
        const text = d.text.trim();
        if (!text) continue;
        inserted += ins.run(profileId, d.kind, text, d.source, contentHash(text), d.writtenAt ?? null, importId).changes;
      }
      return { inserted, duplicates: docs.length - inserted };
    })
    .immediate();
}

export interface ListDocumentsQuery {
  profileId: number;
  kind?: DocKind;
  search?: string;
  offset: number;
  limit: number;
  /** Marks which rows have a compression with this pack. */
  packId: string | null;
}

export interface ListedDocument extends DocumentRow {
  compressed: number;
  /** 1 when its import was cancelled: it is kept but not learned. */
  held: number;
}

/**
 * Turns free text into an FTS5 query: every word quoted (so user punctuation can
 * never be FTS syntax) and OR-ed, letting BM25 rank by how many and how rare.
 */
export function ftsQuery(text: string, mode: 'and' | 'or', skip?: ReadonlySet<string>): string | null {
  const words = text.normalize('NFC').match(/[\p{L}\p{N}_]+/gu) ?? [];
  const uniq = [...new Set(words.map((w) => w.toLowerCase()))].filter((w) => !skip?.has(w)).slice(0, 64);
  if (uniq.length === 0) return null;
  return uniq.map((w) => `"${w}"`).join(mode === 'and' ? ' AND ' : ' OR ');
}

/** One page of a profile's documents, newest first, optionally filtered by kind and a full-text search. */
export function listDocuments(db: Database, q: ListDocumentsQuery): { items: ListedDocument[]; total: number } {
  const where = ['d.profile_id = @profileId'];
  const params: Record<string, unknown> = { profileId: q.profileId, packId: q.packId ?? '', limit: q.limit, offset: q.offset };
  if (q.kind) {
    where.push('d.kind = @kind');
    params.kind = q.kind;
  }
  if (q.search && q.search.trim()) {
    const m = ftsQuery(q.search, 'and');
    if (!m) return { items: [], total: 0 };
    where.push('d.id IN (SELECT rowid FROM documents_fts WHERE documents_fts MATCH @match)');
    params.match = m;
  }
  const w = where.join(' AND ');
  const total = (stmt(db, `SELECT count(*) AS n FROM documents d WHERE ${w}`).get(params) as { n: number }).n;
  const items = stmt(
    db,
    `SELECT d.id, d.profile_id, d.kind, d.text, d.source, d.written_at, d.imported_at,
       EXISTS (SELECT 1 FROM compressions c WHERE c.document_id = d.id AND c.pack_id = @packId) AS compressed,
       NOT ${NOT_HELD} AS held
     FROM documents d WHERE ${w} ORDER BY d.id DESC LIMIT @limit OFFSET @offset`,
  ).all(params) as ListedDocument[];
  return { items, total };
}

/** Ids of the n documents of a profile most relevant to a text (FTS5 BM25), best first. */
export function relevantDocumentIds(db: Database, profileId: number, text: string, n: number, kinds: readonly DocKind[], packId: string): number[] {
  const m = ftsQuery(text, 'or');
  if (!m || n <= 0) return [];
  const kindList = kinds.map((k) => `'${k === 'article' ? 'article' : 'tweet'}'`).join(',');
  // Only documents that already have a compression with the pack can take part in the merge.
  const rows = db
    .prepare(
      `SELECT d.id FROM documents_fts f JOIN documents d ON d.id = f.rowid
       WHERE documents_fts MATCH ? AND d.profile_id = ? AND d.kind IN (${kindList})
         AND EXISTS (SELECT 1 FROM compressions c WHERE c.document_id = d.id AND c.pack_id = ?)
       ORDER BY bm25(documents_fts) LIMIT ?`,
    )
    .all(m, profileId, packId, n) as Array<{ id: number }>;
  return rows.map((r) => r.id);
}

export interface ClosestDocumentRow {
  id: number;
  kind: DocKind;
  source: string;
  written_at: string | null;
  imported_at: string;
  /** The document, or the part of a long one around the shared words (FTS5 snippet, '…' where cut). */
  snippet: string;
  /** [start, end) character ranges in `snippet` of the words it shares with the text. */
  marks: Array<[number, number]>;
}

// Control characters FTS5 puts around matched tokens in a snippet, parsed back out into
// ranges so they never reach the caller (one in a document's own text only moves a highlight).
const MARK_OPEN = '\u0002';
const MARK_CLOSE = '\u0003';

/** Splits an FTS5 snippet marked with MARK_OPEN/MARK_CLOSE into plain text and the marked ranges. */
export function parseMarkedSnippet(marked: string): { snippet: string; marks: Array<[number, number]> } {
  let snippet = '';
  const marks: Array<[number, number]> = [];
  let open = -1;
  for (const ch of marked) {
    if (ch === MARK_OPEN) open = snippet.length;
    else if (ch === MARK_CLOSE) {
      if (open >= 0 && snippet.length > open) marks.push([open, snippet.length]);
      open = -1;
    } else snippet += ch;
  }
  return { snippet, marks };
}

// English function words (NLTK's English stop list, and a few more): a suggestion and a document
// that share only "the" are not alike. BM25 weighs common words down, but with nothing better to
// rank it still returns them.
export const FUNCTION_WORDS: ReadonlySet<string> = new Set(
  (
    'a an the and or but nor so if then than of to in on at by for from with into onto over under about as ' +
    'up down out off again further once through during before after above below between until while against ' +
    'is are was were be been being am do does did doing have has had having will would shall should can could may might must ' +
    'i me my mine myself you your yours yourself yourselves he him his himself she her hers herself it its itself ' +
    'we us our ours ourselves they them their theirs themselves ' +
    'this that these those there here what which who whom whose how when where why ' +
    'not no yes just very too also all any some both each few more most other such only own same now ' +
    'because like s t d ll m o re ve y don'
  ).split(' '),
);

export interface ClosestQuery {
  profileId: number;
  /** The text to find neighbours for (a suggestion). */
  text: string;
  kinds: readonly DocKind[];
  /** Only documents with a compression of this pack: the ones the style was learned from. */
  packId: string;
  /** When set, only these documents (the ones a "most relevant" restyle merged). */
  among?: readonly number[];
  limit: number;
}

/**
 * The profile's documents closest to a text by FTS5 BM25 over the words they share
 * (English function words left out), best first, each with a snippet around the shared
 * words. Empty when no document shares such a word with the text.
 */
export function closestDocuments(db: Database, q: ClosestQuery): ClosestDocumentRow[] {
  const m = ftsQuery(q.text, 'or', FUNCTION_WORDS);
  if (!m || q.limit <= 0 || q.kinds.length === 0 || (q.among && q.among.length === 0)) return [];
  const kindList = q.kinds.map((k) => `'${k === 'article' ? 'article' : 'tweet'}'`).join(',');
  const among = q.among ? 'AND d.id IN (SELECT value FROM json_each(@among))' : '';
  // 40 tokens: a tweet whole, an article the passage around the words it shares.
  const rows = stmt(
    db,
    `SELECT d.id, d.kind, d.source, d.written_at, d.imported_at,
         snippet(documents_fts, 0, char(2), char(3), '…', 40) AS marked
       FROM documents_fts f JOIN documents d ON d.id = f.rowid
       WHERE documents_fts MATCH @match AND d.profile_id = @profileId AND d.kind IN (${kindList}) ${among}
         AND EXISTS (SELECT 1 FROM compressions c WHERE c.document_id = d.id AND c.pack_id = @packId)
       ORDER BY bm25(documents_fts), d.id DESC LIMIT @limit`,
  ).all({ match: m, profileId: q.profileId, packId: q.packId, limit: q.limit, ...(q.among ? { among: JSON.stringify(q.among) } : {}) }) as Array<
    Omit<ClosestDocumentRow, 'snippet' | 'marks'> & { marked: string }
  >;
  return rows.map(({ marked, ...r }) => ({ ...r, ...parseMarkedSnippet(marked) }));
}

/**
 * Where a document sits in its profile's Library list (newest first, no filter): the
 * number of the profile's documents added after it. Null when there is no such document.
 */
export function documentPosition(db: Database, id: number): { row: DocumentRow; index: number } | null {
  const row = stmt(db, 'SELECT id, profile_id, kind, text, source, written_at, imported_at FROM documents WHERE id = ?').get(id) as DocumentRow | undefined;
  if (!row) return null;
  const { n } = stmt(db, 'SELECT count(*) AS n FROM documents WHERE profile_id = ? AND id > ?').get(row.profile_id, id) as { n: number };
  return { row, index: n };
}

/** Documents per kind for a profile. */
export function countDocuments(db: Database, profileId: number): Record<DocKind, number> {
  const rows = stmt(db, 'SELECT kind, count(*) AS n FROM documents WHERE profile_id = ? GROUP BY kind').all(profileId) as Array<{ kind: DocKind; n: number }>;
  const out: Record<DocKind, number> = { tweet: 0, article: 0 };
  for (const r of rows) out[r.kind] = r.n;
  return out;
}

/**
 * Deletes documents with their compressions, subtracting each compression from
 * its running mean in the same transaction. Returns how many existed.
 */
export function deleteDocuments(db: Database, ids: readonly number[]): number {
  const getDoc = stmt(db, 'SELECT profile_id, kind FROM documents WHERE id = ?');
  const comps = stmt(db, 'SELECT pack_id, k, dim, data FROM compressions WHERE document_id = ?');
  const del = stmt(db, 'DELETE FROM documents WHERE id = ?');
  return db
    .transaction((): number => {
      let n = 0;
      for (const id of ids) {
        const d = getDoc.get(id) as { profile_id: number; kind: DocKind } | undefined;
        if (!d) continue;
        for (const c of comps.all(id) as Array<{ pack_id: string; k: number; dim: number; data: Buffer }>) {
          applyToMean(db, d.profile_id, c.pack_id, d.kind, c.k, c.dim, blobToF32(c.data), -1);
        }
        n += del.run(id).changes;
      }
      return n;
    })
    .immediate();
}
