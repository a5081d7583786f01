import { useRef } from 'react';
import { PageHeader } from '../components/PageHeader';
import { EmptyState } from '../components/EmptyState';
import { Icon } from '../components/Icon';
import { ProgressBar } from '../components/ProgressBar';
import { ImportErrors } from '../components/ImportErrors';
import { ImportReview } from '../components/ImportReview';
import { ACCEPTED_EXTENSIONS, isRunning, totals, useImportStore } from '../stores/use-import-store';
import { useActiveProfile } from '../stores/use-profiles-store';
import { useUiStore } from '../stores/use-ui-store';
import { useSettingsStore } from '../stores/use-settings-store';
import { duration, num, plural } from '../lib/format';
import type { ImportPhase } from '../api';

const PHASE_LABEL: Record<ImportPhase, string> = {
  queued: 'Waiting to start…',
  parsing: 'Reading files…',
  storing: 'Saving documents…',
  compressing: 'Learning the style…',
  done: 'Import finished',
  cancelled: 'Import cancelled',
  failed: 'Import failed',
};

const FILE_PHASE: Record<ImportPhase, string> = {
  queued: 'waiting',
  parsing: 'reading',
  storing: 'saving',
  compressing: 'learning',
  done: 'done',
  cancelled: 'cancelled',
  failed: 'failed',
};

const FORMATS: [string, string][] = [
  ['.zip / .js', 'Twitter/X archive as downloaded, or its data/tweets.js'],
  ['.csv', 'spreadsheet export with a text column'],
  ['.json / .jsonl', 'exports with a text field per item'],
  ['.txt', 'one document per blank-line-separated block'],
  ['.md / .html', 'articles; the text is extracted'],
];

/** Encodings offered for files without a byte-order mark (labels TextDecoder knows). */
const ENCODINGS: [string, string][] = [
  ['', 'UTF-8 (usual)'],
  ['windows-1252', 'Windows-1252 / Latin-1 (older Windows exports)'],
  ['macintosh', 'Mac Roman (older Mac exports)'],
  ['utf-16le', 'UTF-16 LE'],
];

