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

// Inside an element only quotes, backslashes (in strings), brackets and commas
// matter; regex scans jump over everything else natively instead of looking at
// every character in JavaScript.
const IN_STRING = /["\\]/g;
const OUTSIDE_STRING = /["{}[\],]/g;

const isSpace = (c: number) => c === 32 || c === 10 || c === 13 || c === 9;

/**
 * Splits a top-level JSON array into its elements' source text without parsing
 * them, one chunk at a time: memory holds one element, not the array. Anything
 * before the opening '[' must be a JavaScript assignment prefix such as the
 * Twitter archive's `window.YTD.tweets.part0 = `. We hand-roll this instead of a
 * streaming JSON library because each element still goes through the native
 * JSON.parse (an order of magnitude faster than a JS tokenizer) and because we
 * need the line of every element for error messages.
 */
export async function* splitJsonArray(
  chunks: AsyncIterable<string>,
  opts: { allowAssignmentPrefix: boolean; allowObjectWrapper?: boolean },
): AsyncGenerator<ArrayElement> {
  let state: S = S.Prefix;
  let prefix = '';
  let line = 1;
  let depth = 0;
  let inString = false;
  // A backslash ended the previous chunk: the first character of this one is escaped.
  let escapePending = false;
  let parts: string[] = [];
  let partsLength = 0;
  let elementLine = 1;
  let sawElement = false;
  // The records array is the first field of an object ({"data": [...], ...}): what follows it is not ours to check.
  let wrapped = false;

  for await (const chunk of chunks) {
    const len = chunk.length;
    // Lines are counted lazily up to the positions we report, with a cached next newline.
    let nextNl = chunk.indexOf('\n');
    const lineAt = (idx: number): number => {
      while (nextNl !== -1 && nextNl < idx) {
        line++;
        nextNl = chunk.indexOf('\n', nextNl + 1);
      }
      return line;
    };
    let start = state === S.InElement ? 0 : -1;
    let i = 0;
    if (escapePending) {
      escapePending = false;
      i = 1;
    }
    while (i < len) {
      if (state === S.InElement) {
        if (inString) {
          IN_STRING.lastIndex = i;
          const m = IN_STRING.exec(chunk);
          if (!m) {
            i = len;
            break;
          }
          i = m.index;
          if (chunk.charCodeAt(i) === 92 /* \ */) {
            if (i + 1 >= len) escapePending = true;
            i += 2;
            continue;
          }
          inString = false;
          i++;
          continue;
        }
        OUTSIDE_STRING.lastIndex = i;
        const m = OUTSIDE_STRING.exec(chunk);
        if (!m) {
          i = len;
          break;
        }
        i = m.index;
        const c = chunk.charCodeAt(i);
        if (c === 34 /* " */) {
          inString = true;
          i++;
          continue;
        }
        if (c === 123 /* { */ || c === 91 /* [ */) {
          depth++;
          i++;
          continue;
        }
        if (c === 44 /* , */) {
          if (depth === 0) {
            yield finish(chunk.slice(start, i));
            state = S.BeforeElement;
          }
          i++;
          continue;
        }
        // '}' or ']'
        if (depth === 0) {
          if (c === 125) throw new ImportParseError('unbalanced "}" in the array', lineAt(i));
          // A ']' at depth 0 closes the whole array right after a scalar element.
          yield finish(chunk.slice(start, i));
          state = S.Done;
          i++;
          continue;
        }
        depth--;
        if (depth === 0) {
          yield finish(chunk.slice(start, i + 1));
          state = S.AfterElement;
        }
        i++;
        continue;
      }

      const c = chunk.charCodeAt(i);
      switch (state) {
        case S.Prefix:
          if (c === 91 /* [ */) {
            wrapped = checkPrefix(prefix, opts, lineAt(i)) === 'object';
            state = S.BeforeElement;
          } else {
            prefix += chunk[i];
            if (prefix.length > 256) checkPrefix(prefix, opts, lineAt(i));
          }
          break;
        case S.BeforeElement:
          if (isSpace(c)) break;
          if (c === 93 /* ] */) {
            state = S.Done;
            break;
          }
          if (c === 44 /* , */) throw new ImportParseError('unexpected "," in the array (an empty element?)', lineAt(i));
          state = S.InElement;
          start = i;
          elementLine = lineAt(i);
          depth = 0;
          inString = false;
          continue; // re-read this character as part of the element
        case S.AfterElement:
          if (c === 44) state = S.BeforeElement;
          else if (c === 93) state = S.Done;
          else if (!isSpace(c)) throw new ImportParseError(`expected "," or "]" after an array element, found "${chunk[i]}"`, lineAt(i));
          break;
        case S.Done:
          if (wrapped) {
            i = len;
            continue;
          }
          if (!isSpace(c) && c !== 59 /* ; */) throw new ImportParseError(`unexpected text after the end of the array: "${chunk.slice(i, i + 20)}"`, lineAt(i));
          break;
      }
      i++;
    }
    if (state === S.InElement) {
      parts.push(chunk.slice(start));
      partsLength += len - start;
      if (partsLength > 64 * 1024 * 1024) throw new ImportParseError('one array element is larger than 64 MB; this is not a records file', elementLine);
    }
    lineAt(len);
  }

  function finish(tail: string): ArrayElement {
    parts.push(tail);
    const json = parts.length === 1 ? parts[0]! : parts.join('');
    parts = [];
    partsLength = 0;
    sawElement = true;
    return { json, line: elementLine };
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

function checkPrefix(prefix: string, opts: { allowAssignmentPrefix: boolean; allowObjectWrapper?: boolean }, line: number): 'none' | 'assignment' | 'object' {
  const p = prefix.replace(/^\uFEFF/, '').trim();
  if (p === '') return 'none';
  if (opts.allowAssignmentPrefix && /^(window\.)?[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*\s*=$/.test(p)) return 'assignment';
  if (opts.allowObjectWrapper && /^\{\s*"(?:[^"\\]|\\.){1,100}"\s*:$/.test(p)) return 'object';
  if (p.startsWith('{')) {
    throw new ImportParseError('the JSON file holds an object whose first field is not the array of records; expected [ ... ] or {"data": [ ... ]}', line);
  }
  throw new ImportParseError(`unexpected text before the JSON array: "${p.slice(0, 40)}"`, line);
}
