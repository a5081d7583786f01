import { isRunning, useImportStore } from '../stores/use-import-store';
import { resumeImports, undoImports } from '../lib/import-actions';
import { summarize } from '../lib/import-summary';
import { duration, num } from '../lib/format';
import { Icon } from './Icon';
import { ImportFileRow } from './ImportFileRow';
import { ProgressBar } from './ProgressBar';

/**
 * The head of the import card: what the drop is doing (the same heading and line the
 * toast at its end repeats), its figures, one bar, and a row per file. Everything is
 * read from the jobs' own progress; the learning figures in there come from the
 * background queue on the host, so the sidebar (which shows the same summary while
 * this drop is learning) and this card always agree.
 */
export function ImportProgressPanel() {
  const files = useImportStore((s) => s.files);
  const cancel = useImportStore((s) => s.cancel);
  const dismiss = useImportStore((s) => s.dismiss);
  const busy = useImportStore((s) => s.busy);
  const s = summarize(files);
  const running = isRunning(files);
  const reading = s.phase === 'queued' || s.phase === 'parsing' || s.phase === 'storing';
  return (
    <>
      <div className="section-head">
        <h2 className="section-title">{s.title}</h2>
        <div className="import-actions">
          {running ? (
            <button type="button" className="btn btn-small" onClick={() => void cancel()}>
              <Icon name="x" size={16} /> Cancel
            </button>
          ) : (
            <>
              {s.canResume && (
                <button type="button" className="btn btn-small" disabled={busy !== null} onClick={() => void resumeImports()}>
                  Learn the kept documents
                </button>
              )}
              {s.canUndo && (
                <button type="button" className="btn btn-small" disabled={busy !== null} onClick={() => void undoImports()}>
                  <Icon name="trash" size={16} /> {busy === 'undo' ? 'Removing…' : 'Remove what this import added'}
                </button>
              )}
              <button type="button" className="btn btn-small btn-ghost" onClick={dismiss}>
                Dismiss
              </button>
            </>
          )}
        </div>
      </div>
      <p className="import-summary" data-testid="import-summary">
        {s.line}
      </p>

      <dl className="stats">
        <div>
          <dt>Parsed</dt>
          <dd data-testid="stat-parsed">{num(s.parsed)}</dd>
        </div>
        <div>
          <dt>Stored</dt>
          <dd data-testid="stat-stored">{num(s.stored)}</dd>
        </div>
        <div>
          <dt>Already there</dt>
          <dd data-testid="stat-duplicates">{num(s.duplicates)}</dd>
        </div>
        <div>
          <dt>Learned</dt>
          <dd data-testid="stat-compressed">
            {num(s.compressed)}
            <span className="muted"> / {num(s.kept)}</span>
          </dd>
        </div>
        <div>
          <dt>Speed</dt>
          <dd>{running && s.docsPerSec > 0 ? `${s.docsPerSec.toFixed(s.docsPerSec < 10 ? 1 : 0)} docs/s` : '—'}</dd>
        </div>
        <div>
          <dt>Time left</dt>
          <dd data-testid="stat-eta">{running ? duration(s.etaSec) : '—'}</dd>
        </div>
      </dl>
      {/* Two bars, not one that changes meaning: a reused bar would glide from "75 % read" down to "0 learned". */}
      {reading ? (
        <ProgressBar key="read" value={s.bytesRead} max={Math.max(s.bytesTotal, 1)} label="Files read" />
      ) : (
        <ProgressBar key="learned" value={s.compressed} max={Math.max(s.kept, 1)} label="Documents learned" />
      )}

      <ul className="file-list" aria-label="Files">
        {files.map((f, i) => (
          <ImportFileRow key={i} file={f} showBar={files.length > 1} />
        ))}
      </ul>
    </>
  );
}
