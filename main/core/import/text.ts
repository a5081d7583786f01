import { splitLines } from './lines.js';
import { textEvent } from './records.js';
import { ImportParseError, MAX_DOC_CHARS, type ParseEvent } from './types.js';

/** Plain text, one document per blank-line-separated block (a thread, a tweet per paragraph). */
export async function* parseTextBlocks(chunks: AsyncIterable<string>): AsyncGenerator<ParseEvent> {
  let block: string[] = [];
  let blockLine = 1;
  let size = 0;
  let any = false;
  for await (const { text, line } of splitLines(chunks, MAX_DOC_CHARS)) {
    if (text === null) throw new ImportParseError(`line ${line} alone is longer than ${MAX_DOC_CHARS} characters; this is not a text of blocks`, line);
    if (text.trim() === '') {
      if (block.length) {
        any = true;
        yield textEvent(block.join('\n'), blockLine, null, false);
      }
      block = [];
      size = 0;
      continue;
    }
    if (!block.length) blockLine = line;
    size += text.length;
    // A "block" this large means the file has no blank lines; stop before memory grows without bound.
    if (size > MAX_DOC_CHARS)
      throw new ImportParseError(`a block starting at line ${blockLine} runs past ${MAX_DOC_CHARS} characters without a blank line; import the file as one article or split it`, blockLine);
    block.push(line === 1 ? text.replace(/^\uFEFF/, '') : text);
  }
  if (block.length) {
    any = true;
    yield textEvent(block.join('\n'), blockLine, null, false);
  }
  if (!any) throw new ImportParseError('the file is empty (no text)', null);
}

/** Reads a whole (bounded) text into memory, for formats that are one document per file. */
export async function readAllBounded(chunks: AsyncIterable<string>, maxChars = MAX_DOC_CHARS): Promise<string> {
  const parts: string[] = [];
  let n = 0;
  for await (const c of chunks) {
    n += c.length;
    if (n > maxChars) throw new ImportParseError(`the file is larger than ${maxChars} characters, too large for one article; split it or import it as blocks`, null);
    parts.push(c);
  }
  return parts.join('').replace(/^\uFEFF/, '');
}

/** Plain text as one document. */
export async function* parseTextWhole(chunks: AsyncIterable<string>): AsyncGenerator<ParseEvent> {
  const text = await readAllBounded(chunks);
  if (!text.trim()) throw new ImportParseError('the file is empty (no text)', null);
  yield textEvent(text, 1, null, false);
}
