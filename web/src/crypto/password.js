// SPDX-License-Identifier: AGPL-3.0-or-later
// Argon2id parameters with the floor and ceiling every client enforces (spec/keys.md).

import { Code, InputError, IntegrityError } from "./errors.js";
import { Reader, concat, u32, u64, utf8 } from "./layout.js";
import { argon2id } from "./sodium.js";

const MIB = 1024 * 1024;
export const PARAMS_BYTES = 28;

export function decodeParams(data) {
  const reader = new Reader(data);
  const params = { opslimit: reader.u32(), memlimit: reader.u64(), salt: reader.take(16) };
  reader.end();
  return params;
}

export function encodeParams(params) {
  return concat(u32(params.opslimit), u64(params.memlimit), params.salt);
}

export function checkParams({ opslimit, memlimit, salt }) {
  if (salt.length !== 16 || BigInt(memlimit) % 1024n) throw new IntegrityError(Code.MALFORMED, "KDF parameters");
  if (opslimit < 2 || memlimit < 64 * MIB) throw new IntegrityError(Code.KDF_BELOW_FLOOR);
  if (opslimit > 16 || memlimit > 2048 * MIB) throw new IntegrityError(Code.KDF_ABOVE_CEILING);
}

/** Argon2id of the NFC-normalised password, after the parameter check. */
export function stretch(password, params) {
  checkParams(params);
  if (!password) throw new InputError("the password is empty");
  return argon2id(utf8(password.normalize("NFC")), params.salt, params.opslimit, params.memlimit);
}
