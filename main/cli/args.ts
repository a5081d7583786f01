// Option-value parsers of the `commer` command line. Commander calls them with the raw text;
// an InvalidArgumentError becomes "error: option '…' argument '…' is invalid. <message>" and exit code 2.
import { InvalidArgumentError } from 'commander';

/** An integer >= 0, for options where 0 means something (a seed, "no limit", "default"). */
export function nonNegativeInt(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

/** An integer >= 1, for counts where 0 would ask for nothing. */
export function positiveInt(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer (1 or more)');
  return n;
}

/** Any finite number. */
export function num(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError('expected a number');
  return n;
}
