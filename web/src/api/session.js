// SPDX-License-Identifier: AGPL-3.0-or-later
// The account's routes (http-api.md §4, §5.4, §6.3). The session token lives in this object's
// memory only: closing the tab logs out (web-client.md, "Keys in the page").

import { b64url, fromB64url } from "../crypto/layout.js";
import { request } from "./visitor.js";

const json = (body) => ({
  method: "POST",
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify(body),
});

const kdf = (wire) => ({ opslimit: wire.opslimit, memlimit: wire.memlimit, salt: fromB64url(wire.salt) });

export async function prelogin(username) {
  const body = await (await request("/v1/prelogin", json({ username }))).json();
  return { userId: fromB64url(body.user_id), serverId: fromB64url(body.server_id), params: kdf(body.kdf) };
}

/** POST /v1/accounts: only wraps, public keys, auth keys and signed objects (keys.md, step 6). */
export async function signup(account) {
  await request("/v1/accounts", json(account));
}

/** POST /v1/recovery: the user id and the recovery wrap, still unauthenticated (keys.md, "Recovery"). */
export async function recoveryStart(username, recoveryAuthKey) {
  const body = await (await request("/v1/recovery", json({ username, recovery_auth_key: b64url(recoveryAuthKey) }))).json();
  return { userId: fromB64url(body.user_id), recoveryWrap: fromB64url(body.recovery_wrap) };
}

/** POST /v1/recovery-reset: the new password's auth key and wrap, under the recovery auth key. */
export async function recoveryReset(reset) {
  await request("/v1/recovery-reset", json(reset));
}

/** POST /v1/sessions with the auth key; the account's wrapped blobs, still unauthenticated. */
export async function login(username, authKey) {
  const body = await (await request("/v1/sessions", json({ username, auth_key: b64url(authKey) }))).json();
  const a = body.account;
  return {
    api: new SessionApi(body.token, body.session_id),
    account: {
      userId: fromB64url(a.user_id),
      username: a.username,
      params: kdf(a.kdf),
      masterKeyWrap: fromB64url(a.master_key_wrap),
      privateKeysWrap: fromB64url(a.private_keys_wrap),
      identityBundle: fromB64url(a.identity_bundle),
      rootKeyWrap: fromB64url(a.root_key_wrap),
      trashKeyWrap: fromB64url(a.trash_key_wrap),
      rootId: fromB64url(a.root_id),
      trashId: fromB64url(a.trash_id),
    },
  };
}

export class SessionApi {
  #token;
  #sessionId;

  constructor(token, sessionId) {
    this.#token = token;
    this.#sessionId = sessionId;
  }

  #auth(headers = {}) {
    return { headers: { ...headers, Authorization: `Bearer ${this.#token}` } };
  }

  async folder(folderIdText) {
    const response = await request(`/v1/folders/${folderIdText}`,
      this.#auth({ Accept: "application/vnd.sealbox.listing" }));
    return new Uint8Array(await response.arrayBuffer());
  }

  content(contentIdText) {
    return request(`/v1/contents/${contentIdText}`, this.#auth());
  }

  async openUpload(upload) {
    const body = { ...upload, content_id: b64url(upload.content_id), header: b64url(upload.header) };
    return (await request("/v1/uploads", { ...json(body), ...this.#auth({ "Content-Type": "application/json" }) })).json();
  }

  async putChunk(contentIdText, index, sealed) {
    await request(`/v1/uploads/${contentIdText}/chunks/${index}`, {
      method: "PUT", body: sealed, ...this.#auth({ "Content-Type": "application/octet-stream" }),
    });
  }

  async transaction(body) {
    return (await request("/v1/transactions", { ...json(body), ...this.#auth({ "Content-Type": "application/json" }) })).json();
  }

  async createLink(body) {
    return (await request("/v1/links", { ...json(body), ...this.#auth({ "Content-Type": "application/json" }) })).json();
  }

  /** GET /v1/links: the account's links (ids, node ids, limits, downloads), never a key. */
  async links() {
    return (await request("/v1/links", this.#auth())).json();
  }

  async revokeLink(linkIdText) {
    await request(`/v1/links/${linkIdText}`, { method: "DELETE", ...this.#auth() });
  }

  /** GET /v1/nodes/{id}: the server's view of one node (its parent id only suggests a path). */
  async node(nodeIdText) {
    return (await request(`/v1/nodes/${nodeIdText}`, this.#auth())).json();
  }

  /** GET /v1/nodes/{id}/versions: the kept versions of a file, still unverified. */
  async versions(nodeIdText) {
    return (await request(`/v1/nodes/${nodeIdText}/versions`, this.#auth())).json();
  }

  /** GET /v1/notices/mine: every case that concerns this account's links, nodes or account. */
  async myNotices() {
    return (await request("/v1/notices/mine", this.#auth())).json();
  }

  /** POST /v1/notices/mine/{case_id}/counter; answers { restore_not_before, restore_not_after }. */
  async counterNotice(caseIdText, counter) {
    return (await request(`/v1/notices/mine/${caseIdText}/counter`,
      { ...json(counter), ...this.#auth({ "Content-Type": "application/json" }) })).json();
  }

  /** Any other route of the account with this session's token (api/sharing.js). */
  authed(path, init = {}) {
    return request(path, { ...init, ...this.#auth(init.headers) });
  }

  async logout() {
    await request(`/v1/sessions/${this.#sessionId}`, { method: "DELETE", ...this.#auth() }).catch(() => {});
    this.#token = null;
  }
}
