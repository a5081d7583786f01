// What a drop of files amounts to, in the words every place that shows it uses: the
// progress card's heading and line, each file's row, the sidebar while learning, and
// the toast at the end. They all read it from here, from the same job progress the
// host sent, so they cannot tell different stories.
import type { ImportPhase, ImportProgress } from '../api';
import { totals, type ImportFile, type ImportTotals } from '../stores/use-import-store';
import { duration, num, plural } from './format';

export interface ImportSummary extends ImportTotals {
  /** Documents the drop added that are still there (stored less those removed by undo). */
  kept: number;
  /** Documents the user removed again (undo). */
  removed: number;
  title: string;
  /** One sentence with the figures that matter now; the toast at the end says the same. */
  line: string;
  tone: 'success' | 'error' | 'info';
  /** Some job has documents of its own to remove. */
  canUndo: boolean;
  /** A cancelled job kept documents that were not learned. */
  canResume: boolean;
}

const TITLE: Record<ImportPhase, string> = {
  queued: 'Waiting to start…',
  parsing: 'Reading files…',
  storing: 'Saving documents…',
  compressing: 'Learning the style…',
  done: 'Import finished',
  cancelled: 'Import cancelled',
  failed: 'Import failed',
};

/** Documents a job added that are still there. */
export function keptOf(p: ImportProgress): number {
  return Math.max(0, p.stored - (p.removed ?? 0));
}

export function summarize(files: ImportFile[]): ImportSummary {
  const t = totals(files);
  // Cancel stops every file still running; a drop where some had already finished was still cancelled.
  if (t.phase === 'done' && files.some((f) => f.progress?.phase === 'cancelled')) t.phase = 'cancelled';
  let kept = 0;
  let removed = 0;
  let canUndo = false;
  let canResume = false;
  for (const f of files) {
    const p = f.progress;
    if (!p) continue;
    const k = keptOf(p);
    kept += k;
    removed += p.removed ?? 0;
    if (k > 0 && f.jobId) canUndo = true;
    if (p.phase === 'cancelled' && k > p.compressed) canResume = true;
  }
  const learned = `${num(t.compressed)} of ${plural(kept, 'document')} learned`;
  const problems = t.errorCount ? `, ${plural(t.errorCount, 'problem')}` : '';
  let title = TITLE[t.phase];
  let line: string;
  let tone: ImportSummary['tone'] = 'info';
  switch (t.phase) {
    case 'queued':
    case 'parsing':
    case 'storing':
      line = `${capital(plural(t.parsed, 'document'))} read, ${num(t.stored)} new${t.etaSec != null ? ` · ${duration(t.etaSec)} left` : ''}`;
      break;
    case 'compressing':
      line = `${capital(learned)}${t.etaSec != null ? ` · ${duration(t.etaSec)} left` : ''}`;
      break;
    case 'done': {
      tone = t.errorCount ? 'error' : 'success';
      const dup = t.duplicates ? `, ${num(t.duplicates)} already there` : '';
      const left = kept - t.compressed;
      line = `${capital(plural(t.stored, 'new document'))}${dup}${problems}${left > 0 ? `; ${num(left)} still to learn` : ''}.`;
      break;
    }
    case 'cancelled': {
      const left = kept - t.compressed;
      line =
        kept === 0
          ? `Nothing was kept${problems}.`
          : `${capital(plural(kept, 'document'))} kept, ${num(t.compressed)} learned${left > 0 ? `; the other ${num(left)} will not be learned` : ''}${problems}.`;
      break;
    }
    case 'failed':
      tone = 'error';
      line = `${plural(t.errorCount, 'problem')}. Nothing already imported was changed.`;
      break;
  }
  if (removed > 0 && kept === 0) {
    title = REMOVED_TITLE;
    line = removedLine(removed);
    tone = 'info';
  }
  // Every job that is learning reports the queue's one rate: the drop learns at that rate, not at their sum.
  if (t.phase === 'compressing') t.docsPerSec = Math.max(0, ...files.map((f) => (f.progress?.phase === 'compressing' ? f.progress.docsPerSec : 0)));
  return { ...t, kept, removed, title, line, tone, canUndo, canResume };
}

const REMOVED_TITLE = 'Import removed';

/** What an undo did, as the card and the toast after it say it. */
export function removedLine(removed: number): string {
  if (removed === 0) return 'Nothing to remove: the documents this import added were already gone.';
  return `The ${plural(removed, 'document')} this import added ${removed === 1 ? 'was' : 'were'} removed, with what was learned from them.`;
}

export function removedMessage(removed: number): string {
  return `${REMOVED_TITLE}. ${removedLine(removed)}`;
}

/** The toast at the end of a drop: the card's heading and line, word for word. */
export function finishedMessage(s: ImportSummary): string {
  return `${s.title}. ${s.line}`;
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Figures of one file's row: its own count and bar. */
export function fileFigures(f: ImportFile): { count: string; value: number; max: number; label: string } {
  if (f.startError || !f.progress) return { count: f.startError ? 'not started' : 'waiting', value: 0, max: 1, label: 'Read' };
  const p = f.progress;
  const kept = keptOf(p);
  switch (p.phase) {
    case 'queued':
    case 'parsing':
    case 'storing':
      return { count: `${num(p.parsed)} read · ${num(p.stored)} new`, value: p.bytesRead, max: Math.max(p.bytesTotal, 1), label: 'Read' };
    case 'compressing':
      return { count: `${num(p.compressed)} / ${num(kept)} learned`, value: p.compressed, max: Math.max(kept, 1), label: 'Learned' };
    case 'cancelled':
      return { count: `${num(kept)} kept · ${num(p.compressed)} learned`, value: p.compressed, max: Math.max(kept, 1), label: 'Learned' };
    case 'done':
      if (p.removed) return { count: `${num(p.removed)} removed`, value: 0, max: 1, label: 'Learned' };
      return { count: `${num(p.stored)} new · ${num(p.compressed)} learned`, value: p.compressed, max: Math.max(kept, 1), label: 'Learned' };
    case 'failed':
      return { count: 'nothing imported', value: 0, max: 1, label: 'Read' };
  }
}
