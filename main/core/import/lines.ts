/** Longest line splitLines hands out; a longer one is reported (with its length) and skipped, never held in memory. */
export const MAX_LINE_CHARS = 16 * 1024 * 1024;

export type Line =
  | { text: string; line: number; tooLong?: undefined }
  /** The line ran past maxChars: its text was dropped as it streamed by; `length` is how long it was. */
  | { text: null; line: number; tooLong: true; length: number };

/**
 * Splits streamed text into lines (without their \n or \r\n) with 1-based line
 * numbers. Linear in the input: a line that spans chunks is gathered as a list of
 * pieces and joined once, instead of re-concatenating (and rescanning) a growing
 * buffer on every chunk. A line longer than maxChars is not kept at all.
 */
export async function* splitLines(chunks: AsyncIterable<string>, maxChars = MAX_LINE_CHARS): AsyncGenerator<Line> {
  let parts: string[] = [];
  let pending = 0;
  let dropping = false;
  let line = 1;
  const take = (tail: string): Line => {
    const total = pending + tail.length;
    if (dropping || total > maxChars) return { text: null, line, tooLong: true, length: total };
    let text = parts.length ? parts.join('') + tail : tail;
    if (text.charCodeAt(text.length - 1) === 13) text = text.slice(0, -1);
    return { text, line };
  };
  const reset = () => {
    parts = [];
    pending = 0;
    dropping = false;
    line++;
  };
  for await (const chunk of chunks) {
    let from = 0;
    for (let nl = chunk.indexOf('\n'); nl !== -1; nl = chunk.indexOf('\n', from)) {
      yield take(chunk.slice(from, nl));
      reset();
      from = nl + 1;
    }
    if (from < chunk.length) {
      pending += chunk.length - from;
      if (pending > maxChars) {
        dropping = true;
        parts = [];
      } else if (!dropping) parts.push(from === 0 ? chunk : chunk.slice(from));
    }
  }
  if (pending > 0) yield take('');
}
