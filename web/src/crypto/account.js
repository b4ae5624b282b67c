// SPDX-License-Identifier: AGPL-3.0-or-later
// The account's keys at login (spec/keys.md): derived salt, password keys, the password wrap,
// the private-keys wrap and the top-folder keys.

import { Code, InputError, IntegrityError } from "./errors.js";
import { ObjectType, bytesEqual, checkId, concat, utf8 } from "./layout.js";
import { PARAMS_BYTES, encodeParams, stretch } from "./password.js";
import { parseSealed } from "./sealed.js";
import { blake2b, boxPublicFromSecret, kdf, signPublicFromSeed } from "./sodium.js";

const SALT_LABEL = utf8("sealbox password salt v1\0");

export function deriveSalt(serverId, username) {
  if (serverId.length !== 16) throw new IntegrityError(Code.MALFORMED, "the server id is not 16 bytes");
  if (!username) throw new InputError("the username is empty");
  return blake2b(concat(SALT_LABEL, serverId, utf8(username))).slice(0, 16);
}

/** The auth key (sent to log in) and the KEK (kept), after the parameter check. */
export function passwordKeys(password, params, derive = stretch) {
  const root = derive(password, params);
  return { authKey: kdf(root, 1, "sbpwauth"), kek: kdf(root, 2, "sbpwkek_") };
}

export function unwrapMasterKey(kek, wrap, params, userId) {
  const sealed = parseSealed(wrap, ObjectType.PASSWORD_WRAP, PARAMS_BYTES);
  if (!bytesEqual(sealed.publicFields, encodeParams(params))) {
    throw new IntegrityError(Code.CONTEXT_MISMATCH, "KDF parameters differ from the wrap's");
  }
  return sealed.openFixed(kek, checkId(userId), 32);
}

/** The identity secrets, checked against the public keys of the account's verified bundle. */
export function unwrapPrivateKeys(masterKey, wrap, userId, signPublic, boxPublic) {
  const context = concat(checkId(userId), signPublic, boxPublic);
  const secrets = parseSealed(wrap, ObjectType.PRIVATE_KEYS).openFixed(kdf(masterKey, 1, "sbprivky"), context, 64);
  const signSeed = secrets.slice(0, 32);
  const boxSecret = secrets.slice(32);
  if (!bytesEqual(signPublicFromSeed(signSeed), signPublic) || !bytesEqual(boxPublicFromSecret(boxSecret), boxPublic)) {
    throw new IntegrityError(Code.KEY_MISMATCH);
  }
  return { signSeed, boxSecret };
}

// Device names (spec/keys.md, "Device names") -----------------------------------------------

export const DEVICE_NAME_BYTES = 128;

/** A session's device name, sealed for this account and session; throws for anything else. */
export function openDeviceName(masterKey, sealed, userId, sessionId) {
  const context = concat(checkId(userId), checkId(sessionId));
  const padded = parseSealed(sealed, ObjectType.DEVICE_NAME)
    .openFixed(kdf(masterKey, 1, "sbdevnam"), context, DEVICE_NAME_BYTES);
  let end = padded.length;
  while (end > 0 && padded[end - 1] === 0) end -= 1;
  const raw = padded.subarray(0, end);
  let name;
  try {
    name = new TextDecoder("utf-8", { fatal: true }).decode(raw);
  } catch {
    throw new IntegrityError(Code.MALFORMED, "a device name that is not UTF-8");
  }
  if (raw.length === 0 || raw.includes(0)) {
    throw new IntegrityError(Code.MALFORMED, "a device name that is empty or holds NUL");
  }
  return name;
}
