// SPDX-License-Identifier: AGPL-3.0-or-later
// The binary folder listing of http-api.md §5.4 (SBL1, big-endian). It carries no
// authentication of its own: the manifest and records inside are verified by the caller.

import { Code, IntegrityError } from "../crypto/errors.js";
import { bytesEqual, utf8 } from "../crypto/layout.js";

const MAGIC = utf8("SBL1");
const REMOVED_MAGIC = utf8("RMV1");
const CHILD_BYTES = 16 + 1 + 1 + 16 + 8 + 8 + 4;

function malformed(why) {
  return new IntegrityError(Code.MALFORMED, why);
}

export function parseListing(data) {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let offset = 0;
  const need = (n) => {
    if (offset + n > data.length) throw malformed("listing is truncated");
    const start = offset;
    offset += n;
    return start;
  };
  const u64 = (at) => {
    const value = view.getBigUint64(at, false);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw malformed("number too large");
    return Number(value);
  };
  let at = need(16);
  if (!bytesEqual(data.subarray(0, 4), MAGIC)) throw malformed("not a Sealbox listing");
  const manifestVersion = u64(at + 4);
  const manifestLength = view.getUint32(at + 12, false);
  at = need(manifestLength);
  const manifest = data.slice(at, at + manifestLength);
  const count = view.getUint32(need(4), false);
  const children = [];
  for (let i = 0; i < count; i++) {
    at = need(CHILD_BYTES);
    const nodeType = data[at + 16];
    if (nodeType !== 0 && nodeType !== 1) throw malformed("unknown node type");
    const hasContent = (data[at + 17] & 1) === 1;
    const recordLength = view.getUint32(at + 50, false);
    const child = {
      nodeId: data.slice(at, at + 16),
      nodeType: nodeType === 1 ? "folder" : "file",
      contentId: hasContent ? data.slice(at + 18, at + 34) : null,
      size: u64(at + 34),
      manifestVersion: u64(at + 42),
    };
    at = need(recordLength);
    child.record = data.slice(at, at + recordLength);
    children.push(child);
  }
  const removed = offset === data.length ? [] : parseRemoved();
  if (offset !== data.length) throw malformed("trailing bytes");
  return { manifestVersion, manifest, children, removed };

  // The optional section of nodes a decision removed (compliance.md §3.4): the server's claims,
  // checked by drive/removals.js before any item is shown as removed rather than withheld.
  function parseRemoved() {
    at = need(8);
    if (!bytesEqual(data.subarray(at, at + 4), REMOVED_MAGIC)) throw malformed("trailing bytes");
    const found = [];
    for (let i = view.getUint32(at + 4, false); i > 0; i--) {
      at = need(16 + 36 + 1);
      const reasonLength = data[at + 52];
      const entry = { nodeId: data.slice(at, at + 16), decision: data.slice(at + 16, at + 52) };
      at = need(reasonLength);
      entry.reason = data.slice(at, at + reasonLength);
      found.push(entry);
    }
    return found;
  }
}
