// How a host opens the services (createServices).
import type { InferenceTransport } from '../jobs/inference-protocol.js';

export interface ServicesOptions {
  /**
   * Folder for commer.db and user packs. Electron passes app.getPath('userData');
   * otherwise COMMER_DATA_DIR or the OS convention (see store/paths.ts).
   */
  dataDir?: string;
  /** Folders scanned for model packs, in order; default: <repo>/models/packs and <dataDir>/packs. */
  packDirs?: string[];
  /**
   * Starts an inference host. Default: a worker_threads worker running
   * main/jobs/inference.worker.ts. Electron passes a utilityProcess transport.
   */
  createInferenceTransport?: () => InferenceTransport;
  /** Start compressing pending documents as soon as the services open (default true). */
  autoStartQueue?: boolean;
  /**
   * Load the active pack at once (default true). The CLI passes false for commands
   * that need no model; restyle, queue.resume and queue.drain then load it on demand.
   */
  loadModelAtStart?: boolean;
  /** Documents per compression batch (default 8). */
  compressBatchSize?: number;
  /** What this process is, as other processes on the same data folder name it ("commer import"); default from process.argv. */
  processLabel?: string;
}
