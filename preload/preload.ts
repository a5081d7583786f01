// The bridge between the sandboxed renderer and the main process. It exposes one
// object, window.api, built from the contract by createApi(); the renderer never gets
// ipcRenderer, and only the contract's channels can be reached through it.
// Sandboxed preloads are CommonJS and may only require a few Electron modules, so
// scripts/build.mjs bundles this file (with the contract and zod) into one script.
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { createApi, type ApiTransport } from '../main/ipc/api-client.js';
import { fail, type FileRef, type Result } from '../main/ipc/contract.js';

const transport: ApiTransport = {
  async invoke(channel, input) {
    try {
      return (await ipcRenderer.invoke(channel, input)) as Result<unknown>;
    } catch (err) {
      // Only reached when the main side has no handler (it is starting or shutting down).
      return fail('HOST_UNAVAILABLE', `${channel}: ${err instanceof Error ? err.message : String(err)}`);
    }
  },
  subscribe(channel, listener) {
    const forward = (_event: IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(channel, forward);
    return () => void ipcRenderer.removeListener(channel, forward);
  },
  async toFileRefs(files: File[]): Promise<Result<FileRef[]>> {
    const refs: FileRef[] = [];
    for (const file of files) {
      // Files that exist only in memory (pasted, generated) have no path; say so rather than guess.
      const path = webUtils.getPathForFile(file);
      if (!path) return fail('INVALID_INPUT', `${file.name}: this file has no location on disk; save it to a file first`);
      refs.push({ path, name: file.name });
    }
    return { ok: true, value: refs };
  },
};

contextBridge.exposeInMainWorld('api', createApi(transport));
