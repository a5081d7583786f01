import { ImportParseError } from './types.js';

export interface ArrayElement {
  /** The element's JSON source, ready for JSON.parse. */
  json: string;
  /** 1-based line where the element starts. */
  line: number;
  /** 0-based column of the element's first character in its line (set only on broken elements, for resynchronising). */
  column?: number;
  /** Why the element's brackets or quotes do not add up, when they do not: it will not parse as it is. */
  broken?: string;
}

/** A syntax slip between elements that the splitter read past; `lost` says whether a record went with it. */
export interface ArraySlip {
  json: null;
  line: number;
  message: string;
  lost: number;
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
// A raw newline cannot occur inside a JSON string: meeting one means the string's
// closing quote is missing, and the string is taken to end there, so one
// unbalanced quote costs the element that holds it, not the rest of the file.
const IN_STRING = /["\\\n]/g;
const OUTSIDE_STRING = /["{}[\],]/g;

const MAX_ELEMENT_CHARS = 64 * 1024 * 1024;

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
export async function* splitJsonArray(chunks: AsyncIterable<string>, opts: { allowAssignmentPrefix: boolean; allowObjectWrapper?: boolean }): AsyncGenerator<ArrayElement | ArraySlip> {
  let state: S = S.Prefix;
  let prefix = '';
  let line = 1;
  // The open brackets of the current element, innermost last (123 '{' or 91 '[').
  const stack: number[] = [];
  let broken: string | undefined;
  let elementColumn = -1;
  // Characters after the last newline of the previous chunks (capped), for columnAt.
  let tailSinceNl = 0;
  let inString = false;
  // A backslash ended the previous chunk: the first character of this one is escaped.
  let escapePending = false;
  let parts: string[] = [];
  let partsLength = 0;
  let elementLine = 1;
  let sawElement = false;
  // The records array is the first field of an object ({"data": [...], ...}): what follows it is not ours to check.
  let wrapped = false;
  const tail: string[] = [];
  let tailLength = 0;
  let tailLine = 0;

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
    // Column of an element's start, looking back at most 256 characters (-1: unknown, as in minified JSON, which has no lines to resynchronise on).
    const columnAt = (idx: number): number => {
      const nl = chunk.lastIndexOf('\n', idx);
      if (nl !== -1 && idx - nl <= 256) return idx - nl - 1;
      if (nl === -1 && idx + tailSinceNl <= 256) return idx + tailSinceNl;
      return -1;
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
          const q = chunk.charCodeAt(i);
          if (q === 92 /* \ */) {
            if (i + 1 >= len) escapePending = true;
            i += 2;
            continue;
          }
          if (q === 10) broken ??= `the quoted text on line ${lineAt(i)} is not closed (an unbalanced quote)`;
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
          stack.push(c);
          i++;
          continue;
        }
        if (c === 44 /* , */) {
          if (!stack.length) {
            yield finish(chunk.slice(start, i));
            state = S.BeforeElement;
          }
          i++;
          continue;
        }
        // '}' or ']'
        const opener = c === 125 ? 123 : 91;
        if (!stack.length) {
          if (c === 125) {
            broken ??= `an unbalanced "}" on line ${lineAt(i)}`;
            yield finish(chunk.slice(start, i + 1));
            state = S.AfterElement;
          } else {
            // A ']' at depth 0 closes the whole array right after a scalar element.
            yield finish(chunk.slice(start, i));
            state = S.Done;
          }
          i++;
          continue;
        }
        if (stack[stack.length - 1] !== opener) {
          const at = stack.lastIndexOf(opener);
          if (at === -1) {
            if (c === 93) {
              // No '[' is open inside the element: this is the array's own ']', and the element misses a '}'.
              broken ??= `a "{" is not closed before the "]" on line ${lineAt(i)} (a missing "}")`;
              yield finish(chunk.slice(start, i));
              state = S.Done;
            } else broken ??= `an unbalanced "}" on line ${lineAt(i)}`;
            i++;
            continue;
          }
          broken ??= `a "${chunk[i]}" on line ${lineAt(i)} closes a "${stack[stack.length - 1] === 123 ? '{' : '['}"`;
          stack.length = at + 1;
        }
        stack.pop();
        if (!stack.length) {
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
          if (c === 44 /* , */) {
            yield { json: null, line: lineAt(i), message: 'an empty array element (",,"); read past it', lost: 0 };
            break;
          }
          state = S.InElement;
          start = i;
          elementLine = lineAt(i);
          elementColumn = columnAt(i);
          stack.length = 0;
          broken = undefined;
          inString = false;
          continue; // re-read this character as part of the element
        case S.AfterElement:
          if (c === 44) state = S.BeforeElement;
          else if (c === 93) state = S.Done;
          else if (c === 123 || c === 91 || c === 34 || c === 45 || (c >= 48 && c <= 57) || c === 116 || c === 102 || c === 110) {
            // '{', '[', '"', '-', a digit, true, false, null: the next element, with the ',' before it missing.
            yield { json: null, line: lineAt(i), message: `a "," is missing before the element on line ${lineAt(i)}; the element was read`, lost: 0 };
            state = S.BeforeElement;
            continue;
          } else if (!isSpace(c)) yield { json: null, line: lineAt(i), message: `unexpected "${chunk[i]}" after an array element; read past it`, lost: 0 };
          break;
        case S.Done:
          if (wrapped) {
            if (!tailLine) tailLine = lineAt(i);
            tail.push(i === 0 ? chunk : chunk.slice(i));
            tailLength += len - i;
            if (tailLength > MAX_ELEMENT_CHARS) throw new ImportParseError('the text after the records array is larger than 64 MB; this is not a records file', tailLine);
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
      if (partsLength > MAX_ELEMENT_CHARS) throw new ImportParseError('one array element is larger than 64 MB; this is not a records file', elementLine);
    }
    lineAt(len);
    const k = chunk.lastIndexOf('\n');
    tailSinceNl = Math.min(k === -1 ? tailSinceNl + len : len - k - 1, 1 << 20);
  }

  function finish(tail: string): ArrayElement {
    parts.push(tail);
    const json = parts.length === 1 ? parts[0]! : parts.join('');
    parts = [];
    partsLength = 0;
    sawElement = true;
    return broken === undefined ? { json, line: elementLine } : { json, line: elementLine, column: elementColumn, broken };
  }

  // The loop's assignments happen inside a generator; TypeScript's narrowing loses track of them.
  const end = state as S;
  if (end === S.Prefix) {
    if (prefix.trim() === '') throw new ImportParseError('the file is empty', null);
    throw new ImportParseError('no JSON array found (expected "[" or "window.YTD.<name>.part0 = [")', 1);
  }
  if (end === S.InElement && inString) {
    throw new ImportParseError(`the file ends inside a quoted string: the element starting at line ${elementLine} has an unbalanced quote, or the file is truncated`, elementLine);
  }
  if (end !== S.Done) {
    throw new ImportParseError(
      sawElement || end === S.InElement
        ? `the file ends inside the array (truncated?)${end === S.InElement ? `; the last element starts at line ${elementLine}` : ''}`
        : 'the file ends inside the array (truncated?)',
      line,
    );
  }
  if (wrapped) {
    // What follows the records must still close the wrapping object as JSON: a damaged or cut tail is reported, not ignored.
    const rest = tail.join('');
    try {
      JSON.parse(`{"":0${rest}`);
    } catch (err) {
      yield {
        json: null,
        line: tailLine || line,
        message: `the JSON after the records array is not valid (${(err as Error).message.replace(/ in JSON at position \d+.*$/s, '')}; truncated?); the records before it were read`,
        lost: 0,
      };
    }
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
