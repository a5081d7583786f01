import { marked } from 'marked';
import { convert } from 'html-to-text';
import { readAllBounded } from './text.js';
import { textEvent } from './records.js';
import { ImportParseError, type ParseEvent } from './types.js';

// Text extraction keeps paragraphs and headings but drops link targets, images
// and page chrome: what the style model should see is the prose.
const HTML_OPTIONS = {
  wordwrap: false as const,
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
  return convert(html, HTML_OPTIONS)
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Plain text of a Markdown document; YAML front matter is dropped. */
export function markdownToPlainText(md: string): string {
  const body = md.replace(/^---\r?\n[\s\S]*?\r?\n---\r?\n/, '');
  const html = marked.parse(body, { async: false, gfm: true });
  return htmlToPlainText(html);
}

/** A Markdown file as one article. */
export async function* parseMarkdown(chunks: AsyncIterable<string>): AsyncGenerator<ParseEvent> {
  const md = await readAllBounded(chunks);
  if (!md.trim()) throw new ImportParseError('the file is empty (no text)', null);
  const text = markdownToPlainText(md);
  if (!text) throw new ImportParseError('the Markdown file has no text once formatting is removed', null);
  yield textEvent(text, 1, null, false);
}

/** An HTML file as one article. */
export async function* parseHtml(chunks: AsyncIterable<string>): AsyncGenerator<ParseEvent> {
  const html = await readAllBounded(chunks);
  if (!html.trim()) throw new ImportParseError('the file is empty (no text)', null);
  const text = htmlToPlainText(html);
  if (!text) throw new ImportParseError('the HTML file has no visible text', null);
  yield textEvent(text, 1, null, false);
}
