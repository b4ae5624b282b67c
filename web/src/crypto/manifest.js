// SPDX-License-Identifier: AGPL-3.0-or-later
// Folder manifests: the signed, versioned list of a folder's children (spec/metadata.md).

import { Code, IntegrityError } from "./errors.js";
import { HASH_BYTES, ID_BYTES, ObjectType, Reader, bytesEqual, checkId, compareBytes, concat, hex,
         prefix, u32, u64, utf8 } from "./layout.js";
import { SIGNATURE_BYTES, blake2b, sign, verify } from "./sodium.js";
import { NodeType, parseNodeRecord, recordHash } from "./tree.js";

const MANIFEST_LABEL = utf8("sealbox manifest v1\0");
const ENTRY_BYTES = ID_BYTES + 1 + HASH_BYTES;
const NO_PREVIOUS = new Uint8Array(HASH_BYTES);

export function parseManifest(data) {
  const reader = new Reader(data);
  reader.prefix(ObjectType.MANIFEST);
  const folderId = reader.take(ID_BYTES);
  const version = reader.u64();
  const previousHash = reader.take(HASH_BYTES);
  const writerId = reader.take(ID_BYTES);
  const count = reader.u32();
  if (count * ENTRY_BYTES > data.length) throw new IntegrityError(Code.MALFORMED, "object is truncated");
  const entries = [];
  for (let i = 0; i < count; i++) {
    const nodeId = reader.take(ID_BYTES);
    const nodeType = reader.u8();
    if (nodeType !== NodeType.FOLDER && nodeType !== NodeType.FILE) {
      throw new IntegrityError(Code.MALFORMED, "unknown node type");
    }
    entries.push({ nodeId, nodeType, recordHash: reader.take(HASH_BYTES) });
  }
  const body = reader.consumed();
  const signature = reader.take(SIGNATURE_BYTES);
  reader.end();
  for (let i = 1; i < entries.length; i++) {
    if (compareBytes(entries[i - 1].nodeId, entries[i].nodeId) >= 0) {
      throw new IntegrityError(Code.MALFORMED, "entries are not in strictly ascending order");
    }
  }
  if (version < 1 || (version == 1) !== bytesEqual(previousHash, NO_PREVIOUS)) {
    throw new IntegrityError(Code.MALFORMED, "version and previous hash disagree");
  }
  return { folderId, version, previousHash, writerId, entries, body, signature, encoded: data,
           hash: blake2b(data) };
}

/** `writers` maps a writer's user id (hex) to their signing public key. */
export function verifyManifest(data, folderId, writers) {
  const manifest = parseManifest(data);
  if (!bytesEqual(manifest.folderId, folderId)) {
    throw new IntegrityError(Code.CONTEXT_MISMATCH, "the manifest belongs to another folder");
  }
  const publicKey = writers.get(hex(manifest.writerId));
  if (!publicKey) throw new IntegrityError(Code.BAD_SIGNATURE, "signed by someone who may not write here");
  verify(publicKey, concat(MANIFEST_LABEL, manifest.body), manifest.signature);
  return manifest;
}

export function checkFreshness(manifest, seen) {
  if (seen) {
    if (manifest.version < seen.version) throw new IntegrityError(Code.ROLLBACK);
    const version = BigInt(manifest.version);
    const sameDiffers = version === BigInt(seen.version) && !bytesEqual(manifest.hash, seen.hash);
    const nextForks = version === BigInt(seen.version) + 1n && !bytesEqual(manifest.previousHash, seen.hash);
    if (sameDiffers || nextForks) throw new IntegrityError(Code.FORK);
  }
  return { version: manifest.version, hash: manifest.hash };
}

/** Keep only records the manifest lists by hash; report the rest (metadata.md, "Listing"). */
export function reconcile(manifest, records) {
  const expected = new Map(manifest.entries.map((e) => [hex(e.nodeId), e]));
  const accepted = new Map();
  const injected = [];
  for (const data of records) {
    const entry = expected.get(hex(data.subarray(6, 6 + ID_BYTES)));
    if (!entry || !bytesEqual(entry.recordHash, recordHash(data))) {
      injected.push(data);
      continue;
    }
    const record = parseNodeRecord(data);
    if (record.nodeType !== entry.nodeType || !bytesEqual(record.parentId, manifest.folderId)) {
      throw new IntegrityError(Code.CONTEXT_MISMATCH, "a signed manifest lists a bad record");
    }
    accepted.set(hex(entry.nodeId), record);
  }
  const withheld = manifest.entries.filter((e) => !accepted.has(hex(e.nodeId))).map((e) => e.nodeId);
  const ordered = manifest.entries.filter((e) => accepted.has(hex(e.nodeId)))
    .map((e) => accepted.get(hex(e.nodeId)));
  return { records: ordered, withheld, injected };
}

/** The next manifest of a folder: entries sorted by node id, signed by the writer. */
export function makeManifest(signSeed, writerId, folderId, version, previousHash, entries) {
  const ordered = [...entries].sort((a, b) => compareBytes(a.nodeId, b.nodeId));
  if (ordered.some((e, i) => i && bytesEqual(e.nodeId, ordered[i - 1].nodeId))) throw new Error("a node listed twice");
  const body = concat(prefix(ObjectType.MANIFEST), checkId(folderId), u64(version), previousHash, checkId(writerId),
    u32(ordered.length), ...ordered.map((e) => concat(checkId(e.nodeId), new Uint8Array([e.nodeType]), e.recordHash)));
  return concat(body, sign(signSeed, concat(MANIFEST_LABEL, body)));
}
