import { useId } from 'react';
import { useActiveProfile, useProfilesStore } from '../stores/use-profiles-store';
import { useActivePack, useSettingsStore } from '../stores/use-settings-store';
import { useUiStore, type View } from '../stores/use-ui-store';
import { useImportStore } from '../stores/use-import-store';
import { summarize } from '../lib/import-summary';
import { Icon, type IconName } from './Icon';
import { ProgressBar } from './ProgressBar';
import { duration, num } from '../lib/format';
import { PALETTE_KEYS } from '../lib/commands';

const NAV: { view: View; label: string; icon: IconName }[] = [
  { view: 'restyle', label: 'Restyle', icon: 'sparkles' },
  { view: 'library', label: 'Library', icon: 'library' },
  { view: 'import', label: 'Import', icon: 'upload' },
  { view: 'history', label: 'History', icon: 'history' },
  { view: 'profiles', label: 'Profiles', icon: 'users' },
  { view: 'model', label: 'Model', icon: 'chart' },
  { view: 'settings', label: 'Settings', icon: 'settings' },
];

export function Sidebar() {
  const view = useUiStore((s) => s.view);
  const setView = useUiStore((s) => s.setView);
  const profiles = useProfilesStore((s) => s.profiles);
  const select = useProfilesStore((s) => s.select);
  const active = useActiveProfile();
  const pack = useActivePack();
  const ep = useSettingsStore((s) => s.settings?.provider);
  const queue = useSettingsStore((s) => s.queue);
  const importFiles = useImportStore((s) => s.files);
  const selectId = useId();
  // While a drop is being learned, this box shows the drop's own figures, the ones its card shows:
  // one source, so the two never disagree. Otherwise it shows what the queue has left.
  const drop = importFiles.length ? summarize(importFiles) : null;
  const learning =
    drop?.phase === 'compressing'
      ? { done: drop.compressed, total: drop.kept, etaSec: drop.etaSec }
      : queue?.state === 'running' && queue.pending > 0
        ? { done: queue.done, total: queue.total, etaSec: queue.etaSec }
        : null;

  return (
    <aside className="sidebar">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true">
          C
        </span>
        <span className="brand-name">ComMer Studio</span>
      </div>

      <div className="profile-switch">
        <label htmlFor={selectId} className="label-small">
          Writing as
        </label>
        {profiles.length > 0 ? (
          <select id={selectId} className="select" value={active?.id ?? ''} onChange={(e) => select(Number(e.target.value))}>
            {profiles.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        ) : (
          <button id={selectId} type="button" className="btn btn-small btn-block" onClick={() => setView('profiles')}>
            <Icon name="plus" size={16} /> Create a profile
          </button>
        )}
      </div>

      <nav className="nav" aria-label="Main">
        {NAV.map((n) => (
          <button key={n.view} type="button" className={view === n.view ? 'nav-item active' : 'nav-item'} aria-current={view === n.view ? 'page' : undefined} onClick={() => setView(n.view)}>
            <Icon name={n.icon} />
            <span>{n.label}</span>
          </button>
        ))}
      </nav>

      <button type="button" className="palette-hint" onClick={() => useUiStore.setState({ paletteOpen: true })} aria-keyshortcuts={PALETTE_KEYS[0] === '⌘' ? 'Meta+K' : 'Control+K'}>
        <span>Commands</span>
        <span className="palette-keys" aria-hidden="true">
          <kbd>{PALETTE_KEYS[0]}</kbd>
          <kbd>{PALETTE_KEYS[1]}</kbd>
        </span>
      </button>

      {learning && (
        <div className="queue-status" role="status" aria-label="Background learning" data-testid="sidebar-learning">
          <span className="label-small">Learning the style</span>
          <ProgressBar value={learning.done} max={Math.max(learning.total, 1)} label="Documents learned" />
          <span className="muted small">
            <span data-testid="sidebar-learned">
              {num(learning.done)} / {num(learning.total)}
            </span>
            {learning.etaSec != null && (
              <>
                {' '}
                · <span data-testid="sidebar-eta">{duration(learning.etaSec)}</span> left
              </>
            )}
          </span>
        </div>
      )}

      <div className="sidebar-foot" title={pack ? `Model pack ${pack.id}` : undefined}>
        <Icon name="cpu" size={16} />
        <span className="truncate">{pack ? pack.name : 'No model pack'}</span>
        {ep && <span className="chip chip-small">{ep}</span>}
      </div>
    </aside>
  );
}
