// SPDX-License-Identifier: AGPL-3.0-or-later
// Sealed objects: prefix ‖ public fields ‖ nonce(24) ‖ XChaCha20-Poly1305(plaintext), with
// AD = prefix ‖ public fields ‖ context (spec/README.md, "Sealed objects").

import { Code, IntegrityError } from "./errors.js";
import { Reader, concat, prefix } from "./layout.js";
import { NONCE_BYTES, TAG_BYTES, aeadOpen, aeadSeal, randomBytes } from "./sodium.js";

export function seal(key, objectType, plaintext, context, publicFields = new Uint8Array(0),
                     nonce = randomBytes(NONCE_BYTES)) {
  const head = concat(prefix(objectType), publicFields);
  return concat(head, nonce, aeadSeal(key, nonce, plaintext, concat(head, context)));
}

/** Parse without authenticating: the caller opens it with the context it expects. */
export function parseSealed(data, objectType, publicSize = 0) {
  const reader = new Reader(data);
  reader.prefix(objectType);
  const publicFields = reader.take(publicSize);
  const head = reader.consumed();
  const nonce = reader.take(NONCE_BYTES);
  const ciphertext = reader.rest();
  if (ciphertext.length < TAG_BYTES) {
    throw new IntegrityError(Code.MALFORMED, "sealed object is truncated");
  }
  return {
    head,
    publicFields,
    open(key, context) {
      return aeadOpen(key, nonce, ciphertext, concat(head, context));
    },
    openFixed(key, context, size) {
      const plaintext = this.open(key, context);
      if (plaintext.length !== size) {
        throw new IntegrityError(Code.MALFORMED, "sealed plaintext has the wrong length");
      }
      return plaintext;
    },
  };
}

export function openSealed(key, data, objectType, context, size) {
  return parseSealed(data, objectType).openFixed(key, context, size);
}
