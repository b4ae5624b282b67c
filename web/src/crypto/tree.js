// SPDX-License-Identifier: AGPL-3.0-or-later
// Node key wraps, sealed metadata and signed node records (spec/metadata.md).

import { Code, IntegrityError } from "./errors.js";
import { HASH_BYTES, ID_BYTES, ObjectType, Reader, b64url, canonicalJson, checkId, concat,
         fromB64url, parseCanonicalJson, prefix, u32, u64, utf8 } from "./layout.js";
import { openSealed, parseSealed, seal } from "./sealed.js";
import { checkThumbnail } from "./thumbnails.js";
import { SIGNATURE_BYTES, blake2b, kdf, sign, verify } from "./sodium.js";

export const NodeType = Object.freeze({ FOLDER: 1, FILE: 2 });
const RECORD_LABEL = utf8("sealbox node record v1\0");
const MAX_NAME_BYTES = 1024;
const MAX_MIME_BYTES = 255;
const MAX_SEALED_FIELD = 64 * 1024;
const SAFE = Number.MAX_SAFE_INTEGER;

export const recordHash = (data) => blake2b(data);

function nodeContext(nodeId, parentId, nodeType) {
  return concat(checkId(nodeId), checkId(parentId), new Uint8Array([nodeType]));
}

export function unwrapNodeKey(parentKey, wrap, nodeId, parentId, nodeType) {
  return openSealed(kdf(parentKey, 1, "sbnodkey"), wrap, ObjectType.NODE_KEY,
                    nodeContext(nodeId, parentId, nodeType), 32);
}

export function unwrapTopFolderKey(masterKey, wrap, userId, folderId, role) {
  const context = concat(checkId(userId), checkId(folderId), new Uint8Array([role]));
  return openSealed(kdf(masterKey, 1, "sbtopkey"), wrap, ObjectType.TOP_FOLDER_KEY, context, 32);
}

// Metadata ----------------------------------------------------------------------------------

export function validName(name) {
  if (typeof name !== "string" || !name.isWellFormed()) return false;
  const size = utf8(name).length;
  return size >= 1 && size <= MAX_NAME_BYTES && name !== "." && name !== ".." &&
    !name.includes("/") && !name.includes("\0");
}

const MAX_AUTHOR_NAME_BYTES = 64; // a username (spec/metadata.md, "Schema")
const utf8Length = (text) => new TextEncoder().encode(text).length;
const isInt = (v) => typeof v === "number" && Number.isInteger(v) && Math.abs(v) <= SAFE;
const validMime = (m) => typeof m === "string" && m.length <= MAX_MIME_BYTES && /^[\x20-\x7e]*$/.test(m);

function idField(value, size = ID_BYTES) {
  const raw = fromB64url(value);
  if (raw.length !== size) throw new Error("wrong id length");
  return raw;
}

/** Parse authenticated metadata: anything outside the schema is malformed, never guessed at. */
export function decodeMetadata(data, nodeType) {
  const fields = { ...parseCanonicalJson(data) };
  try {
    const metadata = { name: fields.name, mtime: fields.mtime, trashedFrom: null };
    if ("trashed_from" in fields) metadata.trashedFrom = idField(fields.trashed_from);
    // Who wrote a node the owner re-signed (spec/sharing.md, "Attribution across rotation").
    metadata.author = "author" in fields ? idField(fields.author) : null;
    metadata.authorName = "author_name" in fields ? fields.author_name : null;
    if (metadata.authorName !== null) {
      const bytes = typeof metadata.authorName === "string" ? utf8Length(metadata.authorName) : 0;
      if (metadata.author === null || bytes < 1 || bytes > MAX_AUTHOR_NAME_BYTES) throw new Error();
    }
    const known = ["name", "mtime", "trashed_from", "author", "author_name"];
    if (nodeType === NodeType.FOLDER) {
      // The keys the folder had before a rotation (spec/sharing.md, "Earlier keys after a rotation").
      metadata.earlierKeys = "earlier_keys" in fields ? decodeEarlierKeys(fields.earlier_keys) : [];
      known.push("earlier_keys");
    }
    if (nodeType === NodeType.FILE) {
      Object.assign(metadata, {
        size: fields.size,
        mime: fields.mime,
        contentId: idField(fields.content_id),
        headerHash: idField(fields.header_hash, HASH_BYTES),
        // Optional, keyed: for comparing copies by content (object-format.md, "Plaintext hash").
        plaintextHash: "plaintext_hash" in fields ? idField(fields.plaintext_hash, HASH_BYTES) : null,
        // Optional: a small JPEG with no EXIF (spec/metadata.md, "Thumbnails").
        thumbnail: "thumbnail" in fields ? checkThumbnail(fromB64url(fields.thumbnail)) : null,
      });
      known.push("size", "mime", "content_id", "header_hash", "plaintext_hash", "thumbnail");
      if (!isInt(metadata.size) || metadata.size < 0 || !validMime(metadata.mime)) throw new Error();
    }
    if (Object.keys(fields).some((k) => !known.includes(k))) throw new Error("unexpected fields");
    if (!validName(metadata.name) || !isInt(metadata.mtime)) throw new Error("bad name or mtime");
    return metadata;
  } catch {
    throw new IntegrityError(Code.MALFORMED, "metadata does not match its schema");
  }
}

