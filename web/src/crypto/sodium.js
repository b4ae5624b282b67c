// SPDX-License-Identifier: AGPL-3.0-or-later
// The ONE wrapper around every primitive the client uses (spec/README.md, "Errors", rule 1;
// spec/web-client.md, "Keys in the page"). libsodium.js returns false from
// crypto_sign_verify_detached and memcmp, and WebCrypto rejects a promise: every failure here
// throws IntegrityError, and no other module may call libsodium or crypto.subtle directly
// (web/test/wrapper.mjs checks that).

import { createBLAKE3 } from "hash-wasm";
import sodium from "libsodium-wrappers-sumo";
import { Code, IntegrityError } from "./errors.js";

export const KEY_BYTES = 32;
export const NONCE_BYTES = 24;
export const TAG_BYTES = 16;
export const SIGNATURE_BYTES = 64;
export const PUBLIC_BYTES = 32;

let loaded = null;

/** Resolves once libsodium's WebAssembly is compiled; every other call needs it. */
export function ready() {
  loaded ??= sodium.ready;
  return loaded;
}

export function randomBytes(size) {
  const out = new Uint8Array(size);
  globalThis.crypto.getRandomValues(out);
  return out;
}

export function blake2b(message, key = null, size = 32) {
  return sodium.crypto_generichash(size, message, key);
}

/**
 * Keyed BLAKE3 with a 32-byte key and a 32-byte output, fed in pieces: `update(bytes)`, then
 * `digest()`. The plaintext hash's function (spec/object-format.md, "Plaintext hash"), through
 * hash-wasm's WebAssembly build of the BLAKE3 team's C code (docs/decisions/2005).
 */
export async function keyedBlake3(key) {
  if (key.length !== KEY_BYTES) throw new Error("keyed BLAKE3 takes a 32-byte key");
  const state = await createBLAKE3(256, key);
  state.init();
  return {
    update(message) {
      state.update(message);
    },
    digest: () => state.digest("binary"),
  };
}

/** KDF(K, id, ctx) of spec/README.md, "Subkey derivation". */
export function kdf(key, id, context) {
  if (key.length !== KEY_BYTES || context.length !== 8) {
    throw new Error("KDF takes a 32-byte key and an 8-byte context");
  }
  return sodium.crypto_kdf_derive_from_key(KEY_BYTES, id, context, key);
}

export function argon2id(password, salt, opslimit, memlimit) {
  return sodium.crypto_pwhash(
    KEY_BYTES,
    password,
    salt,
    opslimit,
    memlimit,
    sodium.crypto_pwhash_ALG_ARGON2ID13,
  );
}

/** Constant-time comparison; unequal lengths are simply unequal. */
export function equal(a, b) {
  return a.length === b.length && sodium.memcmp(a, b);
}

export function aeadSeal(key, nonce, plaintext, ad) {
  return sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, ad, null, nonce, key);
}

export function aeadOpen(key, nonce, ciphertext, ad) {
  let plaintext;
  try {
    plaintext = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, ciphertext, ad, nonce, key);
  } catch {
    throw new IntegrityError(Code.DECRYPT_FAILED);
  }
  if (!(plaintext instanceof Uint8Array)) throw new IntegrityError(Code.DECRYPT_FAILED);
  return plaintext;
}

export function signPublicFromSeed(seed) {
  return sodium.crypto_sign_seed_keypair(seed).publicKey;
}

export function boxPublicFromSecret(secret) {
  return sodium.crypto_scalarmult_base(secret);
}

/**
 * crypto_box_seal with the ephemeral secret given by the caller (spec/README.md, "Primitives"):
 * nonce = BLAKE2b-192(epk ‖ pk), output = epk ‖ crypto_box(m, nonce, pk, esk).
 */
export function boxSeal(message, publicKey, ephemeralSecret = randomBytes(KEY_BYTES)) {
  const ephemeralPublic = sodium.crypto_scalarmult_base(ephemeralSecret);
  const nonce = blake2b(new Uint8Array([...ephemeralPublic, ...publicKey]), null, 24);
  const box = sodium.crypto_box_easy(message, nonce, publicKey, ephemeralSecret);
  const out = new Uint8Array(ephemeralPublic.length + box.length);
  out.set(ephemeralPublic);
  out.set(box, ephemeralPublic.length);
  return out;
}

export function boxSealOpen(sealed, publicKey, secretKey) {
  try {
    return sodium.crypto_box_seal_open(sealed, publicKey, secretKey);
  } catch {
    throw new IntegrityError(Code.DECRYPT_FAILED);
  }
}

/** Ed25519 signature of `message` with the key pair of a 32-byte seed. */
export function sign(seed, message) {
  return sodium.crypto_sign_detached(message, sodium.crypto_sign_seed_keypair(seed).privateKey);
}

/** Ed25519 verification that throws: the bare primitive answers false to a forgery. */
export function verify(publicKey, message, signature) {
  let ok = false;
  try {
    ok =
      publicKey.length === PUBLIC_BYTES &&
      signature.length === SIGNATURE_BYTES &&
      sodium.crypto_sign_verify_detached(signature, message, publicKey) === true;
  } catch {
    ok = false;
  }
  if (!ok) throw new IntegrityError(Code.BAD_SIGNATURE);
}

// AES-256-GCM for content chunks (spec/object-format.md), through WebCrypto.

const GCM = "AES-GCM";

export function aesKey(rawKey) {
  return globalThis.crypto.subtle.importKey("raw", rawKey, { name: GCM }, false, [
    "encrypt",
    "decrypt",
  ]);
}

export async function aesSeal(key, nonce, plaintext, ad) {
  const sealed = await globalThis.crypto.subtle.encrypt(
    { name: GCM, iv: nonce, additionalData: ad, tagLength: 128 },
    key,
    plaintext,
  );
  return new Uint8Array(sealed);
}

/** WebCrypto rejects and returns nothing on a bad tag, so no unauthenticated byte is released. */
export async function aesOpen(key, nonce, sealed, ad) {
  try {
    const plaintext = await globalThis.crypto.subtle.decrypt(
      { name: GCM, iv: nonce, additionalData: ad, tagLength: 128 },
      key,
      sealed,
    );
    return new Uint8Array(plaintext);
  } catch {
    throw new IntegrityError(Code.DECRYPT_FAILED);
  }
}
