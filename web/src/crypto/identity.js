// SPDX-License-Identifier: AGPL-3.0-or-later
// Identity bundles (spec/keys.md, "Identity bundle"): what a link visitor needs to check the
// owner's signatures on a linked folder.

import { Code, IntegrityError } from "./errors.js";
import { ID_BYTES, ObjectType, Reader, bytesEqual, concat, utf8 } from "./layout.js";
import { PUBLIC_BYTES, SIGNATURE_BYTES, blake2b, verify } from "./sodium.js";

const BUNDLE_LABEL = utf8("sealbox identity bundle v1\0");
const ROTATION_LABEL = utf8("sealbox identity rotation v1\0");
const ZERO_KEY = new Uint8Array(PUBLIC_BYTES);
const ZERO_SIGNATURE = new Uint8Array(SIGNATURE_BYTES);

/** Verify a bundle fetched for `username`; `pinned` is {userId, signPublic, bundleVersion} or null. */
export function verifyBundle(data, username, pinned = null) {
  const reader = new Reader(data);
  reader.prefix(ObjectType.IDENTITY_BUNDLE);
  const userId = reader.take(ID_BYTES);
  const bundleVersion = reader.u64();
  const created = reader.u64();
  const signPublic = reader.take(PUBLIC_BYTES);
  const boxPublic = reader.take(PUBLIC_BYTES);
  const previous = reader.take(PUBLIC_BYTES);
  const name = reader.take(reader.u8());
  const body = reader.consumed();
  const signature = reader.take(SIGNATURE_BYTES);
  const endorsement = reader.take(SIGNATURE_BYTES);
  reader.end();
  if (!bytesEqual(name, utf8(username))) {
    throw new IntegrityError(Code.CONTEXT_MISMATCH, "the bundle names another user");
  }
  verify(signPublic, concat(BUNDLE_LABEL, body), signature);
  const rotated = !bytesEqual(previous, ZERO_KEY);
  if (rotated) verify(previous, concat(ROTATION_LABEL, body), endorsement);
  else if (!bytesEqual(endorsement, ZERO_SIGNATURE)) {
    throw new IntegrityError(Code.MALFORMED, "an endorsement without a previous key");
  }
  const bundle = { userId, username, bundleVersion, created, signPublic, boxPublic,
                   previousSignPublic: rotated ? previous : null };
  if (!pinned) return bundle;
  if (!bytesEqual(userId, pinned.userId)) {
    throw new IntegrityError(Code.KEY_CHANGED, "the bundle belongs to another account");
  }
  if (bytesEqual(signPublic, pinned.signPublic)) {
    if (bundleVersion < pinned.bundleVersion) throw new IntegrityError(Code.ROLLBACK);
    return bundle;
  }
  if (!bytesEqual(previous, pinned.signPublic) || bundleVersion <= pinned.bundleVersion) {
    throw new IntegrityError(Code.KEY_CHANGED);
  }
  return bundle;
}

const SAFETY_LABEL = utf8("sealbox safety number v1\0");

function fingerprintDigits(userId, signPublic) {
  const digest = blake2b(concat(SAFETY_LABEL, userId, signPublic), null, 30);
  let digits = "";
  for (let i = 0; i < 30; i += 5) {
    let value = 0;
    for (let j = 0; j < 5; j++) value = value * 256 + digest[i + j];
    digits += String(value % 100000).padStart(5, "0");
  }
  return digits;
}

/** Sixty digits two users compare out of band (sharing.md, "Safety numbers"). */
export function safetyNumber(a, b) {
  const digits = [fingerprintDigits(a.userId, a.signPublic), fingerprintDigits(b.userId, b.signPublic)].sort().join("");
  return digits.match(/.{5}/g).join(" ");
}
