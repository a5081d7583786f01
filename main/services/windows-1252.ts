// Windows-1252 as the WHATWG Encoding Standard defines it (index-windows-1252):
// Latin-1 with 32 printable characters in 0x80-0x9F (€, ‘ ’ “ ”, –, —, …, Š, Œ, ™).
// Node's own TextDecoder('windows-1252') (and 'latin1', 'iso-8859-1', 'ascii',
// which the standard maps to it) takes a Latin-1 fast path that gets exactly those
// 32 bytes wrong: Node 20 drops them, so "don’t" saved by Excel reads "dont"
// (nodejs/node#56542, #60888). A single-byte table is all the encoding is, so the
// importer decodes it itself, on every Node version alike.

/** 0x80-0x9F; the five bytes the standard leaves as C1 controls map to themselves. */
const HIGH = [
  0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d, 0x017d, 0x008f, 0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
  0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
];

const TABLE = new Uint16Array(256);
for (let b = 0; b < 256; b++) TABLE[b] = b >= 0x80 && b < 0xa0 ? HIGH[b - 0x80]! : b;

/** The part of TextDecoder the importer uses. */
export interface TextDecoderLike {
  readonly encoding: string;
  decode(input?: Uint8Array, options?: { stream?: boolean }): string;
}

/** A Windows-1252 decoder with TextDecoder's shape; every byte is one character, so streaming keeps no state. */
export class Windows1252Decoder implements TextDecoderLike {
  readonly encoding = 'windows-1252';

  decode(input?: Uint8Array): string {
    if (!input || input.length === 0) return '';
    const parts: string[] = [];
    const buf = new Uint16Array(Math.min(input.length, 8192));
    for (let at = 0; at < input.length; at += buf.length) {
      const n = Math.min(buf.length, input.length - at);
      for (let i = 0; i < n; i++) buf[i] = TABLE[input[at + i]!]!;
      parts.push(String.fromCharCode(...(n === buf.length ? buf : buf.subarray(0, n))));
    }
    return parts.join('');
  }
}

/**
 * A decoder for a label TextDecoder knows: our own for windows-1252 (and the labels
 * the standard maps to it), TextDecoder for the rest. Throws RangeError for an
 * unknown label, as TextDecoder does.
 */
export function createTextDecoder(label: string, options?: { fatal?: boolean }): TextDecoderLike {
  const d = new TextDecoder(label, options);
  return d.encoding === 'windows-1252' ? new Windows1252Decoder() : d;
}
