// Text <-> ids through the pack's tokenizer.json, using @huggingface/tokenizers
// (pure JS, the library transformers.js uses). Ids never include special tokens:
// the runtime adds BOS itself, as models/PACK_FORMAT.md requires.

import { Tokenizer } from '@huggingface/tokenizers';

export interface TextTokenizer {
  /** Ids for `text` without any special tokens. */
  encode(text: string): number[];
  /** Text for `ids`, special tokens skipped. */
  decode(ids: ArrayLike<number>): string;
  /** Number of entries in the vocabulary, added tokens included. */
  readonly vocabSize: number;
}

/** Build a tokenizer from the parsed contents of a tokenizer.json; throws on malformed input. */
export function createTokenizer(tokenizerJson: unknown): TextTokenizer {
  if (typeof tokenizerJson !== 'object' || tokenizerJson === null) throw new Error('tokenizer.json is not a JSON object');
  // clean_up_tokenization_spaces would rewrite " ." to "." and break round trips.
  const tok = new Tokenizer(tokenizerJson, { clean_up_tokenization_spaces: false });
  const vocabSize = tok.get_vocab(true).size;
  return {
    vocabSize,
    encode: (text) => tok.encode(text, { add_special_tokens: false }).ids,
    // The library rejects an empty list; the empty decode is simply ''.
    decode: (ids) => (ids.length === 0 ? '' : tok.decode(Array.from(ids), { skip_special_tokens: true, clean_up_tokenization_spaces: false })),
  };
}

/**
 * Streaming-safe incremental detokenizer. Decoding token by token breaks words
 * that decoders treat as a whole (a leading-space strip applies only at the start
 * of a decode) and byte-fallback characters split over several tokens. So each
 * step decodes a short window twice — up to the last emitted token and up to now —
 * and emits the difference, holding it back while it ends in U+FFFD (an
 * incomplete UTF-8 sequence). Cost per step is O(window), not O(all tokens).
 */
export class IncrementalDecoder {
  private ids: number[] = [];
  private prefixOffset = 0;
  private readOffset = 0;

  constructor(private readonly tokenizer: Pick<TextTokenizer, 'decode'>) {}

  /** Add one generated id; returns the newly printable text (may be ''). */
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
