// The one wrapper every Electron IPC handler goes through. It refuses calls that do
// not come from our own window's main frame showing our own page (an injected iframe
// or a navigated-away page gets nothing), then parses and runs via dispatch().
// Electron is injected as an ipcMain-like object so the rejections are unit-tested
// without an Electron binary.
import { fail, INVOKE_CHANNELS, type InvokeChannel, type Result } from './contract.js';
import { dispatch, type HandlerTable } from './dispatch.js';

/** The parts of Electron's WebFrameMain the check reads. */
export interface FrameLike {
  readonly url: string;
}

/** The parts of Electron's IpcMainInvokeEvent the check reads. */
export interface InvokeEventLike {
  readonly senderFrame: FrameLike | null;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

export type SenderCheck = (event: InvokeEventLike) => boolean;

/**
 * Trusts an event only when its frame is exactly the main frame of the window we
 * created (identity, not URL alone) and that frame shows a page of our app.
 */
export function createSenderCheck(getMainFrame: () => FrameLike | null, isAppUrl: (url: string) => boolean): SenderCheck {
  return (event) => {
    const frame = event.senderFrame;
    const main = getMainFrame();
    if (!frame || !main || frame !== main) return false;
    try {
      return isAppUrl(frame.url);
    } catch {
      return false;
    }
  };
}

export type Handle = <C extends InvokeChannel>(channel: C, table: Pick<HandlerTable, C>) => void;

export function createHandle(ipcMain: IpcMainLike, isTrusted: SenderCheck): Handle {
  return (channel, table) => {
    ipcMain.handle(channel, async (event, ...args): Promise<Result<unknown>> => {
      if (!isTrusted(event)) return fail('FORBIDDEN', `${channel}: refused a call that did not come from the app window`);
      if (args.length > 1) return fail('INVALID_INPUT', `${channel}: expected one argument, got ${args.length}`);
      return dispatch(table, channel, args[0]);
    });
  };
}

/** Registers every channel of the contract; returns a function that removes them all. */
export function registerIpcHandlers(ipcMain: IpcMainLike, isTrusted: SenderCheck, table: HandlerTable): () => void {
  const handle = createHandle(ipcMain, isTrusted);
  for (const channel of INVOKE_CHANNELS) handle(channel, table);
  return () => {
    for (const channel of INVOKE_CHANNELS) ipcMain.removeHandler(channel);
  };
}
