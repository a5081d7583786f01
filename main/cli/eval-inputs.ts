// What `commer evaluate` and `commer reference-mean` both read before they load a model:
// the data files (each must exist and parse) and the pack (a folder, or an installed pack's id).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EvalDataError, loadEvalData, type EvalData } from '../eval/data.js';

export interface EvalInputs {
  packDir: string;
  datasets: { file: string; data: EvalData }[];
}

/** The inputs, or the message for a wrong command line (exit 2). A pack id that is not installed throws as before. */
export async function readEvalInputs(o: Record<string, unknown>, packDirOf: (id: string) => Promise<string>): Promise<EvalInputs | { error: string }> {
  const files = (o.data as string[]).map((f) => resolve(f));
  for (const f of files) if (!existsSync(f)) return { error: `no such data file: ${f}` };
  const packArg = String(o.pack);
  const packDir = existsSync(join(packArg, 'manifest.json')) ? resolve(packArg) : await packDirOf(packArg);
  try {
    return { packDir, datasets: files.map((f) => ({ file: f, data: loadEvalData(f) })) };
  } catch (e) {
    if (e instanceof EvalDataError) return { error: e.message };
    throw e;
  }
}
