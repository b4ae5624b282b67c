// SPDX-License-Identifier: AGPL-3.0-or-later
// The link visitor's routes (http-api.md §10.2): no session, the link id is the only authority.
// Requests go to this page's own origin only (connect-src 'self'); no request ever carries the
// fragment, a key or a password.

import { fromB64url } from "../crypto/layout.js";

export class HttpError extends Error {
  constructor(status, code) {
    super(`the server answered ${status}${code ? ` (${code})` : ""}`);
    this.name = "HttpError";
    this.status = status;
    this.code = code;
  }
}

export async function failure(response) {
  let code = "";
  try {
    const body = await response.json();
    code = typeof body?.error === "string" ? body.error : "";
  } catch {
    code = "";
  }
  return new HttpError(response.status, code);
}

export async function request(path, init = {}) {
  const response = await fetch(path, { credentials: "omit", cache: "no-store", referrerPolicy: "no-referrer", ...init });
  if (!response.ok) throw await failure(response);
  return response;
}

/** POST /v1/links/{id}/open: the link secret and the owner's bundle, still unauthenticated. */
export async function openLink(linkId) {
  const body = await (await request(`/v1/links/${linkId}/open`, { method: "POST" })).json();
  return {
    nodeId: fromB64url(body.node_id),
    nodeType: body.node_type,
    secret: fromB64url(body.secret),
    ownerUsername: String(body.owner_username),
    ownerBundle: fromB64url(body.owner_bundle),
  };
}

export async function folderListing(linkId, folderId) {
  const response = await request(`/v1/links/${linkId}/folders/${folderId}`, {
    headers: { Accept: "application/vnd.sealbox.listing" },
  });
  return new Uint8Array(await response.arrayBuffer());
}

/** The content object as a stream; its declared length is checked by the caller. */
export async function content(linkId, contentId) {
  return request(`/v1/links/${linkId}/contents/${contentId}`);
}
