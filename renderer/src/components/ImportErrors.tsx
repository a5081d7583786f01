import { useState } from 'react';
import type { ImportRowError } from '../api';
import type { ImportFile } from '../stores/use-import-store';
import { Icon } from './Icon';
import { num, plural } from '../lib/format';

/** One file's problems as the list shows them: what became of the file, then its errors grouped by what went wrong. */
export interface FileProblems {
  key: number;
  name: string;
  /** Problems counted once each (a file that failed as a whole is one, not its message twice). */
  count: number;
  summary: string;
  failed: boolean;
  groups: ProblemGroup[];
  /** Problems the host counted but did not keep (it keeps the first 100 of a file). */
  unlisted: number;
}

export interface ProblemGroup {
  /** The archive entry the problems are in, when the file is a zip. */
  entry: string | null;
  message: string;
  lines: number[];
  /** Problems in the group (lines.length, or 1 for one without a line). */
  count: number;
}

const LINES_SHOWN = 8;

/** Groups a drop's problems by the file the user dropped, each counted once, in words that say what became of the file. */
export function fileProblems(files: ImportFile[]): FileProblems[] {
  const out: FileProblems[] = [];
  for (const f of files) {
    if (f.startError) {
      out.push({ key: f.key, name: f.name, count: 1, failed: true, summary: 'Not imported.', groups: [{ entry: null, message: f.startError, lines: [], count: 1 }], unlisted: 0 });
      continue;
    }
    const p = f.progress;
    if (!p) continue;
    const failed = p.phase === 'failed';
    if (!p.errorCount && !(failed && p.error)) continue;
    const fatal = p.errors.find((e) => e.lost === null);
    const groups = groupErrors(f.name, p.file, p.errors);
    if (failed && p.errorCount === 0) groups.push({ entry: null, message: sentence(f.name, strip(f.name, p.error!.message)), lines: [], count: 1 });
    const count = failed && p.errorCount === 0 ? 1 : p.errorCount;
    let summary: string;
    if (failed) {
      summary =
        fatal || p.errorCount === 0
          ? 'Not imported; nothing of this file was stored.'
          : `Nothing was imported from this file: ${plural(p.errorCount, 'row')} could not be read, and the import options say to import nothing from such a file.`;
    } else {
      const parts: string[] = [`${plural(p.stored, 'new document')} imported`];
      if (p.lost > 0) parts.push(`${plural(p.lost, 'row')} could not be read and ${p.lost === 1 ? 'was' : 'were'} skipped`);
      if (p.incomplete) parts.push(fatal?.line ? `the file could not be read past line ${num(fatal.line)}` : 'part of the file could not be read');
      if (p.lost === 0 && !p.incomplete) parts.push('nothing was lost: the problems below were read past');
      summary = `${parts.join('; ')}.`;
    }
    out.push({ key: f.key, name: f.name, count, failed, summary, groups, unlisted: Math.max(0, p.errorCount - p.errors.length) });
  }
  return out;
}

/** The label the host gave an error is the file, or "file:entry" inside an archive. */
function entryOf(name: string, hostName: string, label: string): string | null {
  for (const n of [name, hostName]) {
    if (label === n) return null;
    if (label.startsWith(`${n}:`)) return label.slice(n.length + 1);
  }
  return label === '' ? null : label.includes(':') ? label.slice(label.indexOf(':') + 1) : null;
}

function strip(name: string, message: string): string {
  return message.startsWith(name) ? message.slice(name.length).replace(/^[:,]?\s*/, '') || message : message;
}

/** The host leaves the file's name off a message it shows beside it ("is a PNG image"); as a line of its own it reads better with it. */
function sentence(subject: string, message: string): string {
  return /^(is|has|contains|looks|ends)\b/.test(message) ? `${subject} ${message}` : message;
}

function groupErrors(name: string, hostName: string, errors: ImportRowError[]): ProblemGroup[] {
  const groups = new Map<string, ProblemGroup>();
  for (const e of errors) {
    const entry = entryOf(name, hostName, e.file);
    const message = sentence(entry ?? name, strip(name, e.message));
    const k = `${entry ?? ''}\u0000${message}`;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { entry, message, lines: [], count: 0 }));
    g.count++;
    if (e.line != null) g.lines.push(e.line);
  }
  return [...groups.values()];
}

/** The problems of a drop, per file, each counted once; never a path the host keeps the file under. */
export function ImportErrors({ files }: { files: ImportFile[] }) {
  const [all, setAll] = useState(false);
  const problems = fileProblems(files);
  if (!problems.length) return null;
  const total = problems.reduce((n, p) => n + p.count, 0);
  const considered = files.filter((f) => !f.question).length;
  const anyFailed = problems.some((p) => p.failed);
  const hidden = problems.some((p) => p.groups.length > 3 || p.groups.some((g) => g.lines.length > LINES_SHOWN));
  return (
    <div className="errors" role="alert" data-testid="import-problems" data-count={total}>
      <h3 className="errors-title">
        <Icon name="alert" size={16} /> {plural(total, 'problem')} in {problems.length === considered ? plural(problems.length, 'file') : `${num(problems.length)} of ${plural(considered, 'file')}`}
      </h3>
      <ul data-testid="import-errors">
        {problems.map((p) => (
          <li key={p.key} data-testid="import-error-file" data-file={p.name} data-count={p.count} data-failed={p.failed}>
            <div>
              <strong>{p.name}</strong> <span className={p.failed ? 'chip chip-bad chip-small' : 'chip chip-small'}>{plural(p.count, 'problem')}</span>{' '}
              <span data-testid="import-error-summary">{p.summary}</span>
            </div>
            <ul className="error-groups">
              {(all ? p.groups : p.groups.slice(0, 3)).map((g, i) => (
                <li key={i} data-testid="import-error">
                  {g.entry && <code className="error-entry">{g.entry}</code>}
                  {g.entry && ': '}
                  {g.message}
                  {g.lines.length > 0 && <span className="muted"> ({lineList(g.lines, all)})</span>}
                </li>
              ))}
              {!all && p.groups.length > 3 && <li className="muted">… and {plural(p.groups.length - 3, 'other kind')} of problem</li>}
              {p.unlisted > 0 && (
                <li className="muted">
                  … and {plural(p.unlisted, 'more problem')} not listed (the first {num(p.count - p.unlisted)} are kept)
                </li>
              )}
            </ul>
          </li>
        ))}
      </ul>
      {hidden && (
        <button type="button" className="link small" onClick={() => setAll(!all)} aria-expanded={all}>
          {all ? 'Show fewer' : 'Show every line'}
        </button>
      )}
      {anyFailed && <p className="muted small">Documents already in the profile are untouched.</p>}
    </div>
  );
}

function lineList(lines: number[], all: boolean): string {
  const word = lines.length === 1 ? 'line' : 'lines';
  if (all || lines.length <= LINES_SHOWN) return `${word} ${lines.map(num).join(', ')}`;
  return `${word} ${lines.slice(0, LINES_SHOWN).map(num).join(', ')} and ${num(lines.length - LINES_SHOWN)} more`;
}
