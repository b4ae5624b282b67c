// SPDX-License-Identifier: AGPL-3.0-or-later
// Upload-only drop links (spec/sharing.md, "Drop links"): the uploader seals a file key and
// metadata to the link's X25519 public key; only the owner can open what was dropped.

import { Code, InputError, IntegrityError } from "./errors.js";
import { ID_BYTES, ObjectType, Reader, b64url, bytesEqual, checkId, concat, fromB64url, prefix } from "./layout.js";
import { openSealed, seal } from "./sealed.js";
import { PUBLIC_BYTES, boxPublicFromSecret, boxSeal, boxSealOpen, kdf } from "./sodium.js";
import { NodeType, decodeMetadata, encodeMetadata } from "./tree.js";

export const dropFragment = (dropPublic) => "d" + b64url(dropPublic);

/** The drop public key from the text after `#`; damage is an input error. */
export function parseDropFragment(fragment) {
  let raw = null;
  try {
    raw = fragment.startsWith("d") ? fromB64url(fragment.slice(1)) : null;
  } catch {
    raw = null;
  }
  if (!raw || raw.length !== PUBLIC_BYTES) throw new InputError("the drop link's key part (after #) is damaged or incomplete");
  return raw;
}

export function unwrapDropSecret(folderKey, wrap, dropId, folderId, dropPublic) {
  const context = concat(checkId(dropId), checkId(folderId), dropPublic);
  const secret = openSealed(kdf(folderKey, 1, "sbdropky"), wrap, ObjectType.DROP_KEY, context, 32);
  if (!bytesEqual(boxPublicFromSecret(secret), dropPublic)) throw new IntegrityError(Code.KEY_MISMATCH);
  return secret;
}

/** The drop secret wrapped under a folder key (after a rotation gave the folder a new one). */
export function wrapDropSecret(folderKey, secret, dropId, folderId, dropPublic) {
  const context = concat(checkId(dropId), checkId(folderId), dropPublic);
  return seal(kdf(folderKey, 1, "sbdropky"), ObjectType.DROP_KEY, secret, context);
}

export function sealDropUpload(dropPublic, dropId, fileKey, metadata, ephemeralSecret = undefined) {
  const inner = concat(checkId(dropId), fileKey, encodeMetadata(metadata));
  return concat(prefix(ObjectType.DROP_UPLOAD), dropId, boxSeal(inner, dropPublic, ephemeralSecret));
}

export function openDropUpload(dropSecret, data, dropId) {
  const reader = new Reader(data);
  reader.prefix(ObjectType.DROP_UPLOAD);
  const outerId = reader.take(ID_BYTES);
  const inner = boxSealOpen(reader.rest(), boxPublicFromSecret(dropSecret), dropSecret);
  if (inner.length < ID_BYTES + 32) throw new IntegrityError(Code.MALFORMED, "drop upload is malformed");
  if (!bytesEqual(outerId, checkId(dropId)) || !bytesEqual(inner.subarray(0, ID_BYTES), dropId)) {
    throw new IntegrityError(Code.CONTEXT_MISMATCH, "dropped through another link");
  }
  return { fileKey: inner.slice(ID_BYTES, ID_BYTES + 32), metadata: decodeMetadata(inner.subarray(ID_BYTES + 32), NodeType.FILE) };
}
