// SPDX-License-Identifier: AGPL-3.0-or-later
// The drop uploader's routes (http-api.md §12.2): no session, the drop id is the only authority.
// No route lists or returns anything stored; the drop's public key (the link's fragment) never
// leaves the page: only what is sealed to it is sent.

import { b64url } from "../crypto/layout.js";
import { request } from "./visitor.js";

const json = (body) => ({ method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });

/** The same calls as a session's uploads (SessionApi.openUpload/putChunk), through one drop. */
export class DropApi {
  constructor(dropIdText) {
    this.base = `/v1/drops/${dropIdText}`;
  }

  async openUpload(upload) {
    const body = { ...upload, content_id: b64url(upload.content_id), header: b64url(upload.header) };
    return (await request(`${this.base}/uploads`, json(body))).json();
  }

  async putChunk(contentIdText, index, sealed) {
    await request(`${this.base}/uploads/${contentIdText}/chunks/${index}`, {
      method: "PUT", body: sealed, headers: { "Content-Type": "application/octet-stream" },
    });
  }

  /** POST /v1/drops/{id}/files: the finished upload and its drop upload object. */
  async deliver(contentId, sealed) {
    await request(`${this.base}/files`, json({ content_id: b64url(contentId), sealed: b64url(sealed) }));
  }
}
