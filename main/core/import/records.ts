import { DATE_FIELDS, DEFAULT_TEXT_FIELDS, ImportParseError, MAX_DOC_CHARS, type ParseEvent, type RecordOptions } from './types.js';

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", '#39': "'" };

/** Twitter stores &, < and > HTML-escaped in archives and exports; undo that (and numeric references). */
export function decodeTweetEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(amp|lt|gt|quot|apos|#39|#(\d{1,7})|#x([0-9a-fA-F]{1,6}));/g, (m, name: string, dec?: string, hex?: string) => {
    if (dec) return safeCodePoint(Number(dec), m);
    if (hex) return safeCodePoint(parseInt(hex, 16), m);
    return ENTITIES[name] ?? m;
  });
}

function safeCodePoint(n: number, fallback: string): string {
  return n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : fallback;
}

/** Parses the many date spellings exports use into ISO 8601, or null. */
export function toIsoDate(v: unknown): string | null {
  if (v === null || v === undefined || v === '') return null;
  let d: Date;
  if (typeof v === 'number') d = new Date(v < 1e12 ? v * 1000 : v);
  else if (typeof v === 'string') {
    const s = v.trim();
    // US short dates such as 10/16/17 22:59 (the fivethirtyeight exports).
    const us = /^(\d{1,2})\/(\d{1,2})\/(\d{2}|\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(s);
    if (us) {
      const y = us[3]!.length === 2 ? 2000 + Number(us[3]) : Number(us[3]);
      d = new Date(Date.UTC(y, Number(us[1]) - 1, Number(us[2]), Number(us[4] ?? 0), Number(us[5] ?? 0), Number(us[6] ?? 0)));
    } else d = new Date(s);
  } else return null;
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

function field(obj: Record<string, unknown>, name: string): unknown {
  if (name in obj) return obj[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(obj)) if (k.toLowerCase() === lower) return obj[k];
  return undefined;
}

/** Picks the text field of a record: the one the user named, or the first default present. */
export function pickTextField(obj: Record<string, unknown>, requested?: string): string | null {
  if (requested) return field(obj, requested) === undefined ? null : requested;
  for (const f of DEFAULT_TEXT_FIELDS) {
    const v = field(obj, f);
    if (typeof v === 'string') return f;
    // The Twitter archive nests the tweet: {"tweet": {"full_text": ...}}.
    if (f === 'tweet' && v && typeof v === 'object') return f;
  }
  // A text field that holds something else (a number, null) is this record's problem, not a missing field:
  // returning it lets the caller say what the field holds.
  for (const f of DEFAULT_TEXT_FIELDS) if (field(obj, f) !== undefined) return f;
  return null;
}

/** Turns one decoded JSON value into a parse event (a document, a skip or a row error). */
export function recordToEvent(value: unknown, line: number, opts: RecordOptions, isTwitter: boolean): ParseEvent {
  if (typeof value === 'string') return textEvent(value, line, null, false);
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    return { type: 'error', line, message: `expected a record (object) or a string, found ${Array.isArray(value) ? 'an array' : typeof value}` };
  }
  let obj = value as Record<string, unknown>;
  const nested = field(obj, 'tweet');
  if (!opts.textField && nested && typeof nested === 'object' && !Array.isArray(nested)) obj = nested as Record<string, unknown>;
  const name = pickTextField(obj, opts.textField);
  if (!name) {
    const keys = Object.keys(obj).slice(0, 20).join(', ') || '(none)';
    return {
      type: 'error',
      line,
      message: opts.textField ? `the record has no "${opts.textField}" field (fields: ${keys})` : `the record has no text field (fields: ${keys}); choose the field holding the text`,
    };
  }
  const raw = field(obj, name);
  if (typeof raw !== 'string') return { type: 'error', line, message: `field "${name}" is ${raw === null ? 'null' : typeof raw}, expected text` };
  const looksTwitter = isTwitter || 'id_str' in obj || 'in_reply_to_status_id_str' in obj;
  if (looksTwitter) {
    const text = decodeTweetEntities(raw);
    if (!opts.includeRetweets && (obj.retweeted === true || 'retweeted_status' in obj || /^RT @\w+:?/.test(text))) return { type: 'skip', line, reason: 'retweet' };
    const reply = obj.in_reply_to_status_id_str ?? obj.in_reply_to_status_id ?? obj.in_reply_to_user_id_str;
    if (!opts.includeReplies && reply !== undefined && reply !== null && reply !== '') return { type: 'skip', line, reason: 'reply' };
    return textEvent(text, line, dateOf(obj), false);
  }
  return textEvent(raw, line, dateOf(obj), false);
}

function dateOf(obj: Record<string, unknown>): string | null {
  for (const f of DATE_FIELDS) {
    const v = field(obj, f);
    if (v !== undefined) return toIsoDate(v);
  }
  return null;
}

/** Wraps a text into a document event, or a skip when blank, or an error when absurdly long. */
export function textEvent(text: string, line: number, writtenAt: string | null, decode: boolean): ParseEvent {
  const t = (decode ? decodeTweetEntities(text) : text).trim();
  if (!t) return { type: 'skip', line, reason: 'empty' };
  if (t.length > MAX_DOC_CHARS) return { type: 'error', line, message: `the text is ${t.length} characters long, more than the ${MAX_DOC_CHARS} one document may have` };
  if (t.includes('\u0000')) return { type: 'error', line, message: 'the text contains NUL characters (binary data?)' };
  // The decoder replaces bytes that are not valid in the file's encoding with U+FFFD; such a row would store damaged text.
  if (t.includes('\uFFFD')) {
    return {
      type: 'error',
      line,
      cause: 'encoding',
      message: 'the row contains bytes that are not valid UTF-8 (the file is in another encoding); save the file as UTF-8, or import it again choosing its encoding (e.g. windows-1252)',
    };
  }
  return { type: 'doc', doc: { text: t, line, writtenAt } };
}

/** The fatal error for a file whose first record has no usable text field. */
export function noTextFieldError(ev: ParseEvent, kind: 'field' | 'column'): ImportParseError | null {
  if (ev.type === 'error' && /has no .*(text )?field/.test(ev.message)) {
    return new ImportParseError(ev.message.replace('the record', `the first record`).replace(/field/g, kind), ev.line);
  }
  return null;
}
