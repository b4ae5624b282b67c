// SPDX-License-Identifier: AGPL-3.0-or-later
// The routes of identities, contacts and shares (http-api.md §11). Every answer is still
// unauthenticated: bundles are checked against pins (drive/pins.js), envelopes and rosters
// against the pinned keys (crypto/shares.js).

import { b64url, fromB64url } from "../crypto/layout.js";

const post = (body) => ({ method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
const bytes = (text) => (text == null ? null : fromB64url(text));
const name = (text) => encodeURIComponent(text);

function shareView(v) {
  return {
    shareId: fromB64url(v.share_id), folderId: fromB64url(v.folder_id),
    ownerId: fromB64url(v.owner_id), ownerUsername: String(v.owner_username),
    recipientId: fromB64url(v.recipient_id), recipientUsername: String(v.recipient_username),
    rights: v.rights, envelope: fromB64url(v.envelope), roster: bytes(v.roster),
    members: (v.members ?? []).map((m) => ({ userId: fromB64url(m.user_id), username: String(m.username), rights: m.rights })),
  };
}

const contactView = (v) => ({ userId: fromB64url(v.user_id), username: String(v.username) });

export class SharingApi {
  constructor(sessionApi) {
    this.api = sessionApi;
  }

  async #json(path, init = {}) {
    const response = await this.api.authed(path, init);
    return response.status === 204 ? null : response.json();
  }

  /** GET /v1/users/{username}/bundle: { userId, username, bundle } as the server says. */
  async bundle(username) {
    const body = await this.#json(`/v1/users/${name(username)}/bundle`);
    return { userId: fromB64url(body.user_id), username: String(body.username), bundle: fromB64url(body.identity_bundle) };
  }

  async contacts() {
    const body = await this.#json("/v1/contacts");
    return { incoming: body.incoming.map(contactView), outgoing: body.outgoing.map(contactView),
             accepted: body.accepted.map(contactView) };
  }

  invite(username) {
    return this.#json("/v1/contacts", post({ username }));
  }

  accept(username) {
    return this.#json(`/v1/contacts/${name(username)}/accept`, { method: "POST" });
  }

  async shares() {
    const body = await this.#json("/v1/shares");
    return { outgoing: body.outgoing.map(shareView), incoming: body.incoming.map(shareView) };
  }

  /** GET /v1/rosters: this account's own stored rosters, hex folder id -> bytes (unchecked). */
  async rosters() {
    const body = await this.#json("/v1/rosters");
    return new Map(body.rosters.map((r) => [b64url(fromB64url(r.folder_id)), fromB64url(r.roster)]));
  }

  createShare({ shareId, folderId, recipientId, rights, envelope, roster }) {
    return this.#json("/v1/shares", post({
      share_id: b64url(shareId), folder_id: b64url(folderId), recipient_id: b64url(recipientId),
      rights, envelope: b64url(envelope), roster: b64url(roster),
    }));
  }

  /** DELETE /v1/shares/{id}: a member leaving a share (the owner's unshare rotates keys first). */
  leave(shareId) {
    return this.#json(`/v1/shares/${b64url(shareId)}`, { method: "DELETE" });
  }

  /** DELETE /v1/shares/{id} by the owner: the member is refused from now on (step 1 of a removal). */
  endShare(shareId) {
    return this.#json(`/v1/shares/${b64url(shareId)}`, { method: "DELETE" });
  }

  /** PUT /v1/rosters/{folder}: a roster and, in the same transaction, members' new envelopes. */
  setRoster(folderId, roster, envelopes) {
    const body = { roster: b64url(roster),
                   envelopes: envelopes.map(([shareId, envelope]) => ({ share_id: b64url(shareId), envelope: b64url(envelope) })) };
    return this.#json(`/v1/rosters/${b64url(folderId)}`, { ...post(body), method: "PUT" });
  }

  /** GET /v1/drops: the account's drop links, each with its key wrap (checked by the caller). */
  async drops() {
    const body = await this.#json("/v1/drops");
    return body.drops.map((d) => ({ dropId: fromB64url(d.drop_id), folderId: fromB64url(d.folder_id),
                                    publicKey: fromB64url(d.public_key), keyWrap: fromB64url(d.key_wrap) }));
  }

  /** PUT /v1/drops/{id}/key: the drop secret wrapped under its folder's key now. */
  rewrapDrop(dropId, keyWrap) {
    return this.#json(`/v1/drops/${b64url(dropId)}/key`, { ...post({ key_wrap: b64url(keyWrap) }), method: "PUT" });
  }

  async sharedFolder(shareId, folderId) {
    const response = await this.api.authed(`/v1/shares/${b64url(shareId)}/folders/${b64url(folderId)}`,
      { headers: { Accept: "application/vnd.sealbox.listing" } });
    return new Uint8Array(await response.arrayBuffer());
  }

  sharedContent(shareId, contentIdText) {
    return this.api.authed(`/v1/shares/${b64url(shareId)}/contents/${contentIdText}`);
  }

  /** A write member's routes into one share (the SDK's ShareApi), for drive/upload.js. */
  writer(shareId) {
    return new ShareWriteApi(this.api, shareId);
  }
}

/**
 * Uploads and transactions of a write member in a shared folder (http-api.md §11.4): the upload
 * is opened through the share (the owner's quota applies), its chunks go to the member's own
 * upload as usual, and the transaction goes through the share.
 */
export class ShareWriteApi {
  constructor(sessionApi, shareId) {
    this.api = sessionApi;
    this.base = `/v1/shares/${b64url(shareId)}`;
  }

  async #post(path, body) {
    const response = await this.api.authed(path, { method: "POST", headers: { "Content-Type": "application/json" },
                                                   body: JSON.stringify(body) });
    return response.json();
  }

  openUpload(upload) {
    return this.#post(`${this.base}/uploads`, { ...upload, content_id: b64url(upload.content_id), header: b64url(upload.header) });
  }

  putChunk(contentIdText, index, sealed) {
    return this.api.putChunk(contentIdText, index, sealed);
  }

  transaction(body) {
    return this.#post(`${this.base}/transactions`, body);
  }
}
