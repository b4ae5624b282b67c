// SPDX-License-Identifier: AGPL-3.0-or-later
// Content objects: STREAM over AES-256-GCM with a committed header (spec/object-format.md).
// The reader checks the header against authenticated metadata and the commitment before any
// chunk is opened, and takes each chunk's index and final flag from its own count.

import { Code, IntegrityError } from "./errors.js";
import { FORMAT_VERSION, ID_BYTES, MAGIC, ObjectType, Reader, bytesEqual, checkId, concat,
         prefix, u32, utf8 } from "./layout.js";
import { aesKey, aesOpen, aesSeal, blake2b, equal, kdf, keyedBlake3, randomBytes } from "./sodium.js";

export const NONCE_PREFIX_BYTES = 7;
export const COMMITMENT_BYTES = 32;
export const HEADER_BYTES = 6 + ID_BYTES + 4 + NONCE_PREFIX_BYTES + COMMITMENT_BYTES;
export const TAG_BYTES = 16;
export const SEGMENT_CHUNKS = 4096;
export const MAX_CHUNKS = 2 ** 32;
/** The API's chunk-count limit (http-api.md §9): a larger claim is refused before any work. */
export const API_MAX_CHUNKS = 2 ** 24;
const MIN_CHUNK_SIZE = 4096;
const MAX_CHUNK_SIZE = 16 * 1024 * 1024;
const COMMITMENT_LABEL = utf8("sealbox content commitment v1\0");
const RETIRED = new Uint8Array([...MAGIC, FORMAT_VERSION, 0x09]);

export function chunkCount(size, chunkSize) {
  return Math.max(1, Math.ceil(size / chunkSize));
}

function validChunkSize(size) {
  return size >= MIN_CHUNK_SIZE && size <= MAX_CHUNK_SIZE && (size & (size - 1)) === 0;
}

export function contentKeys(fileKey) {
  const commitKey = kdf(fileKey, 2, "sbcommit");
  return {
    contentKey: kdf(fileKey, 1, "sbcontnt"),
    commitment: (committed) => blake2b(concat(COMMITMENT_LABEL, committed), commitKey),
  };
}

/** A hasher of a file's plaintext, fed in pieces (spec/object-format.md, "Plaintext hash"):
 * keyed BLAKE3 under KDF(file key, 3, "sbplhash"), 32 bytes. */
export function plaintextHasher(fileKey) {
  return keyedBlake3(kdf(fileKey, 3, "sbplhash"));
}

/** The keyed hash of a whole plaintext held in memory. */
export async function plaintextHash(fileKey, plaintext) {
  const hasher = await plaintextHasher(fileKey);
  hasher.update(plaintext);
  return hasher.digest();
}

export function segmentKey(contentKey, segment) {
  return kdf(contentKey, segment, "sbaesseg");
}

/** The AES key of each chunk's segment, imported when first needed; the last one is kept. */
class Segments {
  constructor(contentKey) {
    this.contentKey = contentKey;
    this.last = null;
  }

  async key(index) {
    const segment = Math.floor(index / SEGMENT_CHUNKS);
    if (this.last?.segment !== segment) {
      this.last = { segment, key: aesKey(segmentKey(this.contentKey, segment)) };
    }
    return this.last.key;
  }
}

function nonce(noncePrefix, index, final) {
  return concat(noncePrefix, u32(index), new Uint8Array([final ? 1 : 0]));
}

export class ContentEncryptor {
  constructor(fileKey, contentId, chunkSize, noncePrefix = randomBytes(NONCE_PREFIX_BYTES)) {
    if (!validChunkSize(chunkSize)) throw new Error("chunk sizes are powers of two, 4 KiB to 16 MiB");
    const keys = contentKeys(fileKey);
    const committed = concat(prefix(ObjectType.CONTENT_HEADER), checkId(contentId), u32(chunkSize),
                             noncePrefix);
    this.chunkSize = chunkSize;
    this.noncePrefix = noncePrefix;
    this.header = concat(committed, keys.commitment(committed));
    this.headerHash = blake2b(this.header);
    this.segments = new Segments(keys.contentKey);
  }

