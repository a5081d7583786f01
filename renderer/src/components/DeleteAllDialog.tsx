import { useEffect, useState } from 'react';
import { ConfirmDialog } from './ConfirmDialog';
import { api, errorMessage, unwrap, type ExportFile } from '../api';
import { when } from '../lib/format';

interface Props {
  open: boolean;
  onClose(): void;
  onDeleted(r: { exportsDeleted: number; exportsKept: ExportFile[] }): void | Promise<void>;
}

const SHOWN = 5;

/**
 * "Delete all data", saying what else holds a copy of it: every earlier export still on
 * disk is listed, and deleted with the rest unless the user unticks it.
 */
export function DeleteAllDialog({ open, onClose, onDeleted }: Props) {
  const [exports, setExports] = useState<ExportFile[] | null>(null);
  const [listError, setListError] = useState<string | null>(null);
  const [withExports, setWithExports] = useState(true);
  // In a browser every export was also downloaded, out of the app's reach: the dialog says so.
  const [host, setHost] = useState<'electron' | 'web' | null>(null);

  useEffect(() => {
    if (!open) return;
    setExports(null);
    setListError(null);
    setWithExports(true);
    unwrap(api().listExports())
      .then(setExports)
      .catch((e: unknown) => setListError(errorMessage(e)));
    unwrap(api().getAppInfo())
      .then((i) => setHost(i.host))
      .catch(() => setHost(null));
  }, [open]);

  const n = exports?.length ?? 0;
  return (
    <ConfirmDialog
      open={open}
      title="Delete all data?"
      confirmLabel={n && withExports ? `Delete everything and ${n} export${n === 1 ? '' : 's'}` : 'Delete everything'}
      danger
      typeToConfirm="DELETE"
      onClose={onClose}
      onConfirm={async () => {
        const r = await unwrap(api().deleteAll({ confirm: 'DELETE', exports: withExports && n > 0 }));
        await onDeleted(r);
      }}
    >
      <p>Every profile, imported document, learned style and history entry on this computer will be removed. Model packs stay. This cannot be undone.</p>
      {exports === null && !listError && <p className="muted small">Looking for earlier exports…</p>}
      {listError && (
        <p className="form-error" role="alert">
          Could not look for earlier exports: {listError}
        </p>
      )}
      {n > 0 && (
        <div className="export-list" data-testid="export-list">
          <p>{n === 1 ? 'An earlier export holds' : `${n} earlier exports hold`} a copy of your documents and history:</p>
          <ul>
            {exports!.slice(0, SHOWN).map((e) => (
              <li key={e.path}>
                <code className="path">{e.path}</code> <span className="muted small">({when(e.exportedAt)})</span>
              </li>
            ))}
            {n > SHOWN && <li className="muted">and {n - SHOWN} more</li>}
          </ul>
          <label className="radio">
            <input type="checkbox" checked={withExports} onChange={(e) => setWithExports(e.target.checked)} />
            Also delete {n === 1 ? 'this export file' : `these ${n} export files`}
          </label>
        </div>
      )}
      {exports !== null && n === 0 && <p className="muted small">No earlier export files were found.</p>}
      {host === 'web' && <p className="muted small">Copies your browser downloaded (for example to your Downloads folder) are out of the app’s reach: delete those yourself.</p>}
    </ConfirmDialog>
  );
}
