import { useEffect } from 'react';
import { PageHeader } from '../components/PageHeader';
import { DeleteAllDialog } from '../components/DeleteAllDialog';
import { ThreadsSetting } from '../components/ThreadsSetting';
import { Icon } from '../components/Icon';
import { useSettingsStore } from '../stores/use-settings-store';
import { useProfilesStore } from '../stores/use-profiles-store';
import { useUiStore } from '../stores/use-ui-store';
import { errorMessage, type PackSummary } from '../api';
import { exportAllData } from '../lib/export-data';

function PackRow({ p }: { p: PackSummary }) {
  const { busyPack, validate, activate } = useSettingsStore();
  const checking = useSettingsStore((s) => s.checking.has(p.id));
  const checked = useSettingsStore((s) => p.id in s.checks);
  const toast = useUiStore((s) => s.toast);
  const switching = busyPack === p.id;
  // Checking a pack's files does not block using it: loading it checks them again.
  const busy = switching || checking;
  return (
    <li className={p.active ? 'pack-row active' : 'pack-row'} data-testid="pack-row" data-pack-id={p.id} data-state={checking ? 'checking' : p.valid ? (checked ? 'valid' : 'unchecked') : 'invalid'}>
      <div className="pack-main">
        <p className="pack-name">
          {p.name} {p.active && <span className="chip chip-accent">in use</span>}
          {checking ? (
            <span className="chip chip-live">checking…</span>
          ) : !p.valid ? (
            <span className="chip chip-bad">invalid</span>
          ) : checked ? (
            <span className="chip chip-ok">valid</span>
          ) : (
            <span className="chip">not checked</span>
          )}
        </p>
        <p className="muted small truncate" title={p.dir}>
          {p.id}
          {p.k != null && <> · k = {p.k}</>} · {p.dir}
        </p>
        {p.error && (
          <p className="pack-error" role="alert" data-testid="pack-error">
            <Icon name="alert" size={16} /> {p.error}
          </p>
        )}
      </div>
      <div className="pack-actions">
        <button
          type="button"
          className="btn btn-small"
          disabled={busy}
          onClick={async () => {
            try {
              const r = await validate(p);
              toast(r.valid ? { tone: 'success', message: `${r.name} is valid.` } : { tone: 'error', message: `${r.name}: ${r.error ?? 'invalid'}` });
            } catch (e) {
              toast({ tone: 'error', message: errorMessage(e) });
            }
          }}
        >
          Validate
        </button>
        {!p.active && (
          <button
            type="button"
            className="btn btn-small btn-primary"
            disabled={switching || !p.valid}
            onClick={async () => {
              try {
                await activate(p.id);
                void useProfilesStore.getState().refresh();
                toast({ tone: 'success', message: `Now using ${p.name}. Documents are re-learned for it in the background.` });
              } catch (e) {
                toast({ tone: 'error', message: errorMessage(e) });
              }
            }}
          >
            {switching ? 'Switching…' : 'Use this pack'}
          </button>
        )}
      </div>
    </li>
  );
}

export function SettingsView() {
  const { settings, packs, error, refresh, setFilterOffensive } = useSettingsStore();
  const toast = useUiStore((s) => s.toast);
  // Open as a dialog the command palette can ask for too.
  const confirmDelete = useUiStore((s) => s.dialog === 'delete-all');
  const setConfirmDelete = (open: boolean) => useUiStore.setState({ dialog: open ? 'delete-all' : null });
  const exporting = useUiStore((s) => s.exporting);

  useEffect(() => {
    // Opening Settings checks every pack's files, so a damaged pack shows why before anyone picks it.
    void refresh().then(() => useSettingsStore.getState().validateAll());
  }, [refresh]);

  return (
    <>
      <PageHeader title="Settings" />
      {error && (
        <div className="notice notice-error" role="alert">
          <Icon name="alert" size={18} />
          <span>{error}</span>
        </div>
      )}

      <section className="card settings-section" aria-labelledby="packs-h">
        <h2 id="packs-h" className="section-title">
          Model packs
        </h2>
        <p className="muted small">A pack is the language model the app learns and writes with. Switching keeps what each pack learned.</p>
        {packs.length === 0 ? (
          <p className="muted">No packs found.</p>
        ) : (
          <ul className="pack-list">
            {packs.map((p) => (
              <PackRow key={p.id} p={p} />
            ))}
          </ul>
        )}
      </section>

      <section className="card settings-section" aria-labelledby="runtime-h">
        <h2 id="runtime-h" className="section-title">
          Runtime
        </h2>
        <dl className="facts">
          <div>
            <dt>Execution provider</dt>
            <dd data-testid="execution-provider">{settings ? (settings.provider ?? 'not loaded yet') : '—'}</dd>
          </div>
          <div>
            <dt>Active pack</dt>
            <dd>{settings?.activePackId ?? 'none'}</dd>
          </div>
        </dl>
        <ThreadsSetting settings={settings} />
      </section>

      <section className="card settings-section" aria-labelledby="suggestions-h">
        <h2 id="suggestions-h" className="section-title">
          Suggestions
        </h2>
        <label className="radio">
          <input
            type="checkbox"
            checked={settings?.filterOffensive ?? true}
            disabled={!settings}
            onChange={async (e) => {
              const on = e.target.checked;
              try {
                await setFilterOffensive(on);
                toast({ tone: 'success', message: on ? 'Offensive words will be hidden in suggestions.' : 'Suggestions will be shown as the model writes them.' });
              } catch (err) {
                toast({ tone: 'error', message: errorMessage(err) });
              }
            }}
          />
          Hide offensive words in suggestions
        </label>
        <p className="muted small">
          The model learned from other people’s posts, so a suggestion can contain a slur or a swear word nobody in your profile used. With this on, such words are masked as they are written and the
          suggestion says how many were hidden.
        </p>
      </section>

      <section className="card settings-section" aria-labelledby="data-h">
        <h2 id="data-h" className="section-title">
          Your data
        </h2>
        <dl className="facts">
          <div>
            <dt>Data folder</dt>
            <dd>
              <code className="path" data-testid="data-dir">
                {settings?.dataDir ?? '—'}
              </code>
            </dd>
          </div>
        </dl>
        <div className="button-row">
          <button type="button" className="btn" onClick={() => void exportAllData()} disabled={exporting}>
            <Icon name="download" size={16} /> {exporting ? 'Exporting…' : 'Export all data'}
          </button>
          <button type="button" className="btn btn-danger-outline" onClick={() => setConfirmDelete(true)}>
            <Icon name="trash" size={16} /> Delete all data
          </button>
        </div>
        {settings && (
          <p className="muted small">
            Database {(settings.dbBytes / 1_048_576).toFixed(1)} MB · schema v{settings.schemaVersion}. Nothing you import or write leaves this computer.
          </p>
        )}
      </section>

      <DeleteAllDialog
        open={confirmDelete}
        onClose={() => setConfirmDelete(false)}
        onDeleted={async (r) => {
          await Promise.all([useProfilesStore.getState().refresh(), refresh()]);
          const kept = r.exportsKept.length;
          toast(
            {
              tone: 'info',
              message:
                'All profiles, documents and history were deleted' +
                (r.exportsDeleted ? `, with ${r.exportsDeleted} export file${r.exportsDeleted === 1 ? '' : 's'}.` : '.') +
                (kept ? ` ${kept} export file${kept === 1 ? '' : 's'} kept: ${r.exportsKept.map((e) => e.path).join(', ')}` : ''),
            },
            kept ? 10_000 : 5000,
          );
        }}
      />
    </>
  );
}
