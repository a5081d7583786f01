import { useImportStore } from '../stores/use-import-store';
import { ColumnPicker } from './ColumnPicker';
import { EncodingProposal } from './EncodingProposal';

/** The questions dropped files wait on before they are imported, one card per file. */
export function ImportReview() {
  const files = useImportStore((s) => s.files);
  const answer = useImportStore((s) => s.answer);
  const asking = files.filter((f) => f.question);
  if (!asking.length) return null;
  return (
    <>
      {asking.map((f) =>
        f.question!.ask === 'encoding' ? (
          <EncodingProposal key={f.key} file={f} onAnswer={(a) => void answer(f.key, a)} />
        ) : (
          <ColumnPicker key={f.key} file={f} onAnswer={(a) => void answer(f.key, a)} />
        ),
      )}
    </>
  );
}
