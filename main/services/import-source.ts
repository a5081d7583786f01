// The Node side of importing: reading files and archive entries as byte streams,
// decoding them to text with precise errors, and feeding the pure parsers in
// main/core/import. Nothing here decides what a row means.
import { createReadStream } from 'node:fs';
import { open as openFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { crc32 } from 'node:zlib';
import { ImportParseError } from '../core/import/index.js';
import { createTextDecoder, type TextDecoderLike } from './windows-1252.js';

/** Counts raw bytes as they stream by, for progress and ETA. */
export interface ByteCounter {
  bytes: number;
}

const MAGIC: Array<[number[], string]> = [
  [[0x50, 0x4b, 0x03, 0x04], 'a ZIP archive'],
  [[0x25, 0x50, 0x44, 0x46], 'a PDF document'],
  [[0x89, 0x50, 0x4e, 0x47], 'a PNG image'],
  [[0xff, 0xd8, 0xff], 'a JPEG image'],
  [[0x47, 0x49, 0x46, 0x38], 'a GIF image'],
  [[0x1f, 0x8b], 'a gzip file'],
  [[0x53, 0x51, 0x4c, 0x69, 0x74, 0x65], 'an SQLite database'],
  [[0xd0, 0xcf, 0x11, 0xe0], 'an old Microsoft Office document'],
];

/**
 * Decodes a byte stream to text chunks. A BOM picks UTF-8 or UTF-16; otherwise
 * the bytes are read as UTF-8, or as the encoding the user chose. Binary files
 * are refused outright. Bytes invalid in the encoding become U+FFFD, which the
 * parsers turn into an error for the row that holds them (naming its line), so
 * the good rows can still be imported when the user asks for that.
 */
export async function* decodeBytes(bytes: AsyncIterable<Uint8Array>, file: string, counter?: ByteCounter, encoding?: string): AsyncGenerator<string> {
  let decoder: TextDecoderLike | null = null;
  let head: Uint8Array = new Uint8Array(0);
  let sawAny = false;
  let checked = 0;
  for await (const raw of bytes) {
    const chunk = raw instanceof Uint8Array ? raw : new Uint8Array(raw);
    if (counter) counter.bytes += chunk.length;
    if (!chunk.length) continue;
    sawAny = true;
    let data = chunk;
    if (!decoder) {
      // Gather enough bytes to recognise a BOM or a binary signature.
      head = concat(head, chunk);
      if (head.length < 8) continue;
      decoder = pickDecoder(head, file, encoding);
      data = head;
    }
    const text = decoder.decode(data, { stream: true });
    if (checked < 8192 && decoder.encoding === 'utf-8') {
      if (text.slice(0, 8192 - checked).includes('\u0000')) throw new ImportParseError(`${file} contains NUL bytes: it is a binary file, not text`, null);
      checked += text.length;
    }
    if (text) yield text;
  }
  if (!sawAny) throw new ImportParseError(`${file} is empty (0 bytes)`, null);
  if (!decoder) {
    decoder = pickDecoder(head, file, encoding);
    const t = decoder.decode(head, { stream: true });
    if (t.includes('\u0000')) throw new ImportParseError(`${file} contains NUL bytes: it is a binary file, not text`, null);
    if (t) yield t;
  }
  const tail = decoder.decode();
  if (tail) yield tail;
}

/** Checks an encoding label the user gave; returns the label TextDecoder will use. */
export function checkEncoding(label: string): string {
  try {
    return new TextDecoder(label).encoding;
  } catch {
    throw new ImportParseError(`unknown text encoding "${label}" (try utf-8, utf-16le, windows-1252, iso-8859-1, macintosh)`, null);
  }
}

function pickDecoder(head: Uint8Array, file: string, encoding?: string): TextDecoderLike {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return new TextDecoder('utf-8');
  if (head[0] === 0xff && head[1] === 0xfe) return new TextDecoder('utf-16le');
  if (head[0] === 0xfe && head[1] === 0xff) return new TextDecoder('utf-16be');
  for (const [sig, what] of MAGIC) {
    if (sig.every((b, i) => head[i] === b)) throw new ImportParseError(`${file} is ${what}, not a text file this importer reads`, null);
  }
  // UTF-16 without a BOM shows as every other byte zero in ASCII text.
  if (head.length >= 4 && ((head[1] === 0 && head[3] === 0 && head[0] !== 0) || (head[0] === 0 && head[2] === 0 && head[1] !== 0))) {
    throw new ImportParseError(`${file} looks like UTF-16 text without a byte-order mark; save it as UTF-8`, null);
  }
  return createTextDecoder(encoding ? checkEncoding(encoding) : 'utf-8');
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (!a.length) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** A file's bytes as a stream of chunks. */
export function fileBytes(path: string, signal?: AbortSignal): AsyncIterable<Uint8Array> {
  return createReadStream(path, { highWaterMark: 256 * 1024, signal });
}

/** The first bytes of a file, for format sniffing. */
export async function readHead(path: string, n = 4096): Promise<Buffer> {
  const fh = await openFile(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

export interface ZipTextEntry {
  name: string;
  /** 'tweets' for a Twitter/X archive's tweets.js parts, 'article' for one text document per entry. */
  role: 'tweets' | 'article';
  bytes: AsyncIterable<Uint8Array>;
  /** Set when the entry cannot be used (damaged, CRC mismatch, encrypted): bytes is then empty and nothing of it is read. */
  problem?: string;
}

/** Entry names of a Twitter/X archive that hold tweets (data/tweets.js, data/tweet.js, data/tweets-part1.js, ...). */
export const TWEET_ENTRY = /(^|\/)(data\/)?tweets?(-part\d+)?\.js$/i;
/** Entries a zip of articles may hold (a blog or newsletter export): one document each. */
export const ARTICLE_ENTRY = /\.(md|markdown|html?|xhtml|txt)$/i;

/**
 * Streams the useful entries of a zip one after another, without unpacking it
 * (an archive's media folders can be gigabytes): the tweet parts of a Twitter/X
 * archive, or else every Markdown, HTML and text file (a blog export).
 *
 * yauzl checks neither an entry's CRC-32 nor (with our options) its sizes, and a
 * flipped bit in a stored entry, or a damaged deflate stream that still
 * inflates, reads as plausible text. So each entry is first read through once,
 * checking its size and CRC, and only a verified entry is handed to the parser:
 * a damaged one comes back with `problem` set, and none of its records are
 * stored. An encrypted entry is named as such.
 */
export async function* zipTextEntries(path: string, counter?: ByteCounter, display = path): AsyncGenerator<ZipTextEntry> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    // Sizes are checked per entry below: yauzl's own check fails the whole archive, with a message about sizes, on one encrypted entry.
    yauzl.open(path, { lazyEntries: true, autoClose: false, validateEntrySizes: false, strictFileNames: false }, (err, z) =>
      err ? reject(new ImportParseError(`${display} is not a readable zip archive (truncated or damaged: ${err.message})`, null)) : resolve(z!),
    ),
  );
  try {
    const names: string[] = [];
    let wanted: yauzl.Entry[] = [];
    const articles: yauzl.Entry[] = [];
    await new Promise<void>((resolve, reject) => {
      zip.on('entry', (e: yauzl.Entry) => {
        names.push(e.fileName);
        if (TWEET_ENTRY.test(e.fileName) && !/deleted|note-tweet/i.test(e.fileName)) wanted.push(e);
        else if (ARTICLE_ENTRY.test(e.fileName) && !/(^|\/)(__MACOSX\/|\.)/.test(e.fileName) && !e.fileName.endsWith('/')) articles.push(e);
        zip.readEntry();
      });
      zip.on('end', () => resolve());
      zip.on('error', (e: Error) => reject(new ImportParseError(`${display}: damaged zip archive (${e.message})`, null)));
      zip.readEntry();
    });
    // A Twitter/X archive also holds an HTML viewer; only its tweets count.
    const role: ZipTextEntry['role'] = wanted.length ? 'tweets' : 'article';
    if (!wanted.length) wanted = articles;
    if (!wanted.length) {
      throw new ImportParseError(
        `${display} has neither data/tweets.js (a Twitter/X archive) nor .md, .html or .txt files; entries found: ${names.slice(0, 8).join(', ')}${names.length > 8 ? `, … (${names.length})` : ''}`,
        null,
      );
    }
    for (const entry of wanted) {
      const problem = await verifyEntry(zip, entry);
      if (problem) {
        yield { name: entry.fileName, role, bytes: Readable.from([]), problem };
        continue;
      }
      const stream = await openEntry(zip, entry);
      yield { name: entry.fileName, role, bytes: wrapEntryErrors(stream, counter, entry.compressedSize, entry.uncompressedSize) };
    }
  } finally {
    zip.close();
  }
}

function openEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Readable> {
  return new Promise<Readable>((resolve, reject) => zip.openReadStream(entry, (err, s) => (err ? reject(err) : resolve(s!))));
}

/** Reads an entry through once: null when its bytes are what the archive's directory says, else why not. */
async function verifyEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<string | null> {
  if (entry.isEncrypted()) return 'the archive entry is encrypted (a password-protected zip); unzip it with its password and import the extracted file';
  if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8)
    return `the archive entry uses compression method ${entry.compressionMethod}, which this importer cannot read (only stored and deflated entries)`;
  if (entry.compressionMethod === 0 && entry.compressedSize !== entry.uncompressedSize) {
    return `the archive entry is damaged: it is stored uncompressed, but the archive lists ${entry.compressedSize} bytes stored for ${entry.uncompressedSize} bytes of content`;
  }
  let crc = 0;
  let size = 0;
  try {
    const stream = await openEntry(zip, entry);
    for await (const c of stream as AsyncIterable<Buffer>) {
      crc = crc32(c, crc);
      size += c.length;
      if (size > entry.uncompressedSize) break;
    }
  } catch (err) {
    return `the archive entry is damaged or truncated (${(err as Error).message}); none of its records were imported`;
  }
  if (size !== entry.uncompressedSize)
    return `the archive entry is damaged: it holds ${size > entry.uncompressedSize ? 'more than ' : ''}${size} bytes, the archive lists ${entry.uncompressedSize}; none of its records were imported`;
  if (crc !== entry.crc32) return 'the archive entry is damaged: its content does not match its checksum (CRC-32); none of its records were imported';
  return null;
}

async function* wrapEntryErrors(stream: Readable, counter: ByteCounter | undefined, compressed: number, uncompressed: number): AsyncGenerator<Uint8Array> {
  // Progress counts compressed bytes so it lines up with the archive's size on disk.
  const ratio = uncompressed > 0 ? compressed / uncompressed : 1;
  try {
    for await (const c of stream as AsyncIterable<Buffer>) {
      if (counter) counter.bytes += Math.round(c.length * ratio);
      yield c;
    }
  } catch (err) {
    throw new ImportParseError(`the archive entry is damaged or truncated (${(err as Error).message})`, null);
  }
}
