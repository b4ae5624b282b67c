// SPDX-License-Identifier: AGPL-3.0-or-later
// Thumbnails of pictures, made in the page on upload (spec/metadata.md, "Thumbnails"): the
// browser decodes the picture (createImageBitmap applies its EXIF orientation), draws it at most
// 128 pixels on its longest side, and re-encodes it as a JPEG, which carries no EXIF. The result
// is checked by the same rules a reader applies before it is sealed into the file's metadata.
// Chromium's encoder adds an sRGB ICC profile (APP2), which the rules refuse: it is cut out, and
// the picture reads the same (sRGB is what a JPEG without a profile is taken to be).

import { checkThumbnail } from "../crypto/thumbnails.js";

const SIDE = 128;
const QUALITIES = [0.75, 0.5, 0.3];
const MAX_SOURCE_BYTES = 64 * 1024 * 1024; // larger pictures get no thumbnail (decoded whole)

/** A thumbnail of `file` (Uint8Array), or null when it is not a picture this browser decodes. */
export async function makeThumbnail(file) {
  if (!file.type.startsWith("image/") || file.size > MAX_SOURCE_BYTES) return null;
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    return null; // not a picture, or one this browser cannot decode
  }
  try {
    const scale = Math.min(1, SIDE / Math.max(bitmap.width, bitmap.height));
    const width = Math.max(1, Math.round(bitmap.width * scale));
    const height = Math.max(1, Math.round(bitmap.height * scale));
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext("2d");
    context.fillStyle = "#fff"; // JPEG has no transparency: transparent parts on white
    context.fillRect(0, 0, width, height);
    context.drawImage(bitmap, 0, 0, width, height);
    for (const quality of QUALITIES) {
      const blob = await canvas.convertToBlob({ type: "image/jpeg", quality });
      const bytes = withoutExtras(new Uint8Array(await blob.arrayBuffer()));
      try {
        return checkThumbnail(bytes);
      } catch {
        // too large at this quality (or an encoder that adds segments): try the next, else none
      }
    }
    return null;
  } finally {
    bitmap.close();
  }
}

/** `jpeg` without its APP1 to APP15 and COM segments before the first scan (the rest as it was);
 * a JPEG whose segments do not parse is returned as it is, for the check to refuse. */
export function withoutExtras(jpeg) {
  const kept = [jpeg.subarray(0, 2)];
  let at = 2;
  while (at + 4 <= jpeg.length && jpeg[at] === 0xff) {
    const marker = jpeg[at + 1];
    if (marker === 0xda) {
      kept.push(jpeg.subarray(at));
      const out = new Uint8Array(kept.reduce((n, part) => n + part.length, 0));
      let offset = 0;
      for (const part of kept) {
        out.set(part, offset);
        offset += part.length;
      }
      return out;
    }
    const end = at + 2 + ((jpeg[at + 2] << 8) | jpeg[at + 3]);
    const extra = (marker >= 0xe1 && marker <= 0xef) || marker === 0xfe;
    if (!extra) kept.push(jpeg.subarray(at, end));
    at = end;
  }
  return jpeg;
}
