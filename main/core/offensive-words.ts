// Hides offensive words (slurs, profanity) in generated text. The suggestions are
// sampled from a model trained on other people's tweets, so a word nobody in the
// profile wrote can still come out; a writer must be able to trust what is shown.
//
// The word list and the matching are obscenity's maintained English preset (pure
// TypeScript, no Node dependency): its patterns carry their own word boundaries and
// whitelists (no "Scunthorpe", "assassin" or "cocktail" hits), and its transformers
// see through leetspeak, look-alike letters and stretched letters ("fuuuck", "sh1t").
// A match is widened to the whole word it sits in, so "motherfucking" is hidden
// whole rather than leaving "mother" and "ing" around a mask.
import { RegExpMatcher, englishDataset, englishRecommendedTransformers } from 'obscenity';

/** What replaces each character of a hidden word (same length: streamed offsets stay aligned). */
export const MASK_CHAR = '*';

let matcher: RegExpMatcher | null = null;
function getMatcher(): RegExpMatcher {
  matcher ??= new RegExpMatcher({ ...englishDataset.build(), ...englishRecommendedTransformers });
  return matcher;
}

// Letters, digits and the characters leetspeak spells words with; anything else ends a word.
const WORD_CHAR = /[\p{L}\p{N}\p{M}_'’@$*-]/u;

/** Half-open [start, end) UTF-16 ranges of the whole words holding an offensive match, merged and sorted. */
export function findOffensiveWords(text: string): Array<{ start: number; end: number }> {
  if (!text) return [];
  const spans: Array<{ start: number; end: number }> = [];
  for (const m of getMatcher().getAllMatches(text, true)) {
    let start = m.startIndex;
    let end = m.endIndex + 1; // obscenity's endIndex is inclusive
    while (start > 0 && WORD_CHAR.test(text[start - 1]!)) start--;
    while (end < text.length && WORD_CHAR.test(text[end]!)) end++;
    const last = spans[spans.length - 1];
    if (last && start <= last.end) last.end = Math.max(last.end, end);
    else spans.push({ start, end });
  }
  return spans;
}

/** The text with every offensive word's characters replaced by mask characters (same length), and how many were hidden. */
export function maskOffensive(text: string): { text: string; hidden: number } {
  const spans = findOffensiveWords(text);
  if (!spans.length) return { text, hidden: 0 };
  let out = '';
  let at = 0;
  for (const s of spans) {
    // A two-word phrase keeps its space, so the text still reads as words.
    out += text.slice(at, s.start) + text.slice(s.start, s.end).replace(/\S/g, MASK_CHAR);
    at = s.end;
  }
  return { text: out + text.slice(at), hidden: spans.length };
}

/**
 * Filters one candidate's text as it streams. A token can end in the middle of a
 * word, and the preset has two-word phrases, so the last two words are held back
 * until more text (or the end) shows whether they are part of a match; everything
 * before them is final and is passed on masked. Masking keeps lengths, so what was
 * passed on is always a prefix of the masked whole.
 */
export class OffensiveStreamFilter {
  private raw = '';
  private emitted = 0;

  /** Adds a streamed delta; returns the text that is now safe to show (may be empty). */
  push(delta: string): string {
    this.raw += delta;
    const stable = holdBackStart(this.raw);
    if (stable <= this.emitted) return '';
    const out = maskOffensive(this.raw).text.slice(this.emitted, stable);
    this.emitted = stable;
    return out;
  }

  /** The candidate ended: the rest of the text, masked. */
  end(): string {
    const out = maskOffensive(this.raw).text.slice(this.emitted);
    this.emitted = this.raw.length;
    return out;
  }

  /** The whole text so far, masked, and how many words it hides. */
  result(): { text: string; hidden: number } {
    return maskOffensive(this.raw);
  }
}

/** Where the last two whitespace-separated words (the trailing one possibly incomplete) begin. */
function holdBackStart(s: string): number {
  let i = s.length;
  for (let word = 0; word < 2; word++) {
    while (i > 0 && !/\s/.test(s[i - 1]!)) i--;
    if (word === 1) break;
    while (i > 0 && /\s/.test(s[i - 1]!)) i--;
  }
  return i;
}
