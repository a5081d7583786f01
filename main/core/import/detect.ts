import type { ImportFormat } from '../inputs.js';

export type { ImportFormat };

/**
 * Picks a format from the file name and its first decoded characters. Content
 * wins over the extension where they disagree in a way we can recognise (a
 * tweets.js saved as .json, an HTML page saved as .txt).
 */
export function detectFormat(fileName: string, head: string): ImportFormat | null {
  const name = fileName.toLowerCase();
  const h = head.replace(/^\uFEFF/, '').trimStart();
  if (name.endsWith('.zip')) return 'twitter-zip';
  if (/^window\.YTD\.[\w.]+\s*=/.test(h)) return 'tweets-js';
  if (name.endsWith('.js')) return 'tweets-js';
  if (name.endsWith('.jsonl') || name.endsWith('.ndjson')) return 'jsonl';
  // A .json file whose first record closes on the first line is JSON Lines saved with the wrong extension.
  if (name.endsWith('.json')) return h.startsWith('{') && /^\{.*\}\s*\r?\n\s*\{/.test(h) ? 'jsonl' : 'json';
  if (name.endsWith('.csv') || name.endsWith('.tsv')) return 'csv';
  if (name.endsWith('.md') || name.endsWith('.markdown')) return 'markdown';
  if (name.endsWith('.html') || name.endsWith('.htm') || name.endsWith('.xhtml')) return 'html';
  if (/^<(!doctype html|html|head|body)\b/i.test(h)) return 'html';
  if (name.endsWith('.txt') || name.endsWith('.text')) return 'text';
  return null;
}

/** The kind of document a format usually holds. */
export function defaultKindFor(format: ImportFormat, textSplit?: 'blocks' | 'file'): 'tweet' | 'article' {
  switch (format) {
    case 'twitter-zip':
    case 'tweets-js':
    case 'csv':
    case 'json':
    case 'jsonl':
      return 'tweet';
    case 'text':
      return textSplit === 'blocks' ? 'tweet' : 'article';
    case 'markdown':
    case 'html':
      return 'article';
  }
}
