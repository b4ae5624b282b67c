// SPDX-License-Identifier: AGPL-3.0-or-later
// The one error type of every failed parse, open or verify (spec/README.md, "Errors"), and the
// input error of a person's typing (a damaged link, an empty password).

export class IntegrityError extends Error {
  constructor(code, detail = "") {
    const message = code.replaceAll("_", " ");
    super(detail ? `${message}: ${detail}` : message);
    this.name = "IntegrityError";
    this.code = code;
  }
}

export class InputError extends Error {
  constructor(message) {
    super(message);
    this.name = "InputError";
  }
}

export const Code = Object.freeze({
  MALFORMED: "malformed",
  BAD_MAGIC: "bad_magic",
  UNSUPPORTED_VERSION: "unsupported_version",
  WRONG_TYPE: "wrong_type",
  DECRYPT_FAILED: "decrypt_failed",
  BAD_SIGNATURE: "bad_signature",
  COMMITMENT_MISMATCH: "commitment_mismatch",
  KDF_BELOW_FLOOR: "kdf_below_floor",
  KDF_ABOVE_CEILING: "kdf_above_ceiling",
  KEY_MISMATCH: "key_mismatch",
  KEY_CHANGED: "key_changed",
  CONTEXT_MISMATCH: "context_mismatch",
  ROLLBACK: "rollback",
  FORK: "fork",
  CHUNK_LENGTH: "chunk_length",
  CONTENT_LENGTH: "content_length",
});
