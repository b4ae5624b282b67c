// SPDX-License-Identifier: AGPL-3.0-or-later
// In the page: seal and open chunks with libsodium.js XChaCha20-Poly1305 and WebCrypto
// AES-256-GCM. run.mjs drives it: prepare() once per chunk size, then step() per case and
// operation, many times, reading the renderer's CPU time around each step over CDP.

import sodium from "libsodium-wrappers-sumo";

const TAG = 16;
const state = {};

function randomBytes(n) {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
}

function gcmNonce(prefix7, index, final) {
  const nonce = new Uint8Array(12);
  nonce.set(prefix7, 0);
  new DataView(nonce.buffer).setUint32(7, index, false);
  nonce[11] = final ? 1 : 0;
  return nonce;
}

function xNonce(prefix15, index, final) {
  const nonce = new Uint8Array(24);
  nonce.set(prefix15, 0);
  new DataView(nonce.buffer).setBigUint64(15, BigInt(index), true);
  nonce[23] = final ? 1 : 0;
  return nonce;
}

function equal(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// One batch = `count` chunks of `chunk` bytes, each with its own nonce (index, final flag) and the
// header hash as AD, as the content format seals them.
async function prepare(chunk, count) {
  await sodium.ready;
  const plain = [];
  for (let i = 0; i < count; i++) plain.push(randomBytes(chunk));
  const ad = randomBytes(32);
  const xKey = randomBytes(32);
  const gKeyBytes = randomBytes(32);
  const gKey = await crypto.subtle.importKey("raw", gKeyBytes, { name: "AES-GCM" }, false, [
    "encrypt",
    "decrypt",
  ]);
  const prefix15 = randomBytes(15);
  const prefix7 = randomBytes(7);
  const last = count - 1;
  const xNonces = plain.map((_, i) => xNonce(prefix15, i, i === last));
  const gNonces = plain.map((_, i) => gcmNonce(prefix7, i, i === last));
  const xSealed = plain.map((p, i) =>
    sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(p, ad, null, xNonces[i], xKey),
  );
  const gSealed = [];
  for (let i = 0; i < count; i++) {
    const params = { name: "AES-GCM", iv: gNonces[i], additionalData: ad, tagLength: 128 };
    gSealed.push(new Uint8Array(await crypto.subtle.encrypt(params, gKey, plain[i])));
  }
  // Check both round trips and that a flipped bit is refused, once, before any timing.
  for (let i = 0; i < count; i++) {
    if (xSealed[i].length !== chunk + TAG || gSealed[i].length !== chunk + TAG) {
      throw new Error("sealed length");
    }
    const xBack = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, xSealed[i], ad, xNonces[i], xKey);
    const params = { name: "AES-GCM", iv: gNonces[i], additionalData: ad, tagLength: 128 };
    const gBack = new Uint8Array(await crypto.subtle.decrypt(params, gKey, gSealed[i]));
    if (!equal(xBack, plain[i]) || !equal(gBack, plain[i])) throw new Error("round trip");
  }
  const bad = gSealed[0].slice();
  bad[5] ^= 1;
  let refused = false;
  try {
    await crypto.subtle.decrypt({ name: "AES-GCM", iv: gNonces[0], additionalData: ad }, gKey, bad);
  } catch {
    refused = true;
  }
  const xbad = xSealed[0].slice();
  xbad[5] ^= 1;
  let xRefused = false;
  try {
    sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, xbad, ad, xNonces[0], xKey);
  } catch {
    xRefused = true;
  }
  if (!refused || !xRefused) throw new Error("a forged chunk was accepted");
  Object.assign(state, { chunk, count, plain, ad, xKey, gKey, xNonces, gNonces, xSealed, gSealed });
  return {
    userAgent: navigator.userAgent,
    hardwareConcurrency: navigator.hardwareConcurrency,
    sodiumVersion: sodium.sodium_version_string(),
    secureContext: window.isSecureContext,
  };
}

function gcmParams(i) {
  return { name: "AES-GCM", iv: state.gNonces[i], additionalData: state.ad, tagLength: 128 };
}

const CASES = {
  "XChaCha20-Poly1305, libsodium.js (wasm)": {
    seal: async () => {
      const { plain, ad, xNonces, xKey } = state;
      for (let i = 0; i < plain.length; i++) {
        sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plain[i], ad, null, xNonces[i], xKey);
      }
    },
    open: async () => {
      const { xSealed, ad, xNonces, xKey } = state;
      for (let i = 0; i < xSealed.length; i++) {
        sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, xSealed[i], ad, xNonces[i], xKey);
      }
    },
  },
  "AES-256-GCM, WebCrypto, one chunk at a time": {
    seal: async () => {
      const { plain, gKey } = state;
      for (let i = 0; i < plain.length; i++) await crypto.subtle.encrypt(gcmParams(i), gKey, plain[i]);
    },
    open: async () => {
      const { gSealed, gKey } = state;
      for (let i = 0; i < gSealed.length; i++) await crypto.subtle.decrypt(gcmParams(i), gKey, gSealed[i]);
    },
  },
  "AES-256-GCM, WebCrypto, 4 chunks in flight": {
    seal: async () => {
      const { plain, gKey } = state;
      for (let i = 0; i < plain.length; i += 4) {
        const batch = [];
        for (let j = i; j < Math.min(i + 4, plain.length); j++) {
          batch.push(crypto.subtle.encrypt(gcmParams(j), gKey, plain[j]));
        }
        await Promise.all(batch);
      }
    },
    open: async () => {
      const { gSealed, gKey } = state;
      for (let i = 0; i < gSealed.length; i += 4) {
        const batch = [];
        for (let j = i; j < Math.min(i + 4, gSealed.length); j++) {
          batch.push(crypto.subtle.decrypt(gcmParams(j), gKey, gSealed[j]));
        }
        await Promise.all(batch);
      }
    },
  },
};

// One timed step: a whole batch of one case and operation, timed in the page (wall clock); the
// runner reads the renderer's CPU time around it.
async function step(caseName, op) {
  const fn = CASES[caseName][op];
  const start = performance.now();
  await fn();
  const ms = performance.now() - start;
  return { ms };
}

window.cipherBench = { prepare, step, cases: Object.keys(CASES) };
document.getElementById("status").textContent = "ready";
