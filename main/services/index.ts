// createServices wires the store, the import jobs, the compression queue and the
// inference host into the task-shaped API in types.ts. Hosts (Electron IPC, web,
// CLI) call only this.

export type { Services } from './types.js';
export * from './types.js';
export { ServiceError, toErrorData } from './errors.js';

export type { ServicesOptions } from './options.js';
export { createServices } from './create-services.js';
