// SPDX-License-Identifier: AGPL-3.0-or-later
// The thumbnail a file's metadata may carry: a small JPEG with no EXIF (spec/metadata.md, "Thumbnails").
// Mirrors src/sealbox/crypto/thumbnails.py: a walk of the markers up to the first scan.

export const MAX_THUMBNAIL_BYTES = 16 * 1024;
export const MAX_THUMBNAIL_SIDE = 256;

const SOS = 0xda;
const TABLES = new Set([0xe0, 0xdb, 0xc4, 0xdd]); // APP0, DQT, DHT, DRI
const isFrame = (m) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

/** `data` if the spec allows it as a thumbnail; throws otherwise (the caller's malformed). */
export function checkThumbnail(data) {
  const n = data.length;
  if (n < 4 || n > MAX_THUMBNAIL_BYTES) throw new Error("a thumbnail is a JPEG of at most 16 KiB");
  if (data[0] !== 0xff || data[1] !== 0xd8 || data[n - 2] !== 0xff || data[n - 1] !== 0xd9) {
    throw new Error("a thumbnail starts and ends like a JPEG");
  }
  const end = n - 2;
  let at = 2;
  let frames = 0;
  for (;;) {
    if (at + 4 > end || data[at] !== 0xff) throw new Error("a thumbnail's markers run past its end");
    const marker = data[at + 1];
    const length = (data[at + 2] << 8) | data[at + 3];
    if (length < 2 || at + 2 + length > end) throw new Error("a thumbnail segment runs past its end");
    if (marker === SOS) break;
    if (isFrame(marker)) {
      frames += 1;
      checkFrame(data.subarray(at + 4, at + 2 + length));
    } else if (!TABLES.has(marker)) {
      throw new Error("a thumbnail carries no EXIF, XMP, ICC profile or comment");
    }
    at += 2 + length;
  }
  if (frames !== 1) throw new Error("a thumbnail has exactly one frame header before its scan");
  return data;
}

function checkFrame(frame) {
  if (frame.length < 5) throw new Error("a thumbnail frame header is too short");
  const height = (frame[1] << 8) | frame[2];
  const width = (frame[3] << 8) | frame[4];
  const fits = (side) => side >= 1 && side <= MAX_THUMBNAIL_SIDE;
  if (!fits(height) || !fits(width)) throw new Error("a thumbnail is at most 256 x 256 pixels");
}
