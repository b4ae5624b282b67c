// SPDX-License-Identifier: AGPL-3.0-or-later
// The batch content download's answer (http-api.md §6.4, SBC1, big-endian). It carries no
// authentication of its own: each content object is opened against its file's metadata.

import { Code, IntegrityError } from "../crypto/errors.js";
import { bytesEqual, utf8 } from "../crypto/layout.js";

const MAGIC = utf8("SBC1");
const ITEM_BYTES = 16 + 1 + 8;
export const STATUS = Object.freeze(["included", "not_found", "omitted"]);

export function parseBatch(data) {
  if (!bytesEqual(data.subarray(0, 4), MAGIC)) throw new IntegrityError(Code.MALFORMED, "not a content batch");
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const items = [];
  let offset = 4;
  while (offset < data.length) {
    if (offset + ITEM_BYTES > data.length) throw new IntegrityError(Code.MALFORMED, "content batch is truncated");
    const status = STATUS[data[offset + 16]];
    const length = view.getBigUint64(offset + 17, false);
    if (status === undefined || (status !== "included" && length)) {
      throw new IntegrityError(Code.MALFORMED, "content batch is malformed");
    }
    const start = offset + ITEM_BYTES;
    if (BigInt(start) + length > BigInt(data.length)) {
      throw new IntegrityError(Code.MALFORMED, "content batch is truncated");
    }
    items.push({ contentId: data.slice(offset, offset + 16), status, data: data.slice(start, start + Number(length)) });
    offset = start + Number(length);
  }
  return items;
}
