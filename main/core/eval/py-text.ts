// Python's text semantics, for code that must build exactly the strings the Python
// side (models/commer) builds. Python's `re` and `str` are Unicode-aware where JS
// regexes are ASCII unless told otherwise, so the differences are spelled out here
// once: `\w`, `\s`, `\b`, `$`, `str.split()`, `str.strip(chars)` and `html.unescape`.
// Checked code point by code point against CPython 3.11 (test/unit/core/py-text.test.ts).
import { decodeHTML } from 'entities';

/** The body of a character class equal to Python's `\w` on str (isalnum() or "_"). */
export const PY_WORD = '\\p{L}\\p{N}_';
/** The body of a character class equal to Python's `\s` on str (and str.isspace / str.split()). */
export const PY_SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

/** Regex source fragments, for use with the `u` flag. */
export const PY = {
  w: `[${PY_WORD}]`,
  W: `[^${PY_WORD}]`,
  s: `[${PY_SPACE}]`,
  S: `[^${PY_SPACE}]`,
  notAfterWord: `(?<![${PY_WORD}])`,
  notBeforeWord: `(?![${PY_WORD}])`,
  // Python's \b: a word character on exactly one side.
  b: `(?:(?<=[${PY_WORD}])(?![${PY_WORD}])|(?<![${PY_WORD}])(?=[${PY_WORD}]))`,
  // Python's $ without MULTILINE: the end, or just before a final newline.
  end: '(?=\\n?$)',
  // Python's re.IGNORECASE lets "i" match U+0130 and U+0131 too; JS's simple case folding does not.
  i: '[i\\u0130\\u0131]',
} as const;

const SPACE_RUN = new RegExp(`${PY.s}+`, 'gu');

/** Python's `" ".join(s.split())`: whitespace runs become one space, ends trimmed. */
export function pyCollapseSpaces(s: string): string {
  return s
    .split(SPACE_RUN)
    .filter((t) => t.length > 0)
    .join(' ');
}

const EDGE_SPACE = new RegExp(`^${PY.s}+|${PY.s}+$`, 'gu');

/** Python's `s.strip()`: Python's whitespace off both ends. */
export function pyStripSpace(s: string): string {
  return s.replace(EDGE_SPACE, '');
}

/** Python's `s.strip(chars)`: drops any of `chars` (code units here; callers pass ASCII) from both ends. */
export function pyStrip(s: string, chars: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && chars.includes(s[a]!)) a++;
  while (b > a && chars.includes(s[b - 1]!)) b--;
  return s.slice(a, b);
}

// html.unescape's tables (CPython Lib/html/__init__.py).
const INVALID_CHARREFS: ReadonlyMap<number, string> = new Map([
  [0x00, '\ufffd'],
  [0x0d, '\r'],
  [0x80, '\u20ac'],
  [0x81, '\x81'],
  [0x82, '\u201a'],
  [0x83, '\u0192'],
  [0x84, '\u201e'],
  [0x85, '\u2026'],
  [0x86, '\u2020'],
  [0x87, '\u2021'],
  [0x88, '\u02c6'],
  [0x89, '\u2030'],
  [0x8a, '\u0160'],
  [0x8b, '\u2039'],
  [0x8c, '\u0152'],
  [0x8d, '\x8d'],
  [0x8e, '\u017d'],
  [0x8f, '\x8f'],
  [0x90, '\x90'],
  [0x91, '\u2018'],
  [0x92, '\u2019'],
  [0x93, '\u201c'],
  [0x94, '\u201d'],
  [0x95, '\u2022'],
  [0x96, '\u2013'],
  [0x97, '\u2014'],
  [0x98, '\u02dc'],
  [0x99, '\u2122'],
  [0x9a, '\u0161'],
  [0x9b, '\u203a'],
  [0x9c, '\u0153'],
  [0x9d, '\x9d'],
  [0x9e, '\u017e'],
  [0x9f, '\u0178'],
]);

function invalidCodepoint(n: number): boolean {
  return (n >= 0x1 && n <= 0x8) || n === 0xb || (n >= 0xe && n <= 0x1f) || (n >= 0x7f && n <= 0x9f) || (n >= 0xfdd0 && n <= 0xfdef) || (n & 0xfffe) === 0xfffe;
}

const CHARREF = /&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)/g;

/**
 * Python's `html.unescape`. Named references go through `entities` (its HTML5 table and
 * longest-legacy-prefix rule are Python's: "&ampx" -> "&x"); numeric ones follow Python,
 * which drops control and non-character code points where the HTML spec keeps them.
 */
export function pyHtmlUnescape(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(CHARREF, (whole, ref: string) => {
    if (ref[0] === '#') {
      const hex = ref[1] === 'x' || ref[1] === 'X';
      const digits = ref.slice(hex ? 2 : 1).replace(/;$/, '');
      const n = hex ? parseInt(digits, 16) : parseInt(digits, 10);
      const fixed = INVALID_CHARREFS.get(n);
      if (fixed !== undefined) return fixed;
      if ((n >= 0xd800 && n <= 0xdfff) || n > 0x10ffff) return '\ufffd';
      if (invalidCodepoint(n)) return '';
      return String.fromCodePoint(n);
    }
    return decodeHTML(whole);
  });
}
