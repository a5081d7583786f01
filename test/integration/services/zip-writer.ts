// A minimal zip writer for tests that need archives damaged in precise ways
// (a flipped bit in a stored entry, a cut deflate stream, an encryption flag).
import { crc32, deflateRawSync } from 'node:zlib';

export interface ZipEntrySpec {
  name: string;
  data: Buffer | string;
  /** 0 stored, 8 deflated (default). */
  method?: 0 | 8;
  /** Marks the entry as traditionally encrypted (general purpose flag bit 0), with the 12-byte header such entries carry. */
  encrypted?: boolean;
}

export interface BuiltZip {
  zip: Buffer;
  /** Where each entry's (compressed) data starts and ends in the archive, by name. */
  dataAt: Record<string, { start: number; end: number }>;
}

/** Builds a zip archive; sizes and CRC-32 are those of the data given. */
export function buildZip(entries: ZipEntrySpec[]): BuiltZip {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  const dataAt: BuiltZip['dataAt'] = {};
  let offset = 0;
  for (const e of entries) {
    const raw = Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data, 'utf8');
    const method = e.method ?? 8;
    let body = method === 8 ? deflateRawSync(raw) : raw;
    if (e.encrypted) body = Buffer.concat([Buffer.alloc(12, 0x5a), body]);
    const name = Buffer.from(e.name, 'utf8');
    const crc = crc32(raw);
    const flags = e.encrypted ? 1 : 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(raw.length, 22);
    local.writeUInt16LE(name.length, 26);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(flags, 8);
    cd.writeUInt16LE(method, 10);
    cd.writeUInt32LE(crc, 16);
    cd.writeUInt32LE(body.length, 20);
    cd.writeUInt32LE(raw.length, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    central.push(cd, name);
    dataAt[e.name] = { start: offset + 30 + name.length, end: offset + 30 + name.length + body.length };
    offset += 30 + name.length + body.length;
  }
  const cdBuf = Buffer.concat(central);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(cdBuf.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return { zip: Buffer.concat([...locals, cdBuf, eocd]), dataAt };
}

/** A Twitter/X archive's data/tweets.js with n tweets, pretty-printed as the real export is; tweet i reads "tweet number i". */
export function tweetsJs(n: number, edit?: (i: number, element: string) => string, sep = (i: number) => (i < n - 1 ? ',' : '')): string {
  const els: string[] = [];
  for (let i = 0; i < n; i++) {
    const el = `  {\n    "tweet" : {\n      "id_str" : "${1000 + i}",\n      "full_text" : "tweet number ${i} about coffee and code",\n      "retweeted" : false,\n      "entities" : {\n        "hashtags" : [ {\n          "text" : "tag${i}",\n          "indices" : [ "0", "4" ]\n        } ]\n      }\n    }\n  }`;
    els.push((edit ? edit(i, el) : el) + sep(i));
  }
  return `window.YTD.tweets.part0 = [\n${els.join('\n')}\n]`;
}
