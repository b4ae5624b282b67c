// SPDX-License-Identifier: AGPL-3.0-or-later
// The recovery key (spec/keys.md, "Recovery key"): its wrap of the master key, its auth key and
// its text form (base32 of the key and a 3-byte checksum, in groups of four).

import { InputError } from "./errors.js";
import { ObjectType, checkId, concat, utf8 } from "./layout.js";
import { openSealed } from "./sealed.js";
import { blake2b, equal, kdf } from "./sodium.js";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const CHECKSUM_LABEL = utf8("sealbox recovery key v1\0");
const TEXT_LENGTH = 56;

export const recoveryAuthKey = (recoveryKey) => kdf(recoveryKey, 2, "sbrkauth");

export function unwrapMasterKeyWithRecovery(recoveryKey, wrap, userId) {
  return openSealed(kdf(recoveryKey, 1, "sbrkwrap"), wrap, ObjectType.RECOVERY_WRAP, checkId(userId), 32);
}

const checksum = (secret) => blake2b(concat(CHECKSUM_LABEL, secret)).slice(0, 3);

export function formatRecoveryKey(recoveryKey) {
  const data = concat(recoveryKey, checksum(recoveryKey));
  let text = "";
  for (let bit = 0; bit < data.length * 8; bit += 5) {
    const byte = bit >> 3;
    const word = (data[byte] << 8) | (data[byte + 1] ?? 0);
    text += ALPHABET[(word >> (11 - (bit & 7))) & 31];
  }
  return text.match(/.{4}/g).join("-");
}

/** Any case, spaces and hyphens; a typo fails the checksum (an input error, not an integrity one). */
export function parseRecoveryKey(text) {
  const compact = text.replace(/[\s-]/g, "").toUpperCase();
  if (compact.length !== TEXT_LENGTH || [...compact].some((c) => !ALPHABET.includes(c))) {
    throw new InputError("a recovery key has 56 letters A-Z and digits 2-7");
  }
  const raw = new Uint8Array(35);
  let value = 0;
  let bits = 0;
  let index = 0;
  for (const char of compact) {
    value = ((value << 5) | ALPHABET.indexOf(char)) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      raw[index++] = (value >> bits) & 0xff;
    }
  }
  const secret = raw.slice(0, 32);
  if (!equal(checksum(secret), raw.slice(32))) {
    throw new InputError("the recovery key has a typo: its checksum does not match");
  }
  return secret;
}
