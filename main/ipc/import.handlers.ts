import { ServiceError } from '../services/errors.js';
import { toAppError, type HandlerTable } from './dispatch.js';
import type { HandlerDeps, ResolvedFile } from './handler-deps.js';

type Channels = 'import:start' | 'import:list' | 'import:cancel';

export function importHandlers({ services, resolveFile }: HandlerDeps): Pick<HandlerTable, Channels> {
  return {
    'import:start': async ({ profileId, files, options }) => {
      // Resolve every reference before starting any job, so one bad reference starts nothing.
      const resolved: ResolvedFile[] = [];
      try {
        for (const ref of files) resolved.push(await resolveFile(ref));
      } catch (err) {
        for (const r of resolved) r.release?.();
        throw err;
      }
      // Fails early (NOT_FOUND) rather than after some jobs already started.
      services.profiles.get(profileId);
      const jobIds: string[] = [];
      for (const file of resolved) {
        try {
          const { jobId } = services.imports.start({ path: file.path, profileId, options });
          jobIds.push(jobId);
          if (file.release) {
            const release = file.release;
            services.imports.wait(jobId).then(release, release);
          }
        } catch (err) {
          file.release?.();
          if (jobIds.length === 0) throw err;
          // Earlier files already started: those jobs keep running and report through
          // their own progress; the error says which ones so the UI can follow them.
          const data = toAppError(err);
          throw new ServiceError(
            data.code === 'FORBIDDEN' || data.code === 'PAYLOAD_TOO_LARGE' || data.code === 'HOST_UNAVAILABLE' ? 'INTERNAL' : data.code,
            `${data.message} (the ${jobIds.length} file(s) before it are importing)`,
            { startedJobIds: jobIds },
          );
        }
      }
      return { jobIds };
    },
    'import:list': () => services.imports.list(),
    'import:cancel': ({ jobId }) => {
      services.imports.cancel(jobId);
      return null;
    },
  };
}
