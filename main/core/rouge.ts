// ROUGE-L (Lin, 2004): F-measure of the longest common subsequence of tokens.
// The same scorer as models/commer/rouge.py, which computes the figures a pack ships
// with: lowercase, split on anything that is not a letter or digit (underscores too).
// test/unit/core/rouge-parity.test.ts holds the two to 1e-9 on test/fixtures/eval/rouge.json.

/** Lowercased alphanumeric tokens of `text`, the units ROUGE-L compares. */
export function rougeTokens(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t.length > 0);
}

/** Length of the longest common subsequence, O(n*m) time, O(m) memory. */
export function lcsLength(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  let prev = new Uint32Array(b.length + 1);
  let cur = new Uint32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      cur[j] = a[i - 1] === b[j - 1] ? prev[j - 1]! + 1 : Math.max(prev[j]!, cur[j - 1]!);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length]!;
}

/** ROUGE-L precision, recall and F1 of a candidate against one reference. */
export function rougeL(candidate: string, reference: string): { precision: number; recall: number; f1: number } {
  const c = rougeTokens(candidate);
  const r = rougeTokens(reference);
  const l = lcsLength(c, r);
  if (l === 0) return { precision: 0, recall: 0, f1: 0 };
  const precision = l / c.length;
  const recall = l / r.length;
  return { precision, recall, f1: (2 * precision * recall) / (precision + recall) };
}
