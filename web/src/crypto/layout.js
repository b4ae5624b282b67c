// SPDX-License-Identifier: AGPL-3.0-or-later
// Byte layouts shared by every object: the prefix, integers, strict readers, base64url and
// canonical JSON (spec/README.md, "Conventions").

import { Code, InputError, IntegrityError } from "./errors.js";

export const MAGIC = new Uint8Array([0x53, 0x42, 0x4f, 0x58]);
export const FORMAT_VERSION = 1;
export const PREFIX_BYTES = 6;
export const ID_BYTES = 16;
export const HASH_BYTES = 32;

export const ObjectType = Object.freeze({
  PASSWORD_WRAP: 0x01,
  RECOVERY_WRAP: 0x02,
  PRIVATE_KEYS: 0x03,
  TOP_FOLDER_KEY: 0x04,
  NODE_KEY: 0x05,
  METADATA: 0x06,
  LINK_SECRET: 0x07,
  PASSWORD_LINK: 0x08,
  NODE_RECORD: 0x0a,
  MANIFEST: 0x0b,
  IDENTITY_BUNDLE: 0x0c,
  SHARE_ENVELOPE: 0x0d,
  DROP_KEY: 0x0e,
  DROP_UPLOAD: 0x0f,
  SHARE_ROSTER: 0x10,
  CONTENT_HEADER: 0x11,
  DEVICE_NAME: 0x12,
});

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder("utf-8", { fatal: true });

export function utf8(text) {
  return encoder.encode(text);
}

export function fromUtf8(bytes) {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    throw new IntegrityError(Code.MALFORMED, "not UTF-8");
  }
}

export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export function prefix(objectType) {
  return new Uint8Array([...MAGIC, FORMAT_VERSION, objectType]);
}

export function u32(value) {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value, true);
  return out;
}

export function u64(value) {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(value), true);
  return out;
}

export function bytesEqual(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function compareBytes(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

export function checkId(value) {
  if (!(value instanceof Uint8Array) || value.length !== ID_BYTES) {
    throw new Error(`ids are ${ID_BYTES} bytes`);
  }
  return value;
}

/** Reads fields off the front of an object; any shortfall is `malformed`. */
export class Reader {
  constructor(data) {
    this.data = data;
    this.offset = 0;
  }

  take(size) {
    const end = this.offset + size;
    if (size < 0 || end > this.data.length) {
      throw new IntegrityError(Code.MALFORMED, "object is truncated");
    }
    const field = this.data.subarray(this.offset, end);
    this.offset = end;
    return field;
  }

  u8() {
    return this.take(1)[0];
  }

  u32() {
    const field = this.take(4);
    return new DataView(field.buffer, field.byteOffset, 4).getUint32(0, true);
  }

  /** A u64: a Number up to 2^53 - 1, a BigInt above (compare with <, >; never with ===). */
  u64() {
    const field = this.take(8);
    const value = new DataView(field.buffer, field.byteOffset, 8).getBigUint64(0, true);
    return value > BigInt(Number.MAX_SAFE_INTEGER) ? value : Number(value);
  }

  sized(limit) {
    const size = this.u32();
    if (size > limit) throw new IntegrityError(Code.MALFORMED, "field is longer than allowed");
    return this.take(size);
  }

  prefix(expected) {
    const head = this.take(PREFIX_BYTES);
    if (!bytesEqual(head.subarray(0, 4), MAGIC)) throw new IntegrityError(Code.BAD_MAGIC);
    if (head[4] !== FORMAT_VERSION) {
      throw new IntegrityError(Code.UNSUPPORTED_VERSION, `format version ${head[4]}`);
    }
    if (head[5] !== expected) throw new IntegrityError(Code.WRONG_TYPE);
    return head;
  }

  consumed() {
    return this.data.subarray(0, this.offset);
  }

  rest() {
    const field = this.data.subarray(this.offset);
    this.offset = this.data.length;
    return field;
  }

  end() {
    if (this.offset !== this.data.length) {
      throw new IntegrityError(Code.MALFORMED, "trailing bytes after object");
    }
  }
}

// base64url without padding, decoded strictly (spec/README.md, "Binary in text").

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const VALUES = new Map([...ALPHABET].map((c, i) => [c, i]));

export function b64url(data) {
  let out = "";
  for (let i = 0; i < data.length; i += 3) {
    const n = (data[i] << 16) | ((data[i + 1] ?? 0) << 8) | (data[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((data.length - i) * 8) / 6));
    for (let j = 0; j < chars; j++) out += ALPHABET[(n >> (18 - 6 * j)) & 63];
  }
  return out;
}

/** Strict inverse of b64url: anything the encoder would not produce is an InputError. */
export function fromB64url(text) {
  if (typeof text !== "string" || text.length % 4 === 1) {
    throw new InputError("not unpadded base64url");
  }
  const out = new Uint8Array(Math.floor((text.length * 6) / 8));
  let bits = 0;
  let value = 0;
  let index = 0;
  for (const char of text) {
    const v = VALUES.get(char);
    if (v === undefined) throw new InputError("not unpadded base64url");
    value = (value << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[index++] = (value >> bits) & 0xff;
    }
  }
  if (b64url(out) !== text) throw new InputError("not canonical base64url");
  return out;
}

export function hex(data) {
  return Array.from(data, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function fromHex(text) {
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.substr(2 * i, 2), 16);
  return out;
}

// Canonical JSON: Python's json.dumps(ensure_ascii=False, separators=(",", ":"),
// sort_keys=True) in UTF-8. JSON.stringify writes the same escapes; keys are sorted here.

export function canonicalJson(value) {
  return utf8(JSON.stringify(sortKeys(value)));
}

function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const sorted = {};
    for (const key of Object.keys(value).sort()) sorted[key] = sortKeys(value[key]);
    return sorted;
  }
  if (typeof value === "string" && !value.isWellFormed()) {
    throw new IntegrityError(Code.MALFORMED, "a lone surrogate");
  }
  return value;
}

/** Parse JSON that must be an object already in canonical form; anything else is malformed. */
export function parseCanonicalJson(data) {
  let value;
  try {
    value = JSON.parse(fromUtf8(data));
  } catch {
    throw new IntegrityError(Code.MALFORMED, "metadata is not JSON");
  }
  let canonical = false;
  try {
    canonical =
      value !== null &&
      typeof value === "object" &&
      !Array.isArray(value) &&
      bytesEqual(canonicalJson(value), data);
  } catch {
    canonical = false;
  }
  if (!canonical) throw new IntegrityError(Code.MALFORMED, "metadata is not canonical JSON");
  return value;
}
