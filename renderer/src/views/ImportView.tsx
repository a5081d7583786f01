import { useRef } from 'react';
import { HeldImports } from '../components/HeldImports';
import { PageHeader } from '../components/PageHeader';
import { EmptyState } from '../components/EmptyState';
import { Icon } from '../components/Icon';
import { ImportProgressPanel } from '../components/ImportProgressPanel';
import { ImportErrors } from '../components/ImportErrors';
import { ImportReview } from '../components/ImportReview';
import { ACCEPTED_EXTENSIONS, useImportStore } from '../stores/use-import-store';
import { summarize } from '../lib/import-summary';
import { useActiveProfile } from '../stores/use-profiles-store';
import { useUiStore } from '../stores/use-ui-store';

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
  const { files, start, choices, setChoices } = useImportStore();
  const inputRef = useRef<HTMLInputElement>(null);

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

  // Once a drop is under way the progress matters more than the instructions.
  const compact = files.length > 0;
  // The card, its heading and the toast at the end share one summary of the drop.
  const t = summarize(files);
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
      {/* Cancelled imports from before (a restart ago, or a dismissed card): the card of one on screen offers the same buttons itself. */}
      {files.length === 0 && <HeldImports profileId={profile.id} />}

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
          <ImportProgressPanel />

          <ImportErrors files={files} />
        </section>
      )}
    </>
  );
}
