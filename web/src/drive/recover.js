// SPDX-License-Identifier: AGPL-3.0-or-later
// Recovery (spec/keys.md, "Recovery key"), as the SDK's account.recover does: the recovery key
// opens the master key in this page, a new password wraps it, and the page logs in with that
// password. Only the recovery auth key (derived from the recovery key) and the new wrap and auth
// key leave the page; the recovery key itself never does.

import { prelogin, recoveryReset, recoveryStart } from "../api/session.js";
import { deriveSalt, passwordKeys } from "../crypto/account.js";
import { Code, InputError, IntegrityError } from "../crypto/errors.js";
import { ObjectType, b64url, bytesEqual } from "../crypto/layout.js";
import { checkParams, encodeParams } from "../crypto/password.js";
import { parseRecoveryKey, recoveryAuthKey, unwrapMasterKeyWithRecovery } from "../crypto/recovery.js";
import { seal } from "../crypto/sealed.js";
import { DEFAULT_COSTS, logIn, normalizeUsername, remember, remembered } from "./login.js";

/** Set `newPassword` with the recovery key's text, then log in; answers the session. */
export async function recover(rawUsername, recoveryText, newPassword) {
  const username = normalizeUsername(rawUsername);
  if (!username || !newPassword) throw new InputError("enter your username, recovery key and a new password");
  const recoveryKey = parseRecoveryKey(recoveryText);
  const recoveryAuth = recoveryAuthKey(recoveryKey);
  const found = await recoveryStart(username, recoveryAuth);
  const known = remembered(username);
  if (known && !bytesEqual(found.userId, known.userId)) {
    throw new IntegrityError(Code.CONTEXT_MISMATCH, "the server says this is another account than the one this browser knows");
  }
  const masterKey = unwrapMasterKeyWithRecovery(recoveryKey, found.recoveryWrap, found.userId);
  let serverId = known?.serverId;
  if (!serverId) {
    const answer = await prelogin(username);
    if (!bytesEqual(answer.userId, found.userId)) {
      throw new IntegrityError(Code.CONTEXT_MISMATCH, "the server changed the account mid-reset");
    }
    serverId = answer.serverId;
  }
  const params = { ...DEFAULT_COSTS, salt: deriveSalt(serverId, username) };
  checkParams(params);
  const { authKey, kek } = passwordKeys(newPassword, params);
  await recoveryReset({
    username,
    recovery_auth_key: b64url(recoveryAuth),
    kdf: { alg: "argon2id13", opslimit: params.opslimit, memlimit: params.memlimit, salt: b64url(params.salt) },
    auth_key: b64url(authKey),
    master_key_wrap: b64url(seal(kek, ObjectType.PASSWORD_WRAP, masterKey, found.userId, encodeParams(params))),
  });
  // The login below is checked against exactly what this page just set.
  remember(username, { userId: found.userId, serverId, params }, null);
  return logIn(username, newPassword);
}
