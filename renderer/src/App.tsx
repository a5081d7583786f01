import { useCallback, useEffect } from 'react';
import { useDropzone } from 'react-dropzone';
import { Sidebar } from './components/Sidebar';
import { Toasts } from './components/Toasts';
import { CommandPalette } from './components/CommandPalette';
import { useGlobalShortcuts } from './lib/commands';
import { Icon } from './components/Icon';
import { useProfilesStore } from './stores/use-profiles-store';
import { useSettingsStore } from './stores/use-settings-store';
import { useImportStore } from './stores/use-import-store';
import { useUiStore, type View } from './stores/use-ui-store';
import { subscribeToHost } from './lib/host-events';
import { RestyleView } from './views/RestyleView';
import { LibraryView } from './views/LibraryView';
import { ImportView } from './views/ImportView';
import { HistoryView } from './views/HistoryView';
import { ProfilesView } from './views/ProfilesView';
import { ModelView } from './views/ModelView';
import { SettingsView } from './views/SettingsView';
import { assertNever } from './lib/assert-never';

function CurrentView({ view }: { view: View }) {
  switch (view) {
    case 'restyle':
      return <RestyleView />;
    case 'library':
      return <LibraryView />;
    case 'import':
      return <ImportView />;
    case 'history':
      return <HistoryView />;
    case 'profiles':
      return <ProfilesView />;
    case 'model':
      return <ModelView />;
    case 'settings':
      return <SettingsView />;
    default:
      return assertNever(view);
  }
}

export function App() {
  const view = useUiStore((s) => s.view);
  const setView = useUiStore((s) => s.setView);
  const toast = useUiStore((s) => s.toast);
  const refreshProfiles = useProfilesStore((s) => s.refresh);
  const refreshSettings = useSettingsStore((s) => s.refresh);
  const startImport = useImportStore((s) => s.start);
  // Without profiles or settings nothing works; say so instead of showing a misleading first-run screen.
  const profilesError = useProfilesStore((s) => s.error);
  const settingsError = useSettingsStore((s) => s.error);
  const hostError = profilesError ?? settingsError;
  useGlobalShortcuts();

  useEffect(() => {
    void refreshProfiles();
    void refreshSettings();
    return subscribeToHost();
  }, [refreshProfiles, refreshSettings]);

  // Files can be dropped anywhere on the window; they go to the profile in use.
  const onDrop = useCallback(
    (files: File[]) => {
      if (files.length === 0) return;
      const profileId = useProfilesStore.getState().activeId;
      if (profileId == null) {
        toast({ tone: 'error', message: 'Create a profile first, then drop your files again.' });
        setView('profiles');
        return;
      }
      setView('import');
      void startImport(profileId, files);
    },
    [setView, startImport, toast],
  );
  const { getRootProps, isDragActive } = useDropzone({ onDrop, noClick: true, noKeyboard: true, multiple: true });

  return (
    <div {...getRootProps({ className: 'app' })} data-testid="app-root">
      <Sidebar />
      <main className="content" id="main">
        {hostError && (
          <div className="notice notice-error" role="alert">
            <Icon name="alert" size={18} />
            <span>
              Can’t reach the ComMer engine: {hostError}{' '}
              <button type="button" className="link" onClick={() => void Promise.all([refreshProfiles(), refreshSettings()])}>
                Try again
              </button>
            </span>
          </div>
        )}
        <CurrentView view={view} />
      </main>
      {isDragActive && (
        <div className="drop-overlay" aria-hidden="true">
          <div className="drop-overlay-card">
            <Icon name="upload" size={32} />
            <p>Drop to import into this profile</p>
          </div>
        </div>
      )}
      <CommandPalette />
      <Toasts />
    </div>
  );
}
