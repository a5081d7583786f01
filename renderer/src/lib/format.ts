const nf = new Intl.NumberFormat();

export function num(n: number): string {
  return nf.format(n);
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${nf.format(n)} ${n === 1 ? one : many}`;
}

export function duration(seconds: number | null): string {
  if (seconds == null || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 1) return 'under 1s';
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

export function when(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export const TASK_LABELS = { paraphrase: 'Tweet paraphrase', headline: 'Headline' } as const;

export function docsLabel(docs: 'all' | 'none' | { relevant: number }): string {
  if (docs === 'all') return 'all documents';
  if (docs === 'none') return 'no documents';
  return `${docs.relevant} most relevant`;
}

/**
 * What the suggestions were written from, as the line beside them says it. A "most relevant"
 * run whose draft matched no document used the whole profile instead, and says so.
 */
export function docsUsedLabel(u: { selection: 'all' | 'relevant' | 'none'; requested: number | null; matched: number | null; used: 'all' | 'relevant' | 'none'; count: number }): string {
  // Asked for documents, used none: the profile has none yet, so the model wrote without a voice.
  if (u.used === 'none') return u.selection === 'none' ? 'no documents' : 'no documents yet, so these are generic suggestions';
  if (u.selection === 'relevant' && u.used === 'all') {
    return u.matched
      ? `none of the ${plural(u.matched, 'matching document')} was learned yet, so all ${plural(u.count, 'document')} were used`
      : `no document matched the draft, so all ${plural(u.count, 'document')} were used instead`;
  }
  if (u.selection === 'relevant') return `${u.requested} most relevant (${plural(u.count, 'document')} matched and used)`;
  return `all documents (${plural(u.count, 'document')} used)`;
}
