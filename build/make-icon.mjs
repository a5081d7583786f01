#!/usr/bin/env node
// Draws the app icon (build/icon.png, 512x512 RGBA) from code, so it can be
// regenerated and reviewed like any source: several small dots (documents) flowing
// into one large dot (their merged style), on a rounded indigo tile.
// electron-builder derives the .icns and .ico from this PNG.
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const N = 512;
const px = Buffer.alloc(N * N * 4);

const clamp = (v) => Math.max(0, Math.min(1, v));
/** Coverage of a shape from its signed distance (negative inside), one pixel of antialiasing. */
const cover = (d) => clamp(0.5 - d);
const roundedSquare = (x, y, c, half, r) => {
  const qx = Math.abs(x - c) - (half - r);
  const qy = Math.abs(y - c) - (half - r);
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
};
const circle = (x, y, cx, cy, r) => Math.hypot(x - cx, y - cy) - r;
const segment = (x, y, ax, ay, bx, by, r) => {
  const pax = x - ax,
    pay = y - ay,
    bax = bx - ax,
    bay = by - ay;
  const h = clamp((pax * bax + pay * bay) / (bax * bax + bay * bay));
  return Math.hypot(pax - bax * h, pay - bay * h) - r;
};

const docs = [
  [150, 150],
  [150, 256],
  [150, 362],
];
const merged = [350, 256];

function blend(i, rgb, a) {
  for (let k = 0; k < 3; k++) px[i + k] = Math.round(px[i + k] * (1 - a) + rgb[k] * a);
  px[i + 3] = Math.round(Math.max(px[i + 3], a * 255));
}

for (let y = 0; y < N; y++) {
  for (let x = 0; x < N; x++) {
    const i = (y * N + x) * 4;
    const t = (x + y) / (2 * N);
    // Tile: indigo to violet diagonal gradient.
    const tile = cover(roundedSquare(x + 0.5, y + 0.5, 256, 232, 96));
    blend(i, [Math.round(67 + 60 * t), Math.round(56 + 10 * t), Math.round(202 - 20 * t)], tile);
    if (tile === 0) continue;
    let lines = 0;
    for (const [dx, dy] of docs) lines = Math.max(lines, cover(segment(x + 0.5, y + 0.5, dx, dy, merged[0], merged[1], 9)));
    blend(i, [199, 210, 254], lines * 0.75 * tile);
    for (const [dx, dy] of docs) blend(i, [224, 231, 255], cover(circle(x + 0.5, y + 0.5, dx, dy, 34)) * tile);
    blend(i, [255, 255, 255], cover(circle(x + 0.5, y + 0.5, merged[0], merged[1], 74)) * tile);
    blend(i, [99, 102, 241], cover(circle(x + 0.5, y + 0.5, merged[0], merged[1], 30)) * tile);
  }
}

function crc32(buf) {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(N, 0);
ihdr.writeUInt32BE(N, 4);
ihdr[8] = 8; // bit depth
ihdr[9] = 6; // RGBA
const raw = Buffer.alloc(N * (N * 4 + 1));
for (let y = 0; y < N; y++) px.copy(raw, y * (N * 4 + 1) + 1, y * N * 4, (y + 1) * N * 4);
const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
const out = fileURLToPath(new URL('./icon.png', import.meta.url));
writeFileSync(out, png);
console.log(`wrote ${out} (${png.length} bytes)`);