export function ImportView() {
  const profile = useActiveProfile();
  const setView = useUiStore((s) => s.setView);
  const { files, start, cancel, dismiss, choices, setChoices } = useImportStore();
  const inputRef = useRef<HTMLInputElement>(null);
  // While documents are being learned, the background queue knows best how long is left.
  const queue = useSettingsStore((s) => s.queue);

  if (!profile) {
    return (
      <>
        <PageHeader title="Import" />
        <EmptyState
          icon="upload"
          title="Create a profile first"
          action={
            <button type="button" className="btn btn-primary" onClick={() => setView('profiles')}>
              Go to profiles
            </button>
          }
        >
          Imported writing belongs to a profile: the voice the app learns.
        </EmptyState>
      </>
    );
  }

  const running = isRunning(files);
  // Once a drop is under way the progress matters more than the instructions.
  const compact = files.length > 0;
  const t = totals(files);
  const reading = t.phase === 'queued' || t.phase === 'parsing' || t.phase === 'storing';
  // Reading is measured by the import job; learning by the background queue that does it.
  const speed = t.phase === 'compressing' && queue ? queue.docsPerSec : t.docsPerSec;
  const pick = (files: FileList | null) => {
    if (!files || files.length === 0) return;
    void start(profile.id, Array.from(files));
    if (inputRef.current) inputRef.current.value = '';
  };

  return (
    <>
      <PageHeader
        title="Import"
        subtitle={
          <>
            Add past writing to <strong>{profile.name}</strong>. Re-importing the same file adds nothing.
          </>
        }
      />

      <section className={compact ? 'dropbox compact' : 'dropbox'} aria-label="Choose files to import">
        <Icon name="upload" size={compact ? 22 : 30} />
        <p className="dropbox-title">{compact ? 'Drop more files anywhere in this window' : 'Drop files anywhere in this window'}</p>
        {!compact && <p className="muted small">or</p>}
        <input ref={inputRef} id="import-file-input" type="file" multiple accept={ACCEPTED_EXTENSIONS.join(',')} className="sr-only" onChange={(e) => pick(e.target.files)} />
        <label htmlFor="import-file-input" className={compact ? 'btn' : 'btn btn-primary'}>
          <Icon name="file" size={16} /> Choose files…
        </label>
        {!compact && (
          <ul className="formats">
            {FORMATS.map(([ext, what]) => (
              <li key={ext}>
                <code>{ext}</code> <span className="muted">{what}</span>
              </li>
            ))}
          </ul>
        )}
      </section>

      <section className="card import-options" aria-label="Import options">
        <h2 className="section-title">Import options</h2>
        <div className="import-options-grid">
          <label>
            <span>Text encoding</span>
            <select value={choices.encoding} onChange={(e) => setChoices({ encoding: e.target.value })} data-testid="import-encoding">
              {ENCODINGS.map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          </label>
          <label>
            <span>A row that cannot be read</span>
            <select value={choices.onBadRow} onChange={(e) => setChoices({ onBadRow: e.target.value === 'abort' ? 'abort' : 'skip' })}>
              <option value="skip">Skip it, import the rest</option>
              <option value="abort">Import nothing from that file</option>
            </select>
          </label>
          <label className="checkbox">
            <input type="checkbox" checked={choices.includeReplies} onChange={(e) => setChoices({ includeReplies: e.target.checked })} />
            <span>Include replies from Twitter/X archives</span>
          </label>
        </div>
        <p className="muted small">These apply to the next files you drop or choose. A file with a byte-order mark is always read in its own encoding.</p>
      </section>

      <ImportReview />

      {files.length > 0 && (
        <section className="card import-job" aria-label="Import progress" data-testid="import-progress" data-phase={t.phase}>
          <div className="section-head">
            <h2 className="section-title">{PHASE_LABEL[t.phase]}</h2>
            {running ? (
              <button type="button" className="btn btn-small" onClick={() => void cancel()}>
                <Icon name="x" size={16} /> Cancel
              </button>
            ) : (
              <button type="button" className="btn btn-small btn-ghost" onClick={dismiss}>
                Dismiss
              </button>
            )}
          </div>

          <dl className="stats">
            <div>
              <dt>Parsed</dt>
              <dd data-testid="stat-parsed">{num(t.parsed)}</dd>
            </div>
            <div>
              <dt>Stored</dt>
              <dd data-testid="stat-stored">{num(t.stored)}</dd>
            </div>
            <div>
              <dt>Already there</dt>
              <dd data-testid="stat-duplicates">{num(t.duplicates)}</dd>
            </div>
            <div>
              <dt>Learned</dt>
              <dd data-testid="stat-compressed">
                {num(t.compressed)}
                <span className="muted"> / {num(t.stored)}</span>
              </dd>
            </div>
            <div>
              <dt>Speed</dt>
              <dd>{running && speed > 0 ? `${speed.toFixed(speed < 10 ? 1 : 0)} docs/s` : '—'}</dd>
            </div>
            <div>
              <dt>Time left</dt>
              <dd>{running ? duration(t.phase === 'compressing' && queue?.etaSec != null ? Math.max(queue.etaSec, t.etaSec ?? 0) : t.etaSec) : '—'}</dd>
            </div>
          </dl>
          {reading ? (
            <ProgressBar value={t.bytesRead} max={Math.max(t.bytesTotal, 1)} label="Files read" />
          ) : (
            <ProgressBar value={t.compressed} max={Math.max(t.stored, 1)} label="Documents learned" />
          )}

          <ul className="file-list" aria-label="Files">
            {files.map((f, i) => {
              const phase = f.startError ? 'failed' : (f.progress?.phase ?? 'queued');
              return (
                <li key={i} className="file-row" data-testid="import-file" data-phase={phase}>
                  <Icon name="file" size={16} />
                  <span className="truncate file-name">{f.name}</span>
                  <span className={`chip ${phase === 'failed' ? 'chip-bad' : phase === 'done' ? 'chip-ok' : phase === 'cancelled' ? '' : 'chip-live'}`}>{FILE_PHASE[phase]}</span>
                  {f.progress && <span className="muted small">{plural(f.progress.stored, 'new document')}</span>}
                </li>
              );
            })}
          </ul>

          <ImportErrors files={files} />
        </section>
      )}
    </>
  );
}
