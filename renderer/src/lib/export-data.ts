import { api, errorMessage, unwrap } from '../api';
import { useUiStore } from '../stores/use-ui-store';

/**
 * Exports all data and says where it went (Settings' button and the command palette).
 * On the web host the file is written beside the data and downloaded through a same-origin link.
 */
export async function exportAllData(): Promise<void> {
  const toast = useUiStore.getState().toast;
  useUiStore.setState({ exporting: true });
  try {
    const r = await unwrap(api().exportAll());
    if (r.downloadUrl) {
      const a = document.createElement('a');
      a.href = r.downloadUrl;
      a.download = r.fileName;
      a.click();
    }
    toast({ tone: 'success', message: `Exported ${(r.bytes / 1024).toFixed(0)} KB to ${r.path}.` }, 8000);
  } catch (e) {
    toast({ tone: 'error', message: errorMessage(e) });
  } finally {
    useUiStore.setState({ exporting: false });
  }
}
