import { useEffect, useState } from 'react';
import { errorMessage, type HeldImport } from '../api';
import { useHeldImportsStore } from '../stores/use-held-imports-store';
import { useUiStore } from '../stores/use-ui-store';
import { num, plural, when } from '../lib/format';
import { ConfirmDialog } from './ConfirmDialog';
import { Icon } from './Icon';

/** Documents of a held import that the style has not learned (those learned before the cancel are in it already). */
const notLearned = (h: HeldImport) => h.documents - h.learned;

/**
 * One notice per cancelled import whose kept documents are in the profile but not
 * learned, with the two ways out: learn them after all, or remove what the import
 * added. The list comes from the host's store, so it is there after a restart too,
 * when the import card that offered the same buttons is long gone.
 */
export function HeldImports({ profileId }: { profileId: number }) {
  const { profileId: listed, items, busy, error, load, release, remove } = useHeldImportsStore();
  const toast = useUiStore((s) => s.toast);
  const [confirming, setConfirming] = useState<HeldImport | null>(null);

  useEffect(() => {
    void load(profileId);
  }, [profileId, load]);

  // An import whose documents were all learned before the cancel holds nothing back: no notice.
  const shown = listed === profileId ? items.filter((h) => notLearned(h) > 0) : [];
  // The dialog stays while it finishes, even when the import it removes was the last notice.
  if (!shown.length && !error && !confirming) return null;

  const learn = async (h: HeldImport) => {
    try {
      const n = await release(h.importId);
      toast({ tone: 'success', message: `Learning the ${plural(n, 'document')} kept from ${h.file}.` });
    } catch (e) {
      toast({ tone: 'error', message: `Could not learn the documents of ${h.file}: ${errorMessage(e)}` }, 8000);
    }
  };

  return (
    <section className="held-imports" aria-label="Cancelled imports" data-testid="held-imports">
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {shown.map((h) => {
        const n = notLearned(h);
        const mine = busy?.importId === h.importId ? busy.action : null;
        return (
          <div key={h.importId} className="notice held-import" role="note" data-testid="held-import" data-file={h.file} data-import-id={h.importId}>
            <Icon name="alert" size={18} />
            <div className="held-import-main">
              <p data-testid="held-import-text">
                <strong>{h.file}</strong>: {plural(n, 'document')} kept from a cancelled import {n === 1 ? 'is' : 'are'} not learned.
              </p>
              <p className="muted small">
                Imported {when(h.startedAt)}
                {h.learned > 0 && <> · {num(h.learned)} of its documents were learned before the cancel</>}. The style leaves the others out until you choose.
              </p>
            </div>
            <div className="held-import-actions">
              <button type="button" className="btn btn-small btn-primary" disabled={busy !== null} onClick={() => void learn(h)}>
                {mine === 'release' ? 'Starting…' : 'Learn them'}
              </button>
              <button type="button" className="btn btn-small btn-danger-outline" disabled={busy !== null} onClick={() => setConfirming(h)}>
                <Icon name="trash" size={16} /> {mine === 'remove' ? 'Removing…' : 'Remove them'}
              </button>
            </div>
          </div>
        );
      })}
      <ConfirmDialog
        open={confirming !== null}
        title={confirming ? `Remove ${plural(confirming.documents, 'document')}?` : ''}
        confirmLabel={confirming ? `Remove ${plural(confirming.documents, 'document')}` : 'Remove'}
        danger
        onClose={() => setConfirming(null)}
        onConfirm={async () => {
          const h = confirming!;
          const removed = await remove(h.importId);
          toast({ tone: 'info', message: `Removed the ${plural(removed, 'document')} ${h.file} added.` });
        }}
      >
        {confirming && (
          <p>
            This removes the {plural(confirming.documents, 'document')} that <strong>{confirming.file}</strong> added
            {confirming.learned > 0 ? <>, with what the style learned from the {num(confirming.learned)} learned before the cancel</> : null}. Documents that were in the profile before this import
            stay. This cannot be undone.
          </p>
        )}
      </ConfirmDialog>
    </section>
  );
}
