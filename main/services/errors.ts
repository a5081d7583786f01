import type { ServiceErrorCode, ServiceErrorData } from './types.js';

/** The one error type services throw; hosts turn it into a Result ({ok:false,error:{code,message}}). */
export class ServiceError extends Error {
  override readonly name = 'ServiceError';
  constructor(
    readonly code: ServiceErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }

  toJSON(): ServiceErrorData {
    return this.details === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, details: this.details };
  }
}

/** Maps anything thrown to serialisable error data, keeping ServiceError codes and calling the rest INTERNAL. */
export function toErrorData(err: unknown): ServiceErrorData {
  if (err instanceof ServiceError) return err.toJSON();
  if (err && typeof err === 'object' && 'code' in err && 'message' in err) {
    const code = String((err as { code: unknown }).code);
    if (code === 'SQLITE_FULL') return { code: 'DISK_FULL', message: 'the disk (or database size limit) is full' };
  }
  return { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
}
