import type { ParseEvent } from '../../../main/core/import/index.js';

/** Feeds a string as chunks of the given sizes (cycled), to exercise chunk boundaries. */
export async function* chunked(text: string, sizes: number[] = [text.length || 1]): AsyncGenerator<string> {
  let i = 0;
  let k = 0;
  while (i < text.length) {
    const n = Math.max(1, sizes[k++ % sizes.length]!);
    yield text.slice(i, i + n);
    i += n;
  }
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

export const docs = (evs: ParseEvent[]) => evs.flatMap((e) => (e.type === 'doc' ? [e.doc.text] : []));
