// Text <-> ids through the pack's tokenizer.json, using @huggingface/tokenizers
// (pure JS, the library transformers.js uses). Ids never include special tokens:
// the runtime adds BOS itself, as models/PACK_FORMAT.md requires.

import { Tokenizer } from '@huggingface/tokenizers';

/** Turns generated ids into printable text, piece by piece. */
export interface StreamDecoder {
  /** Add one generated id; returns the newly printable text (may be ''). */
  push(id: number): string;
  /** Text still held back at the end of the stream. */
  flush(): string;
}

export interface TextTokenizer {
  /** Ids for `text` without any special tokens. */
  encode(text: string): number[];
  /** encode(text).slice(0, n), without encoding all of a very long text. */
  encodeFirst(text: string, n: number): number[];
  /** encode(text).slice(-n), without encoding all of a very long text. */
  encodeLast(text: string, n: number): number[];
  /** Text for `ids`, special tokens skipped. */
  decode(ids: ArrayLike<number>): string;
  /** A decoder for one generated stream; the concatenation of its output equals decode(ids). */
  createStreamDecoder(): StreamDecoder;
  /** Number of entries in the vocabulary, added tokens included. */
  readonly vocabSize: number;
  /** The vocabulary entry of an id, and whether tokenizer.json marks it special; null outside the vocabulary. */
  token(id: number): { content: string; special: boolean } | null;
}

/** Build a tokenizer from the parsed contents of a tokenizer.json; throws on malformed input. */
export function createTokenizer(tokenizerJson: unknown): TextTokenizer {
  if (typeof tokenizerJson !== 'object' || tokenizerJson === null) throw new Error('tokenizer.json is not a JSON object');
  // clean_up_tokenization_spaces would rewrite " ." to "." and break round trips.
  const tok = new Tokenizer(tokenizerJson, { clean_up_tokenization_spaces: false });
  const vocabSize = tok.get_vocab(true).size;
  const decode = (ids: ArrayLike<number>): string =>
    // The library rejects an empty list; the empty decode is simply ''.
    ids.length === 0 ? '' : tok.decode(Array.from(ids), { skip_special_tokens: true, clean_up_tokenization_spaces: false });
  const pieces = sentencePieceTable(tok, tokenizerJson as Record<string, unknown>, vocabSize, decode);
  const encode = (text: string): number[] => tok.encode(text, { add_special_tokens: false }).ids;
  const added = tok.get_added_tokens_decoder();
  return {
    vocabSize,
    token: (id) => {
      const content = Number.isInteger(id) && id >= 0 && id < vocabSize ? tok.id_to_token(id) : undefined;
      return content === undefined ? null : { content, special: added.get(id)?.special === true };
    },
    encode,
    encodeFirst: (text, n) => encodeEnd(encode, text, n, 'first'),
    encodeLast: (text, n) => encodeEnd(encode, text, n, 'last'),
    decode,
    createStreamDecoder: () => (pieces ? new PieceStreamDecoder(pieces) : new IncrementalDecoder({ decode })),
  };
}

// Encoding is superlinear in text length (a 90,000-character article takes ~2 s),
// yet documents keep only their first max_doc_tokens and prompts their last
// max_prompt_tokens. Tokens do not span whitespace in the tokenizers we ship, so
// a piece of the text cut at whitespace encodes to the same ids at the kept end.
// That is checked, not assumed: the kept ids must agree between two cuts of
// different length, or the whole text is encoded.
const CHARS_PER_TOKEN_BOUND = 8;

function cutAtSpace(text: string, chars: number, end: 'first' | 'last'): string {
  if (end === 'first') {
    const i = text.indexOf(' ', chars);
    return i < 0 ? text : text.slice(0, i);
  }
  const i = text.lastIndexOf(' ', text.length - chars);
  return i < 0 ? text : text.slice(i + 1);
}

function encodeEnd(encode: (t: string) => number[], text: string, n: number, end: 'first' | 'last'): number[] {
  const take = (ids: number[]): number[] => (ids.length <= n ? ids : end === 'first' ? ids.slice(0, n) : ids.slice(ids.length - n));
  const approx = CHARS_PER_TOKEN_BOUND * n + 64;
  if (n <= 0) return [];
  if (text.length <= 4 * approx) return take(encode(text));
  const a = encode(cutAtSpace(text, approx, end));
  const b = encode(cutAtSpace(text, 2 * approx, end));
  if (a.length > n && b.length > n) {
    const ka = take(a);
    const kb = take(b);
    if (ka.every((v, i) => v === kb[i])) return ka;
  }
  return take(encode(text));
}

/**
 * Streaming-safe incremental detokenizer for any tokenizer. Decoding token by
 * token breaks words that decoders treat as a whole (a leading-space strip
 * applies only at the start of a decode) and byte-fallback characters split over
 * several tokens. So each step decodes a short window twice — up to the last
 * emitted token and up to now — and emits the difference, holding it back while
 * it ends in U+FFFD (an incomplete UTF-8 sequence). Cost per step is O(window).
 */
