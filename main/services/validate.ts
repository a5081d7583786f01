// The checks every service applies at its edge: store calls that fail with service
// codes, and the shape of numeric arguments.
import * as store from '../store/index.js';
import { StoreError } from '../store/index.js';
import { IDS_PER_CALL_MAX } from '../core/inputs.js';
import { ServiceError } from './errors.js';

/** Runs a store call, turning its failures into ServiceErrors (see storeCalls). */
export type StoreCall = <T>(fn: () => T) => T;

/** A runner for store calls that turns StoreErrors into ServiceErrors with the same code, and a locked database into BUSY naming who holds it. */
export function storeCalls(busy: () => string): StoreCall {
  return function storeCall<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof StoreError) throw new ServiceError(err.code, err.code === 'BUSY' ? `${busy()}; try again when it has finished` : err.message);
      if ((err as { code?: string } | null)?.code === 'SQLITE_FULL') throw new ServiceError('DISK_FULL', 'the disk (or the database size limit) is full; nothing of this change was written');
      if (store.isBusyError(err)) throw new ServiceError('BUSY', `${busy()}; nothing of this change was written, try again when it has finished`);
      throw err;
    }
  };
}

/** `v` as an integer from `min` to `max`, else INVALID_INPUT naming the argument. */
export function requireInt(v: unknown, name: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new ServiceError('INVALID_INPUT', `${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  return v;
}

/** `v` as a list of integer ids (at most IDS_PER_CALL_MAX, the hosts' limit too), else INVALID_INPUT naming the argument. */
export function requireIds(v: unknown, name: string): number[] {
  if (!Array.isArray(v) || v.length > IDS_PER_CALL_MAX || !v.every((x) => Number.isInteger(x))) throw new ServiceError('INVALID_INPUT', `${name} must be an array of integer ids`);
  return v as number[];
}
