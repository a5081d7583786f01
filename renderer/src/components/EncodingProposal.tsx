import type { ImportFile, ImportAnswer } from '../stores/use-import-store';
import { encodingName } from '../lib/encodings';
import { Icon } from './Icon';
import { num, plural } from '../lib/format';

/**
 * "This file looks like Windows-1252 — use it?" The proposal states what each reading
 * does to the file's rows (measured by the host with the import's own parser), so the
 * user decides on evidence; the encoding chosen in the import options stays as it is.
 */
export function EncodingProposal({ file, onAnswer }: { file: ImportFile; onAnswer: (a: ImportAnswer) => void }) {
  const q = file.question!;
  const enc = q.inspection.encoding;
  const suggested = enc.suggested!;
  const chosen = enc.readings.find((r) => r.encoding === enc.chosen);
  const better = enc.readings.find((r) => r.encoding === suggested);
  const where = q.inspection.complete ? '' : ` in its first ${mb(q.inspection.sampleBytes)}`;
  const unit = (n: number) => plural(n, chosen?.unit ?? 'row');
  return (
    <section className="card import-question" aria-label={`Encoding of ${file.name}`} data-testid="encoding-proposal" data-file={file.name}>
      <h2 className="section-title">
        <Icon name="alert" size={18} /> {file.name} looks like {encodingName(suggested)}
      </h2>
      <p>
        {suggested === 'utf-8' ? (
          <>
            Its text is valid UTF-8{where}, with characters beyond plain ASCII; read as {encodingName(enc.chosen)}, those would come out garbled (“é” as “Ã©”).
          </>
        ) : chosen && chosen.unreadable > 0 ? (
          <>
            Read as {encodingName(enc.chosen)}, <strong data-testid="proposal-unreadable">{num(chosen.unreadable)}</strong> of its {unit(chosen.total)}
            {where} hold characters that cannot be read, and would be skipped.
          </>
        ) : (
          <>
            Its bytes are not valid {encodingName(enc.chosen)}
            {where}.
          </>
        )}{' '}
        {better && suggested !== 'utf-8' && (
          <>
            Read as {encodingName(suggested)}, {better.unreadable === 0 ? `all ${unit(better.total)} can be read` : `${num(better.total - better.unreadable)} of ${unit(better.total)} can be read`}.
          </>
        )}
      </p>
      {enc.confidence != null && suggested !== 'utf-8' && (
        <p className="muted small">
          The encoding detector is {enc.confidence}% sure of {encodingName(suggested)}. If the text still looks wrong after importing, delete it in the library and import again choosing another
          encoding in the import options.
        </p>
      )}
      <div className="question-actions">
        <button type="button" className="btn btn-primary" onClick={() => onAnswer({ encoding: suggested })}>
          Use {encodingName(suggested)}
        </button>
        <button type="button" className="btn" onClick={() => onAnswer({ encoding: '' })}>
          Keep {encodingName(enc.chosen)}
        </button>
        <button type="button" className="btn btn-ghost" onClick={() => onAnswer('skip')}>
          Don’t import this file
        </button>
      </div>
    </section>
  );
}

function mb(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round(bytes / (1024 * 1024))} MB` : `${Math.round(bytes / 1024)} KB`;
}
