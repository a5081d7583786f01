import { useId, useState } from 'react';
import { PageHeader } from '../components/PageHeader';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { Icon } from '../components/Icon';
import { ProgressBar } from '../components/ProgressBar';
import { useProfilesStore } from '../stores/use-profiles-store';
import { useUiStore } from '../stores/use-ui-store';
import { num, plural } from '../lib/format';
import type { ProfileSummary } from '../api';
import { PROFILE_NAME_MAX } from '../../../main/core/inputs';

function ProfileCard({ p, active }: { p: ProfileSummary; active: boolean }) {
  const { select, rename, remove } = useProfilesStore();
  const toast = useUiStore((s) => s.toast);
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(p.name);
  const [confirming, setConfirming] = useState(false);
  const nameId = useId();
  const total = p.docCounts.tweet + p.docCounts.article;
  const learnedPct = total > 0 ? Math.round((p.compression.compressed / total) * 100) : 0;

  return (
    <li className={active ? 'card profile-card active' : 'card profile-card'} data-testid="profile-card">
      <div className="profile-head">
        {editing ? (
          <form
            className="inline-form"
            onSubmit={async (e) => {
              e.preventDefault();
              try {
                await rename(p.id, name.trim());
                setEditing(false);
              } catch (err) {
                toast({ tone: 'error', message: err instanceof Error ? err.message : String(err) });
              }
            }}
          >
            <label htmlFor={nameId} className="sr-only">
              Profile name
            </label>
            <input id={nameId} className="input" value={name} onChange={(e) => setName(e.target.value)} autoFocus maxLength={PROFILE_NAME_MAX} />
            <button type="submit" className="btn btn-small btn-primary" disabled={!name.trim()}>
              Save
            </button>
            <button
              type="button"
              className="btn btn-small"
              onClick={() => {
                setName(p.name);
                setEditing(false);
              }}
            >
              Cancel
            </button>
          </form>
        ) : (
          <h2 className="profile-name">
            {p.name} {active && <span className="chip chip-accent">in use</span>}
          </h2>
        )}
      </div>
      <dl className="profile-stats">
        <div>
          <dt>Tweets</dt>
          <dd>{num(p.docCounts.tweet)}</dd>
        </div>
        <div>
          <dt>Articles</dt>
          <dd>{num(p.docCounts.article)}</dd>
        </div>
        <div>
          <dt>Learned</dt>
          <dd>{total > 0 ? `${learnedPct}%` : '—'}</dd>
        </div>
      </dl>
      <ProgressBar value={p.compression.compressed} max={Math.max(total, 1)} label={`Style learned for ${p.name}`} />
      <p className="muted small">
        {total === 0 ? 'No documents yet.' : p.compression.pending > 0 ? `${plural(p.compression.pending, 'document')} waiting to be learned.` : 'Style up to date.'}
        {/* Kept from an import the user cancelled: not waiting, and not in the style either. */}
        {(p.compression.held ?? 0) > 0 && ` ${plural(p.compression.held!, 'document')} from a cancelled import ${p.compression.held === 1 ? 'is' : 'are'} kept but not learned.`}
      </p>
      <div className="profile-actions">
        {!active && (
          <button type="button" className="btn btn-small btn-primary" onClick={() => select(p.id)}>
            Switch to {p.name}
          </button>
        )}
        <button type="button" className="btn btn-small" onClick={() => setEditing(true)} aria-label={`Rename ${p.name}`}>
          <Icon name="edit" size={16} /> Rename
        </button>
        <button type="button" className="btn btn-small btn-ghost danger-text" onClick={() => setConfirming(true)} aria-label={`Delete ${p.name}`}>
          <Icon name="trash" size={16} /> Delete
        </button>
      </div>
      <ConfirmDialog
        open={confirming}
        title={`Delete “${p.name}”?`}
        confirmLabel="Delete profile"
        danger
        onClose={() => setConfirming(false)}
        onConfirm={async () => {
          await remove(p.id);
          toast({ tone: 'info', message: `Deleted ${p.name}.` });
        }}
      >
        <p>This removes the profile, its {plural(total, 'document')}, what was learned from them and its history. It cannot be undone.</p>
      </ConfirmDialog>
    </li>
  );
}

export function ProfilesView() {
  const { profiles, activeId, create, loaded } = useProfilesStore();
  const toast = useUiStore((s) => s.toast);
  const setView = useUiStore((s) => s.setView);
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const newId = useId();
  const first = loaded && profiles.length === 0;

  return (
    <>
      <PageHeader title="Profiles" subtitle="A profile is one voice: you, a brand, a persona. Each learns from its own writing." />
      <form
        className="card new-profile"
        onSubmit={async (e) => {
          e.preventDefault();
          if (!name.trim()) return;
          setBusy(true);
          try {
            const p = await create(name.trim());
            setName('');
            toast({ tone: 'success', message: `Created ${p.name}. Now import some writing.` });
            if (first) setView('import');
          } catch (err) {
            toast({ tone: 'error', message: err instanceof Error ? err.message : String(err) });
          } finally {
            setBusy(false);
          }
        }}
      >
        <label htmlFor={newId} className="label">
          {first ? 'Name your first profile' : 'New profile'}
        </label>
        <div className="inline-form">
          <input id={newId} className="input" placeholder="e.g. Me, @work, Newsletter" value={name} onChange={(e) => setName(e.target.value)} maxLength={PROFILE_NAME_MAX} />
          <button type="submit" className="btn btn-primary" disabled={!name.trim() || busy}>
            <Icon name="plus" size={16} /> Create
          </button>
        </div>
      </form>
      {profiles.length > 0 && (
        <ul className="profile-grid">
          {profiles.map((p) => (
            <ProfileCard key={p.id} p={p} active={p.id === activeId} />
          ))}
        </ul>
      )}
    </>
  );
}
