// Shared shapes of the pure import parsers. Parsers take decoded text as an
// async iterable of string chunks (the caller owns files, zips and decoding) and
// yield one event per row, so a 100k-tweet file never sits in memory at once.

export interface ParsedDoc {
  text: string;
  /** 1-based line where the row starts in the decoded text. */
  line: number;
  /** The row's own date as ISO 8601, when the source had one. */
  writtenAt: string | null;
}

export type SkipReason = 'retweet' | 'reply' | 'empty';

export type ParseEvent =
  | { type: 'doc'; doc: ParsedDoc }
  | { type: 'skip'; line: number; reason: SkipReason }
  /**
   * A bad row: the rest of the file is still usable. `lost` is how many of the
   * source's records it cost (default 1); 0 for a syntax slip the parser read
   * past without losing a record (a missing comma between two elements).
   * `cause` 'encoding': the row holds bytes the file's encoding cannot decode.
   */
  | { type: 'error'; line: number | null; message: string; lost?: number; cause?: 'encoding' };

/** The whole input is unusable (wrong structure, no text column, too large): nothing after it can be read. */
export class ImportParseError extends Error {
  override readonly name = 'ImportParseError';
  constructor(
    message: string,
    readonly line: number | null = null,
  ) {
    super(message);
  }
}

/** Longest single document we accept; larger is almost surely not one tweet or article. */
export const MAX_DOC_CHARS = 2_000_000;

export interface RecordOptions {
  /** Field (JSON) or column (CSV) holding the text; default: the first of DEFAULT_TEXT_FIELDS present. */
  textField?: string;
  includeReplies?: boolean;
  includeRetweets?: boolean;
}

/** Field names tried, in order, when the user did not name one. */
export const DEFAULT_TEXT_FIELDS = ['text', 'full_text', 'tweet', 'content', 'body', 'message'] as const;
/** Field names tried for a row's own date. */
export const DATE_FIELDS = ['created_at', 'date', 'timestamp', 'time', 'published', 'published_at'] as const;
