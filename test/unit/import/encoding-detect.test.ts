// Encoding evidence on real bytes: the fivethirtyeight Obama export (Windows-1252),
// UTF-8 text, and legacy encodings made from a text with the decoders' own tables.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { detectEncoding, proposeEncoding } from '../../../main/services/import-inspect.js';
import { createTextDecoder, Windows1252Decoder } from '../../../main/services/windows-1252.js';

const OBAMA_CSV = fileURLToPath(new URL('../../../../shared/data/tweets/BarackObama.csv', import.meta.url));

/** Encodes text in a single-byte encoding by inverting that encoding's decoder. */
function encode(text: string, label: string): Uint8Array {
  const dec = createTextDecoder(label);
  const byChar = new Map<string, number>();
  for (let b = 0; b < 256; b++) {
    const c = dec.decode(Uint8Array.of(b));
    if (c.length === 1 && !byChar.has(c)) byChar.set(c, b);
  }
  return Uint8Array.from([...text], (c) => {
    const b = byChar.get(c);
    if (b === undefined) throw new Error(`${label} has no byte for ${c}`);
    return b;
  });
}

const RUSSIAN =
  'Все счастливые семьи похожи друг на друга, каждая несчастливая семья несчастлива по-своему. Все смешалось в доме Облонских. Жена узнала, что муж был в связи с бывшею в их доме француженкою-гувернанткой.\n';
const WESTERN = 'Don’t miss the café — “naïve” ideas, crème brûlée and 5 € coffee. Größere Übungen für Mädchen, schön und heiß.\n';

describe('encoding detection', () => {
  test('the real Obama CSV is not UTF-8; Windows-1252 is detected and proposed, and a Windows-1252 choice is left alone', { skip: !existsSync(OBAMA_CSV) && 'needs ../shared/data' }, () => {
    const bytes = readFileSync(OBAMA_CSV);
    const ev = detectEncoding(bytes, false);
    assert.equal(ev.bom, null);
    assert.equal(ev.ascii, false);
    assert.equal(ev.validUtf8, false);
    assert.equal(ev.detected, 'windows-1252');
    assert.ok(ev.confidence! > 20 && ev.confidence! <= 100, `confidence ${ev.confidence}`);
    assert.equal(proposeEncoding('utf-8', ev), 'windows-1252');
    assert.equal(proposeEncoding('windows-1252', ev), null);
    // Between two legacy encodings the user's choice stands.
    assert.equal(proposeEncoding('macintosh', ev), null);
    // Its first 4 KiB hold only a handful of non-ASCII bytes; the verdict is the same.
    assert.equal(detectEncoding(bytes.subarray(0, 4096), true).detected, 'windows-1252');
  });

  test('UTF-8 text is recognised; a legacy choice for it gets UTF-8 proposed, a UTF-8 choice nothing', () => {
    const bytes = new TextEncoder().encode(WESTERN.repeat(4) + RUSSIAN);
    const ev = detectEncoding(bytes, false);
    assert.deepEqual([ev.validUtf8, ev.detected, ev.confidence], [true, 'utf-8', 100]);
    assert.equal(proposeEncoding('utf-8', ev), null);
    assert.equal(proposeEncoding('windows-1252', ev), 'utf-8');
    // A sample cut inside a multi-byte character is still UTF-8.
    const cut = bytes.subarray(0, bytes.indexOf(0xe2) + 1);
    assert.equal(detectEncoding(cut, true).validUtf8, true);
    assert.equal(detectEncoding(cut, false).validUtf8, false, 'a whole file may not end mid-character');
  });

  test('ASCII and files with a byte-order mark get no proposal', () => {
    const ascii = new TextEncoder().encode('text\nplain ascii only\n');
    assert.equal(proposeEncoding('utf-8', detectEncoding(ascii, false)), null);
    assert.equal(proposeEncoding('windows-1252', detectEncoding(ascii, false)), null);
    const bom = Uint8Array.from([0xff, 0xfe, ...Buffer.from('text\n', 'utf16le')]);
    const ev = detectEncoding(bom, false);
    assert.equal(ev.bom, 'utf-16le');
    assert.equal(proposeEncoding('utf-8', ev), null);
  });

  test('Western European text in Windows-1252 is named Windows-1252, Russian in Windows-1251 and KOI8-R by their names', () => {
    assert.equal(detectEncoding(encode(WESTERN.repeat(4), 'windows-1252'), false).detected, 'windows-1252');
    // Latin-1 bytes with no 0x80-0x9F read the same in ISO-8859-2/-15: the common name is given.
    assert.equal(detectEncoding(encode('café au lait, crème brûlée, déjà vu\n'.repeat(3), 'windows-1252'), false).detected, 'windows-1252');
    assert.equal(detectEncoding(encode(RUSSIAN.repeat(3), 'windows-1251'), false).detected, 'windows-1251');
    assert.equal(detectEncoding(encode(RUSSIAN.repeat(3), 'koi8-r'), false).detected, 'koi8-r');
  });
});

describe('Windows-1252 decoding', () => {
  test('bytes 0x80-0x9F decode as the WHATWG table says (Node 20 TextDecoder drops them), the rest as Latin-1', () => {
    const d = createTextDecoder('windows-1252');
    assert.ok(d instanceof Windows1252Decoder);
    assert.ok(createTextDecoder('latin1') instanceof Windows1252Decoder, 'latin1 is windows-1252 in the Encoding Standard');
    assert.equal(d.decode(Uint8Array.of(0x44, 0x6f, 0x6e, 0x92, 0x74)), 'Don’t');
    assert.equal(d.decode(Uint8Array.of(0x80, 0x85, 0x8a, 0x91, 0x93, 0x94, 0x96, 0x97, 0x99, 0x9f)), '€…Š‘“”–—™Ÿ');
    // The five bytes the standard leaves undefined stay C1 controls: never dropped, never U+FFFD.
    assert.equal(d.decode(Uint8Array.of(0x81, 0x8d, 0x8f, 0x90, 0x9d)), '\u0081\u008d\u008f\u0090\u009d');
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const text = d.decode(all);
    assert.equal(text.length, 256);
    assert.equal(text.slice(0xa0), String.fromCharCode(...all.subarray(0xa0)));
    // Longer than one internal block: nothing lost at the seams.
    const big = new Uint8Array(20_000).fill(0x92);
    assert.equal(d.decode(big), '’'.repeat(20_000));
    assert.ok(!(createTextDecoder('windows-1251') instanceof Windows1252Decoder));
  });
});
