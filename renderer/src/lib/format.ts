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
