// SPDX-License-Identifier: AGPL-3.0-or-later
// Making an account (spec/keys.md, "Sign-up"): every key is made here, and only wraps, public
// keys, the auth keys and signed objects leave the page.

import { recoveryAuthKey, formatRecoveryKey } from "./recovery.js";
import { ObjectType, b64url, checkId, concat, prefix, u64, utf8 } from "./layout.js";
import { makeManifest } from "./manifest.js";
import { encodeParams } from "./password.js";
import { passwordKeys } from "./account.js";
import { seal } from "./sealed.js";
import { boxPublicFromSecret, kdf, randomBytes, sign, signPublicFromSeed } from "./sodium.js";

const BUNDLE_LABEL = utf8("sealbox identity bundle v1\0");

/** Bundle version 1 (not a rotation): no previous key, no endorsement. */
export function makeFirstBundle(signSeed, boxSecret, userId, username, created) {
  const name = utf8(username);
  if (name.length < 1 || name.length > 255) throw new Error("usernames are 1 to 255 bytes");
  const body = concat(prefix(ObjectType.IDENTITY_BUNDLE), checkId(userId), u64(1), u64(created),
    signPublicFromSeed(signSeed), boxPublicFromSecret(boxSecret), new Uint8Array(32), new Uint8Array([name.length]), name);
  return concat(body, sign(signSeed, concat(BUNDLE_LABEL, body)), new Uint8Array(64));
}

function topFolder(masterKey, signSeed, userId, role) {
  const id = randomBytes(16);
  const key = randomBytes(32);
  const context = concat(userId, id, new Uint8Array([role]));
  return {
    id,
    wrap: seal(kdf(masterKey, 1, "sbtopkey"), ObjectType.TOP_FOLDER_KEY, key, context),
    manifest: makeManifest(signSeed, userId, id, 1, new Uint8Array(32), []),
  };
}

/**
 * The sign-up request for `username` with checked `params` (derived salt); returns
 * { request, recoveryText }. The recovery text is shown once and never stored.
 */
export function makeAccount(username, password, params) {
  const { authKey, kek } = passwordKeys(password, params);
  const userId = randomBytes(16);
  const masterKey = randomBytes(32);
  const recoveryKey = randomBytes(32);
  const signSeed = randomBytes(32);
  const boxSecret = randomBytes(32);
  const bundle = makeFirstBundle(signSeed, boxSecret, userId, username, Math.floor(Date.now() / 1000));
  const identityContext = concat(userId, signPublicFromSeed(signSeed), boxPublicFromSecret(boxSecret));
  const root = topFolder(masterKey, signSeed, userId, 1);
  const trash = topFolder(masterKey, signSeed, userId, 2);
  const request = {
    username,
    email: null,
    user_id: b64url(userId),
    kdf: { alg: "argon2id13", opslimit: params.opslimit, memlimit: params.memlimit, salt: b64url(params.salt) },
    auth_key: b64url(authKey),
    recovery_auth_key: b64url(recoveryAuthKey(recoveryKey)),
    master_key_wrap: b64url(seal(kek, ObjectType.PASSWORD_WRAP, masterKey, userId, encodeParams(params))),
    recovery_wrap: b64url(seal(kdf(recoveryKey, 1, "sbrkwrap"), ObjectType.RECOVERY_WRAP, masterKey, userId)),
    private_keys_wrap: b64url(seal(kdf(masterKey, 1, "sbprivky"), ObjectType.PRIVATE_KEYS, concat(signSeed, boxSecret), identityContext)),
    identity_bundle: b64url(bundle),
    root_key_wrap: b64url(root.wrap),
    trash_key_wrap: b64url(trash.wrap),
    root: { node_id: b64url(root.id), manifest: b64url(root.manifest) },
    trash: { node_id: b64url(trash.id), manifest: b64url(trash.manifest) },
  };
  return { request, recoveryText: formatRecoveryKey(recoveryKey) };
}
