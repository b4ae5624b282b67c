// SPDX-License-Identifier: AGPL-3.0-or-later
// Login (spec/keys.md, "Login"): every check on the server's pre-login answer runs before
// anything is derived from the password, and every object the server returns is opened and
// verified before the drive is shown. The keys stay in this page's memory.

import { login, prelogin, signup } from "../api/session.js";
import { deriveSalt, passwordKeys, unwrapMasterKey, unwrapPrivateKeys } from "../crypto/account.js";
import { Code, InputError, IntegrityError } from "../crypto/errors.js";
import { verifyBundle } from "../crypto/identity.js";
import { bytesEqual, fromB64url as fromB64, fromHex, hex } from "../crypto/layout.js";
import { checkParams } from "../crypto/password.js";
import { makeAccount } from "../crypto/signup.js";
import { unwrapTopFolderKey } from "../crypto/tree.js";

/** The form the server stores and the identity bundle signs. */
export function normalizeUsername(username) {
  return username.trim().toLowerCase();
}

// Remembered account settings (keys.md): user id, server id, salt and costs, none of them secret.
// They are kept in localStorage so that a later login in this browser is checked against them.
const rememberedKey = (username) => `sealbox.account.${location.host}.${username}`;

export function remembered(username) {
  const text = globalThis.localStorage?.getItem(rememberedKey(username));
  if (!text) return null;
  const r = JSON.parse(text);
  return { userId: fromHex(r.userId), serverId: fromHex(r.serverId), salt: fromHex(r.salt), opslimit: r.opslimit, memlimit: r.memlimit };
}

export function remember(username, answer, known) {
  const serverId = known ? known.serverId : answer.serverId;
  const { opslimit, memlimit, salt } = answer.params;
  globalThis.localStorage?.setItem(rememberedKey(username), JSON.stringify({
    userId: hex(answer.userId), serverId: hex(serverId), salt: hex(salt), opslimit, memlimit,
  }));
}

/** Step 2: the pre-login answer against the floor, the ceiling and what this browser remembers. */
function checkAnswer(username, answer, known) {
  checkParams(answer.params);
  const { salt, opslimit, memlimit } = answer.params;
  if (!known) {
    if (!bytesEqual(salt, deriveSalt(answer.serverId, username))) {
      throw new IntegrityError(Code.CONTEXT_MISMATCH, "a salt this client did not derive");
    }
    return;
  }
  if (!bytesEqual(answer.userId, known.userId)) throw new IntegrityError(Code.CONTEXT_MISMATCH, "another user id");
  if (opslimit < known.opslimit || memlimit < known.memlimit) throw new IntegrityError(Code.KDF_BELOW_FLOOR);
  if (!bytesEqual(salt, known.salt) && !bytesEqual(salt, deriveSalt(known.serverId, username))) {
    throw new IntegrityError(Code.CONTEXT_MISMATCH, "another salt");
  }
}

/**
 * Log in; returns { api, userId, username, signPublic, signSeed, boxSecret, bundle, root: {id, key},
 * trash: {id, key} } (bundle: the account's own verified identity bundle, for sharing).
 */
export async function logIn(rawUsername, password) {
  const username = normalizeUsername(rawUsername);
  if (!username || !password) throw new InputError("enter your username and password");
  const answer = await prelogin(username);
  const known = remembered(username);
  checkAnswer(username, answer, known);
  const { authKey, kek } = passwordKeys(password, answer.params);
  const { api, account } = await login(username, authKey);
  const userId = answer.userId;
  if (!bytesEqual(account.userId, userId)) throw new IntegrityError(Code.CONTEXT_MISMATCH, "another account");
  const masterKey = unwrapMasterKey(kek, account.masterKeyWrap, answer.params, userId);
  const bundle = verifyBundle(account.identityBundle, username, null);
  if (!bytesEqual(bundle.userId, userId)) throw new IntegrityError(Code.CONTEXT_MISMATCH, "another bundle");
  const identity = unwrapPrivateKeys(masterKey, account.privateKeysWrap, userId, bundle.signPublic, bundle.boxPublic);
  const root = { id: account.rootId, key: unwrapTopFolderKey(masterKey, account.rootKeyWrap, userId, account.rootId, 1) };
  const trash = { id: account.trashId, key: unwrapTopFolderKey(masterKey, account.trashKeyWrap, userId, account.trashId, 2) };
  remember(username, answer, known);
  return { api, userId, username, signPublic: bundle.signPublic, signSeed: identity.signSeed,
           boxSecret: identity.boxSecret, bundle, root, trash };
}

/** The default costs of a new password (keys.md, "KDF parameters"). */
export const DEFAULT_COSTS = { opslimit: 3, memlimit: 256 * 1024 * 1024 };

/** Make the account (keys.md, "Sign-up"); returns the recovery key's text, to show once. */
export async function signUp(rawUsername, password) {
  const username = normalizeUsername(rawUsername);
  if (!username || !password) throw new InputError("choose a username and a password");
  // The answer for a name not taken yet is the server's fake: only its server id is used.
  const answer = await prelogin(username);
  const params = { ...DEFAULT_COSTS, salt: deriveSalt(answer.serverId, username) };
  checkParams(params);
  const { request, recoveryText } = makeAccount(username, password, params);
  await signup(request);
  remember(username, { userId: fromB64(request.user_id), serverId: answer.serverId, params }, null);
  return recoveryText;
}
