import { useState } from 'react';
import type { ImportFile, ImportAnswer } from '../stores/use-import-store';
import { Icon } from './Icon';

/** The names the importer looks for by itself (core/import/types.ts DEFAULT_TEXT_FIELDS). */
const KNOWN = ['text', 'full_text', 'tweet', 'content', 'body', 'message'];

/**
 * A CSV with no column the importer recognises as the text: its columns, each with
 * the value it holds in the first row, to pick the one that is the writing. The
 * column with the longest value that is not a number, date or link is preselected.
 */
export function ColumnPicker({ file, onAnswer }: { file: ImportFile; onAnswer: (a: ImportAnswer) => void }) {
  const csv = file.question!.inspection.csv!;
  const [picked, setPicked] = useState(() => likelyTextColumn(csv.columns, csv.sample));
  return (
    <section className="card import-question" aria-label={`Text column of ${file.name}`} data-testid="column-picker" data-file={file.name}>
      <h2 className="section-title">
        <Icon name="file" size={18} /> Which column of {file.name} holds the text?
      </h2>
      <p className="muted small">
        None of its columns is called {KNOWN.join(', ')}. Pick the one with the writing to learn from; {csv.sample ? 'the first row is shown' : 'the file has no rows yet'}.
      </p>
      <fieldset className="column-choices">
        <legend className="sr-only">Text column</legend>
        {csv.columns.map((c, i) => (
          <label key={`${i}-${c}`} className={picked === c ? 'column-choice picked' : 'column-choice'}>
            <input type="radio" name={`column-${file.key}`} value={c} checked={picked === c} onChange={() => setPicked(c)} />
            <span className="column-name">{c || `(column ${i + 1})`}</span>
            <span className="column-sample truncate">{csv.sample?.[i] ?? ''}</span>
          </label>
        ))}
      </fieldset>
      <div className="question-actions">
        <button type="button" className="btn btn-primary" disabled={!picked} onClick={() => onAnswer({ textColumn: picked })}>
          Import “{picked}” as the text
        </button>
        <button type="button" className="btn btn-ghost" onClick={() => onAnswer('skip')}>
          Don’t import this file
        </button>
      </div>
    </section>
  );
}

function likelyTextColumn(columns: string[], sample: string[] | null): string {
  let best = columns[0] ?? '';
  let bestLen = -1;
  columns.forEach((c, i) => {
    const v = (sample?.[i] ?? '').trim();
    const plain = v && !/^[\d\s.,:/+-]+$/.test(v) && !/^https?:\/\/\S+$/.test(v);
    const len = plain ? v.length : 0;
    if (len > bestLen && c) {
      best = c;
      bestLen = len;
    }
  });
  return best;
}
