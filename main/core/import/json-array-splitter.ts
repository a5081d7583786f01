import { ImportParseError } from './types.js';

export interface ArrayElement {
  /** The element's JSON source, ready for JSON.parse. */
  json: string;
  /** 1-based line where the element starts. */
  line: number;
}

const enum S {
  Prefix,
  BeforeElement,
  InElement,
  AfterElement,
  Done,
}

/**
 * Splits a top-level JSON array into its elements' source text without parsing
 * them, one chunk at a time: memory holds one element, not the array. Anything
 * before the opening '[' must be a JavaScript assignment prefix such as the
 * Twitter archive's `window.YTD.tweets.part0 = `. We hand-roll this instead of a
 * streaming JSON library because each element still goes through the native
 * JSON.parse (an order of magnitude faster than a JS tokenizer) and because we
 * need the line of every element for error messages.
 */
export async function* splitJsonArray(chunks: AsyncIterable<string>, opts: { allowAssignmentPrefix: boolean }): AsyncGenerator<ArrayElement> {
  let state: S = S.Prefix;
  let prefix = '';
  let line = 1;
  let depth = 0;
  let inString = false;
  let escape = false;
  let parts: string[] = [];
  let elementLine = 1;
  let sawElement = false;

  for await (const chunk of chunks) {
    let start = -1; // where the current element's part begins in this chunk
    if (state === S.InElement) start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (c === 10) line++;
      switch (state) {
        case S.Prefix:
          if (c === 91 /* [ */) {
            checkPrefix(prefix, opts.allowAssignmentPrefix, line);
            state = S.BeforeElement;
          } else if (c === 123 /* { */ && prefix.trim() === '') {
            throw new ImportParseError('the JSON file holds an object at the top, expected an array of records', line);
          } else {
            prefix += chunk[i];
            if (prefix.length > 256) checkPrefix(prefix, opts.allowAssignmentPrefix, line);
          }
          break;
        case S.BeforeElement:
          if (c === 32 || c === 10 || c === 13 || c === 9) break;
          if (c === 93 /* ] */) {
            state = S.Done;
            break;
          }
          if (c === 44 /* , */) throw new ImportParseError('unexpected "," in the array (an empty element?)', line);
          state = S.InElement;
          start = i;
          elementLine = line;
          depth = 0;
          inString = false;
          escape = false;
          i--; // re-read this character as part of the element
          if (c === 10) line--;
          break;
        case S.InElement:
          if (inString) {
            if (escape) escape = false;
            else if (c === 92 /* \ */) escape = true;
            else if (c === 34 /* " */) inString = false;
            break;
          }
          if (c === 34) inString = true;
          else if (c === 123 || c === 91) depth++;
          else if (c === 125 || c === 93) {
            if (depth === 0) {
              if (c === 125) throw new ImportParseError('unbalanced "}" in the array', line);
              // A ']' at depth 0 closes the whole array right after a scalar element.
              parts.push(chunk.slice(start, i));
              yield { json: parts.join(''), line: elementLine };
              sawElement = true;
              parts = [];
              state = S.Done;
              break;
            }
            depth--;
            if (depth === 0) {
              parts.push(chunk.slice(start, i + 1));
              yield { json: parts.join(''), line: elementLine };
              sawElement = true;
              parts = [];
              state = S.AfterElement;
            }
          } else if (c === 44 && depth === 0) {
            parts.push(chunk.slice(start, i));
            yield { json: parts.join(''), line: elementLine };
            sawElement = true;
            parts = [];
            state = S.BeforeElement;
          }
          break;
        case S.AfterElement:
          if (c === 44) state = S.BeforeElement;
          else if (c === 93) state = S.Done;
          else if (!(c === 32 || c === 10 || c === 13 || c === 9)) {
            throw new ImportParseError(`expected "," or "]" after an array element, found "${chunk[i]}"`, line);
          }
          break;
        case S.Done:
          if (!(c === 32 || c === 10 || c === 13 || c === 9 || c === 59 /* ; */)) {
            throw new ImportParseError(`unexpected text after the end of the array: "${chunk.slice(i, i + 20)}"`, line);
          }
          break;
      }
    }
    if (state === S.InElement) {
      parts.push(chunk.slice(start));
      if (parts.length > 4096 && parts.reduce((n, p) => n + p.length, 0) > 64 * 1024 * 1024) {
        throw new ImportParseError('one array element is larger than 64 MB; this is not a records file', elementLine);
      }
    }
  }
  // The loop's assignments happen inside a generator; TypeScript's narrowing loses track of them.
  const end = state as S;
  if (end === S.Prefix) {
    if (prefix.trim() === '') throw new ImportParseError('the file is empty', null);
    throw new ImportParseError('no JSON array found (expected "[" or "window.YTD.<name>.part0 = [")', 1);
  }
  if (end === S.InElement && inString) {
    throw new ImportParseError(
      `the file ends inside a quoted string: the element starting at line ${elementLine} has an unbalanced quote, or the file is truncated`,
      elementLine,
    );
  }
  if (end !== S.Done) {
    throw new ImportParseError(
      sawElement || end === S.InElement
        ? `the file ends inside the array (truncated?)${end === S.InElement ? `; the last element starts at line ${elementLine}` : ''}`
        : 'the file ends inside the array (truncated?)',
      line,
    );
  }
}

function checkPrefix(prefix: string, allowAssignment: boolean, line: number): void {
  const p = prefix.replace(/^\uFEFF/, '').trim();
  if (p === '') return;
  if (allowAssignment && /^(window\.)?[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*\s*=$/.test(p)) return;
  throw new ImportParseError(`unexpected text before the JSON array: "${p.slice(0, 40)}"`, line);
}
