// Tells a garbled suggestion from a rough one. A 135 M model sampled at temperature 0.8
// sometimes runs words together ("justgotbackfromlisbon-the_oldtownandridustride…"),
// stutters punctuation (",,,,,,,,,,,,….."), loops on one word, or gives a bare link. A writer should not
// have to read those; a suggestion that is only informal ("tramp rides... *just got
// back*") must pass. No maintained library judges this for short social text (spell
// checkers flag every handle and hashtag), so the rules are few, each one named in the
// reason the card shows, and tuned against real tweets (test/unit/core/garbled.test.ts
// counts how many of the 40 users' tweets would be flagged).

/** URLs, @handles and #hashtags are where people legitimately write long unbroken strings. */
const EXEMPT = /(?:https?:\/\/|www\.)\S+|\b[\w-]+\.(?:ly|com|org|net|co|me|io|gl)\/\S*|[@#][\p{L}\p{N}_]+/gu;
/** Letters (and the underscore the model glues words with) without a space. */
const LONG_RUN = /[\p{L}\p{M}_]{30,}/u;
/**
 * A comma, semicolon, colon or ellipsis six times or more in a row. People stretch
 * other marks ("!!!!!!!!", "------>", "B******"), so those pass.
 */
const STUTTER = /([,;:…])\1{5,}/u;
/** The same word (of three letters or more: "sh sh sh sh sugar" is a person) four times in a row. */
const LOOP = /(?<![\p{L}\p{N}])(\p{L}{3,})(?:\s+\1(?![\p{L}\p{N}])){3,}/iu;
/** A letter held for effect ("Hellooooooo", "LMFAOOOOOO") is one word, not a run-on: kept to two. */
const HELD = /(\p{L})\1{2,}/gu;

/**
 * Why `text` looks garbled, in words a card can show ("a 37-letter run without a space:
 * “the_oldtownand…”"), or null when it reads as text.
 */
export function garbledReason(text: string): string | null {
  const plain = text.replace(EXEMPT, ' ');
  const run = LONG_RUN.exec(plain.replace(HELD, '$1$1'));
  if (run) return `a ${run[0].length}-letter run without a space: “${run[0].slice(0, 16)}…”`;
  const stutter = STUTTER.exec(plain);
  if (stutter) return `a mark repeated ${stutter[0].length} times: “${stutter[0].slice(0, 8)}…”`;
  const loop = LOOP.exec(plain);
  if (loop) return `the same word over and over: “${loop[1]}”`;
  // A restyled draft has words; a link or a handle alone ("https://bit.ly/wfB04S", "@SJBeth123") says nothing.
  if (plain !== text && (plain.match(/\p{L}+/gu) ?? []).length < 2) return 'nothing but a link, handle or hashtag';
  const visible = plain.replace(/\s+/g, '');
  if (visible.length >= 12) {
    const letters = (visible.match(/[\p{L}\p{N}]/gu) ?? []).length;
    if (letters / visible.length < 0.4) return 'more symbols than words';
  }
  return null;
}
