import type { ImportPhase } from '../api';
import type { ImportFile } from '../stores/use-import-store';
import { fileFigures } from '../lib/import-summary';
import { Icon } from './Icon';
import { ProgressBar } from './ProgressBar';

const FILE_PHASE: Record<ImportPhase, string> = {
  queued: 'waiting',
  parsing: 'reading',
  storing: 'saving',
  compressing: 'learning',
  done: 'done',
  cancelled: 'cancelled',
  failed: 'failed',
};

/** One dropped file: its phase, its own count, and (when several files were dropped) its own bar. */
export function ImportFileRow({ file, showBar }: { file: ImportFile; showBar: boolean }) {
  const phase: ImportPhase = file.startError ? 'failed' : (file.progress?.phase ?? 'queued');
  const fig = fileFigures(file);
  const chip = phase === 'failed' ? 'chip-bad' : phase === 'done' ? 'chip-ok' : phase === 'cancelled' ? '' : 'chip-live';
  return (
    <li className="file-row import-file-row" data-testid="import-file" data-phase={phase}>
      <Icon name="file" size={16} />
      <span className="truncate file-name">{file.name}</span>
      <span className={`chip ${chip}`}>{FILE_PHASE[phase]}</span>
      <span className="muted small import-file-count" data-testid="import-file-count">
        {fig.count}
      </span>
      {/* Keyed by what it measures, so switching from reading to learning starts a new bar instead of gliding the old one. */}
      {showBar && <ProgressBar key={fig.label} value={fig.value} max={fig.max} label={`${fig.label}: ${file.name}`} />}
    </li>
  );
}