export class IncrementalDecoder implements StreamDecoder {
  private ids: number[] = [];
  private prefixOffset = 0;
  private readOffset = 0;

  constructor(private readonly tokenizer: Pick<TextTokenizer, 'decode'>) {}

  push(id: number): string {
    this.ids.push(id);
    return this.emit(false);
  }

  /** Text still held back (a dangling partial character shows as U+FFFD). */
  flush(): string {
    return this.emit(true);
  }

  private emit(final: boolean): string {
    if (this.readOffset === this.ids.length) return '';
    const prefixText = this.tokenizer.decode(this.ids.slice(this.prefixOffset, this.readOffset));
    const newText = this.tokenizer.decode(this.ids.slice(this.prefixOffset));
    if (!final && (newText.length <= prefixText.length || newText.endsWith('\uFFFD'))) return '';
    // The window's decode extends the prefix's, so the tail is the new text.
    const delta = newText.slice(prefixText.length);
    this.prefixOffset = this.readOffset;
    this.readOffset = this.ids.length;
    return delta;
  }
}

// ---------------------------------------------------------------------------
// Fast path for SentencePiece-style tokenizers (every pack our exporter writes):
// decoder = Replace("▁" -> " "), ByteFallback, Fuse, Strip(" ", 1, 0). Then a
// token's text does not depend on its neighbours except through byte runs and
// the one leading space, so the stream needs no re-decoding: each id maps to a
// precomputed string, and runs of <0xNN> byte tokens are decoded as a whole when
// they end — exactly what the library's ByteFallback does. This keeps the decode
// loop's per-token cost at a table lookup (the benchmark compares it to raw ORT).

/** Per-id piece: a string (special tokens: ''), or a byte value for <0xNN>. */
type PieceTable = (string | number)[];

function isSentencePieceDecoder(d: unknown): boolean {
  const seq = d as { type?: string; decoders?: Record<string, unknown>[] } | null;
  if (!seq || seq.type !== 'Sequence' || !Array.isArray(seq.decoders) || seq.decoders.length !== 4) return false;
  const [r, b, f, s] = seq.decoders as Record<string, unknown>[];
  const pat = r!.pattern as { String?: string } | undefined;
  return (
    r!.type === 'Replace' &&
    pat?.String === '\u2581' &&
    r!.content === ' ' &&
    b!.type === 'ByteFallback' &&
    f!.type === 'Fuse' &&
    s!.type === 'Strip' &&
    s!.content === ' ' &&
    s!.start === 1 &&
    s!.stop === 0
  );
}

function sentencePieceTable(tok: Tokenizer, json: Record<string, unknown>, vocabSize: number, decode: (ids: ArrayLike<number>) => string): PieceTable | null {
  if (!isSentencePieceDecoder(json.decoder)) return null;
  const special = new Set<number>();
  for (const [id, t] of tok.get_added_tokens_decoder()) if (t.special) special.add(id);
  const table: PieceTable = new Array(vocabSize);
  for (let id = 0; id < vocabSize; id++) {
    const piece = tok.id_to_token(id);
    if (piece === undefined) return null;
    const byte = /^<0x([0-9A-Fa-f]{2})>$/.exec(piece);
    table[id] = special.has(id) ? '' : byte ? parseInt(byte[1]!, 16) : piece.replaceAll('\u2581', ' ');
  }
  // Self-check against the library on every token after a fixed one (so the
  // leading-space strip does not hide a difference); any mismatch means this
  // tokenizer is not the shape we assumed, and the generic path is used.
  const anchor = table.findIndex((p) => typeof p === 'string' && p.length > 0 && !p.startsWith(' '));
  if (anchor < 0) return null;
  for (let id = 0; id < vocabSize; id++) {
    const d = new PieceStreamDecoder(table);
    const got = d.push(anchor) + d.push(id) + d.flush();
    if (got !== decode([anchor, id])) return null;
  }
  return table;
}

class PieceStreamDecoder implements StreamDecoder {
  private bytes: number[] = [];
  private atStart = true;
  private static readonly utf8 = new TextDecoder('utf-8');

  constructor(private readonly table: PieceTable) {}

  push(id: number): string {
    const p = this.table[id];
    if (typeof p === 'number') {
      this.bytes.push(p);
      return '';
    }
    return this.out(this.drain() + (p ?? ''));
  }

  flush(): string {
    return this.out(this.drain());
  }

  private drain(): string {
    if (this.bytes.length === 0) return '';
    const s = PieceStreamDecoder.utf8.decode(Uint8Array.from(this.bytes));
    this.bytes = [];
    return s;
  }

  /** Strip(" ", 1, 0) applies once, to the first character of the whole text. */
  private out(s: string): string {
    if (this.atStart && s.length > 0) {
      this.atStart = false;
      if (s[0] === ' ') return s.slice(1);
    }
    return s;
  }
}
