// The import actions a button or a toast can start, with the message that follows them.
import { errorMessage } from '../api';
import { useImportStore } from '../stores/use-import-store';
import { useUiStore } from '../stores/use-ui-store';
import { removedMessage } from './import-summary';

/** Removes what the imports added (the jobs given, else the card's) and says how many documents went. */
export async function undoImports(jobIds?: string[]): Promise<void> {
  const ui = useUiStore.getState();
  try {
    const removed = await useImportStore.getState().undo(jobIds);
    ui.toast({ tone: 'info', message: removedMessage(removed) });
  } catch (e) {
    ui.toast({ tone: 'error', message: `Could not remove the import: ${errorMessage(e)}` }, 8000);
  }
}

/** Lets the kept documents of cancelled imports be learned after all. */
export async function resumeImports(): Promise<void> {
  try {
    await useImportStore.getState().resume();
  } catch (e) {
    useUiStore.getState().toast({ tone: 'error', message: `Could not learn the kept documents: ${errorMessage(e)}` }, 8000);
  }
}
