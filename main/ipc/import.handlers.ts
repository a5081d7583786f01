import { basename } from 'node:path';
import { ServiceError, toErrorData } from '../services/errors.js';
import { uninspected } from '../services/import-inspect.js';
import type { ImportInspection } from '../services/types.js';
import type { HandlerTable } from './dispatch.js';
import type { HandlerDeps, ResolvedFile } from './handler-deps.js';

type Channels = 'import:start' | 'import:inspect' | 'import:list' | 'import:cancel' | 'import:undo' | 'import:resume' | 'import:held' | 'import:release' | 'import:remove';

export function importHandlers({ services, resolveFile }: HandlerDeps): Pick<HandlerTable, Channels> {
  return {
    'import:start': async ({ profileId, files, options }) => {
      // Check everything before starting anything: an unknown profile or one bad file
      // reference starts no job at all.
      services.profiles.get(profileId);
      const resolved: ResolvedFile[] = [];
      try {
        for (const { options: _own, ...ref } of files) resolved.push(await resolveFile(ref));
      } catch (err) {
        for (const r of resolved) r.release?.();
        throw err;
      }
      const jobIds: string[] = [];
      for (const [i, file] of resolved.entries()) {
        try {
          // The user's name for the file (what they dropped), else the host's; never a temp path.
          const name = files[i]!.name ?? file.name;
          const own = files[i]!.options;
          const { jobId } = services.imports.start({ path: file.path, ...(name ? { name } : {}), profileId, options: own ? { ...options, ...own } : options });
          jobIds.push(jobId);
          if (file.release) services.imports.wait(jobId).then(file.release, file.release);
        } catch (err) {
          for (const rest of resolved.slice(i)) rest.release?.();
          if (jobIds.length === 0) throw err;
          // Earlier files already started: those jobs keep running and report through
          // their own progress; the error says which ones so the UI can follow them.
          const data = toErrorData(err);
          throw new ServiceError(data.code, `${data.message} (the ${jobIds.length} file(s) before it are importing)`, { startedJobIds: jobIds });
        }
      }
      return { jobIds };
    },
    'import:inspect': async ({ files, options }) => {
      const out: ImportInspection[] = [];
      for (const ref of files) {
        const name = ref.name ?? ('path' in ref ? basename(ref.path) : 'upload');
        try {
          const file = await resolveFile(ref, { keep: true });
          out.push(await services.imports.inspect({ path: file.path, name: ref.name ?? file.name ?? name, ...(options ? { options } : {}) }));
        } catch (err) {
          // One file that cannot be looked at does not hide what the others hold; its import will say the same.
          out.push(uninspected(name, toErrorData(err).message));
        }
      }
      return out;
    },
    'import:list': () => services.imports.list(),
    'import:cancel': ({ jobId }) => {
      services.imports.cancel(jobId);
      return null;
    },
    'import:undo': ({ jobId }) => services.imports.undo(jobId),
    'import:resume': ({ jobId }) => services.imports.resume(jobId),
    'import:held': ({ profileId }) => services.imports.held(profileId),
    'import:release': ({ importId }) => services.imports.release(importId),
    'import:remove': ({ importId }) => services.imports.remove(importId),
  };
}