  async encryptChunk(index, plaintext, final) {
    const size = plaintext.length;
    const fits = size === this.chunkSize || (final && (size > 0 || index === 0) && size < this.chunkSize);
    if (!fits || index < 0 || index >= MAX_CHUNKS) throw new Error("chunk has the wrong length");
    return aesSeal(await this.segments.key(index), nonce(this.noncePrefix, index, final), plaintext,
                   this.headerHash);
  }
}

export function parseHeader(data) {
  refuseRetired(data);
  const reader = new Reader(data);
  reader.prefix(ObjectType.CONTENT_HEADER);
  const contentId = reader.take(ID_BYTES);
  const chunkSize = reader.u32();
  const noncePrefix = reader.take(NONCE_PREFIX_BYTES);
  const commitment = reader.take(COMMITMENT_BYTES);
  reader.end();
  if (!validChunkSize(chunkSize)) {
    throw new IntegrityError(Code.MALFORMED, "chunk size outside the permitted set");
  }
  return { contentId, chunkSize, noncePrefix, commitment };
}

function refuseRetired(data) {
  if (bytesEqual(data.subarray(0, RETIRED.length), RETIRED)) {
    throw new IntegrityError(Code.UNSUPPORTED_VERSION,
      "the file is in the format of an earlier draft, which this client no longer reads; " +
      "upload it again");
  }
}

/** Opens one content object that authenticated metadata (or a link secret) describes. */
export class ContentDecryptor {
  constructor(fileKey, header, contentId, headerHash, size) {
    refuseRetired(header);
    if (!equal(blake2b(header), headerHash)) {
      throw new IntegrityError(Code.CONTEXT_MISMATCH, "header is not the file's header");
    }
    const parsed = parseHeader(header);
    if (!bytesEqual(parsed.contentId, contentId)) {
      throw new IntegrityError(Code.CONTEXT_MISMATCH, "header names another content id");
    }
    const keys = contentKeys(fileKey);
    if (!equal(keys.commitment(header.subarray(0, HEADER_BYTES - COMMITMENT_BYTES)), parsed.commitment)) {
      throw new IntegrityError(Code.COMMITMENT_MISMATCH);
    }
    this.segments = new Segments(keys.contentKey);
    this.headerHash = headerHash;
    this.noncePrefix = parsed.noncePrefix;
    this.chunkSize = parsed.chunkSize;
    this.size = size;
    this.chunks = chunkCount(size, parsed.chunkSize);
    if (this.chunks > MAX_CHUNKS) {
      throw new IntegrityError(Code.MALFORMED, "more chunks than a nonce can number");
    }
  }

  /** Refuse a size the API cannot serve before anything is scheduled for it (A28). */
  checkServable(objectLength = null) {
    if (this.chunks > API_MAX_CHUNKS) {
      throw new IntegrityError(Code.CONTENT_LENGTH, "more chunks than the API allows");
    }
    if (objectLength !== null && objectLength !== this.objectLength()) {
      throw new IntegrityError(Code.CONTENT_LENGTH, "the object has the wrong length");
    }
  }

  objectLength() {
    return HEADER_BYTES + this.size + TAG_BYTES * this.chunks;
  }

  chunkPlaintextSize(index) {
    if (!(index >= 0 && index < this.chunks)) throw new Error("chunk index out of range");
    return Math.min(this.chunkSize, this.size - index * this.chunkSize);
  }

  /** [start, end) of sealed chunk `index` within the content object. */
  chunkRange(index) {
    const start = HEADER_BYTES + index * (this.chunkSize + TAG_BYTES);
    return [start, start + this.chunkPlaintextSize(index) + TAG_BYTES];
  }

  async decryptChunk(index, sealed) {
    if (sealed.length !== this.chunkPlaintextSize(index) + TAG_BYTES) {
      throw new IntegrityError(Code.CHUNK_LENGTH, `chunk ${index}`);
    }
    const chunkNonce = nonce(this.noncePrefix, index, index === this.chunks - 1);
    return aesOpen(await this.segments.key(index), chunkNonce, sealed, this.headerHash);
  }
}
