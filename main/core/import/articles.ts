import { marked } from 'marked';
import { convert } from 'html-to-text';
import { readAllBounded } from './text.js';
import { textEvent } from './records.js';
import { ImportParseError, MAX_DOC_CHARS, type ParseEvent } from './types.js';

/**
 * Largest Markdown or HTML source read as one article. Markup can be many times
 * its text (a saved web page with inline styles and scripts), so the source gets
 * its own, larger cap, and MAX_DOC_CHARS applies to the text once the markup is
 * gone.
 */
export const MAX_MARKUP_CHARS = 16 * 1024 * 1024;

const isStackOverflow = (err: unknown) => err instanceof RangeError || /Maximum call stack size exceeded/.test((err as Error)?.message ?? '');

// Text extraction keeps paragraphs and headings but drops link targets, images
// and page chrome: what the style model should see is the prose.
const HTML_OPTIONS = {
  wordwrap: false as const,
  // html-to-text cuts input past 16M characters (a console warning, the rest dropped); our sources are capped before they get here.
  limits: { maxInputLength: Number.MAX_SAFE_INTEGER },
  selectors: [
    { selector: 'a', options: { ignoreHref: true } },
    { selector: 'img', format: 'skip' },
    { selector: 'script', format: 'skip' },
    { selector: 'style', format: 'skip' },
    { selector: 'nav', format: 'skip' },
    { selector: 'header', format: 'skip' },
    { selector: 'footer', format: 'skip' },
    { selector: 'aside', format: 'skip' },
    { selector: 'h1', options: { uppercase: false } },
    { selector: 'h2', options: { uppercase: false } },
    { selector: 'h3', options: { uppercase: false } },
    { selector: 'h4', options: { uppercase: false } },
    { selector: 'h5', options: { uppercase: false } },
    { selector: 'h6', options: { uppercase: false } },
    { selector: 'table', format: 'dataTable' },
  ],
};

/** Plain text of an HTML document (an article page or a saved post). */
export function htmlToPlainText(html: string): string {
  let text: string;
  try {
    text = convert(html, HTML_OPTIONS);
  } catch (err) {
    if (isStackOverflow(err)) throw new ImportParseError('the HTML nests its elements too deeply (thousands of levels) to take its text out; this is not an article page', null);
    throw err;
  }
  return text.replace(/\n{3,}/g, '\n\n').trim();
}

/** Plain text of a Markdown document; YAML front matter is dropped. */
export function markdownToPlainText(md: string): string {
  const body = md.replace(/^---\r?\n[\s\S]*?\r?\n---\r?\n/, '');
  let html: string;
  try {
    html = marked.parse(body, { async: false, gfm: true });
  } catch (err) {
    // marked recurses once per level of block quote or list; its own message asks to report the overflow as a marked bug.
    if (!isStackOverflow(err)) throw err;
    const { depth, line } = deepestQuote(body);
    throw new ImportParseError(
      `the Markdown nests block quotes or lists too deeply to convert${depth > 1 ? ` (${depth} levels of ">" on line ${line})` : ''}; remove the nesting or import the file as plain text (.txt)`,
      depth > 1 ? line : null,
    );
  }
  return htmlToPlainText(html);
}

function deepestQuote(md: string): { depth: number; line: number } {
  let depth = 0;
  let line = 0;
  md.split('\n').forEach((l, i) => {
    const d = /^[\s>]*/.exec(l)![0].replace(/\s/g, '').length;
    if (d > depth) {
      depth = d;
      line = i + 1;
    }
  });
  return { depth, line };
}

/** One article's text, refused whole when longer than a document may be. */
function articleEvent(text: string): ParseEvent {
  if (text.length > MAX_DOC_CHARS) {
    throw new ImportParseError(`the article's text is ${text.length} characters long once the markup is removed, too large for one article (at most ${MAX_DOC_CHARS}); split it`, null);
  }
  return textEvent(text, 1, null, false);
}

/** A Markdown file as one article. */
export async function* parseMarkdown(chunks: AsyncIterable<string>): AsyncGenerator<ParseEvent> {
  const md = await readAllBounded(chunks, MAX_MARKUP_CHARS);
  if (!md.trim()) throw new ImportParseError('the file is empty (no text)', null);
  const text = markdownToPlainText(md);
  if (!text) throw new ImportParseError('the Markdown file has no text once formatting is removed', null);
  yield articleEvent(text);
}

/** An HTML file as one article. */
export async function* parseHtml(chunks: AsyncIterable<string>): AsyncGenerator<ParseEvent> {
  const html = await readAllBounded(chunks, MAX_MARKUP_CHARS);
  if (!html.trim()) throw new ImportParseError('the file is empty (no text)', null);
  const text = htmlToPlainText(html);
  if (!text) throw new ImportParseError('the HTML file has no visible text', null);
  yield articleEvent(text);
}