const MAX_EARLIER_KEYS = 64;
const MAX_WRITERS = 1000;

function compareBytes(a, b) {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

function decodeEarlierKeys(value) {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_EARLIER_KEYS) throw new Error();
  return value.map((item) => {
    if (item === null || typeof item !== "object" || Array.isArray(item)) throw new Error();
    if (Object.keys(item).sort().join() !== "key,writers") throw new Error();
    const { key, writers } = item;
    if (typeof key !== "string" || !Array.isArray(writers) || writers.length > MAX_WRITERS) throw new Error();
    const pairs = writers.map((w) => {
      if (!Array.isArray(w) || w.length !== 2 || !w.every((p) => typeof p === "string")) throw new Error();
      return [idField(w[0]), idField(w[1], 32)];
    });
    // Sorted by user id as bytes, each once.
    for (let n = 1; n < pairs.length; n++) if (compareBytes(pairs[n - 1][0], pairs[n][0]) >= 0) throw new Error();
    return { key: idField(key, 32), writers: pairs };
  });
}

export function encodeMetadata(metadata) {
  const fields = { name: metadata.name, mtime: metadata.mtime };
  if (metadata.contentId) {
    Object.assign(fields, { size: metadata.size, mime: metadata.mime,
      content_id: b64url(metadata.contentId), header_hash: b64url(metadata.headerHash) });
    if (metadata.plaintextHash) fields.plaintext_hash = b64url(metadata.plaintextHash);
    if (metadata.thumbnail) fields.thumbnail = b64url(metadata.thumbnail);
  }
  if (metadata.trashedFrom) fields.trashed_from = b64url(metadata.trashedFrom);
  if (metadata.author) fields.author = b64url(metadata.author);
  if (metadata.authorName) fields.author_name = metadata.authorName;
  if (metadata.earlierKeys && metadata.earlierKeys.length) {
    fields.earlier_keys = metadata.earlierKeys.map((e) => ({
      key: b64url(e.key), writers: e.writers.map(([u, k]) => [b64url(u), b64url(k)]) }));
  }
  return canonicalJson(fields);
}

export function openMetadata(parentKey, sealed, nodeId, parentId, nodeType, nodeVersion) {
  const context = concat(nodeContext(nodeId, parentId, nodeType), u64(nodeVersion));
  const plaintext = parseSealed(sealed, ObjectType.METADATA).open(kdf(parentKey, 1, "sbmetaky"), context);
  return decodeMetadata(plaintext, nodeType);
}

// Node records ------------------------------------------------------------------------------

export function parseNodeRecord(data) {
  const reader = new Reader(data);
  reader.prefix(ObjectType.NODE_RECORD);
  const nodeId = reader.take(ID_BYTES);
  const parentId = reader.take(ID_BYTES);
  const nodeType = reader.u8();
  if (nodeType !== NodeType.FOLDER && nodeType !== NodeType.FILE) {
    throw new IntegrityError(Code.MALFORMED, "unknown node type");
  }
  const nodeVersion = reader.u64();
  const writerId = reader.take(ID_BYTES);
  const wrappedKey = reader.sized(MAX_SEALED_FIELD);
  const sealedMetadata = reader.sized(MAX_SEALED_FIELD);
  const body = reader.consumed();
  const signature = reader.take(SIGNATURE_BYTES);
  reader.end();
  return {
    nodeId, parentId, nodeType, nodeVersion, writerId, wrappedKey, sealedMetadata, encoded: data,
    hash: () => recordHash(data),
    verify: (signPublic) => verify(signPublic, concat(RECORD_LABEL, body), signature),
    openKey: (parentKey) => unwrapNodeKey(parentKey, wrappedKey, nodeId, parentId, nodeType),
    openMetadata: (parentKey) =>
      openMetadata(parentKey, sealedMetadata, nodeId, parentId, nodeType, nodeVersion),
  };
}

// Writing ------------------------------------------------------------------------------------

export function wrapNodeKey(parentKey, nodeKey, nodeId, parentId, nodeType) {
  return seal(kdf(parentKey, 1, "sbnodkey"), ObjectType.NODE_KEY, nodeKey, nodeContext(nodeId, parentId, nodeType));
}

export function sealMetadata(parentKey, metadata, nodeId, parentId, nodeType, nodeVersion) {
  if (!validName(metadata.name)) throw new Error("names are 1 to 1024 bytes, not '.' or '..', without '/'");
  const context = concat(nodeContext(nodeId, parentId, nodeType), u64(nodeVersion));
  return seal(kdf(parentKey, 1, "sbmetaky"), ObjectType.METADATA, encodeMetadata(metadata), context);
}

/** A node record signed by the writer (the seed of their Ed25519 key). */
export function makeNodeRecord(signSeed, writerId, nodeId, parentId, nodeType, nodeVersion, wrappedKey, sealedMetadata) {
  const body = concat(prefix(ObjectType.NODE_RECORD), checkId(nodeId), checkId(parentId), new Uint8Array([nodeType]),
    u64(nodeVersion), checkId(writerId), u32(wrappedKey.length), wrappedKey, u32(sealedMetadata.length), sealedMetadata);
  return concat(body, sign(signSeed, concat(RECORD_LABEL, body)));
}
