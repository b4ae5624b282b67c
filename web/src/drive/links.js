// SPDX-License-Identifier: AGPL-3.0-or-later
// Making and revoking links (spec/sharing.md, "Links"; http-api.md §10.1). The link key is made
// here and goes only into the URL's fragment; the server gets the sealed link secret.

import { ObjectType, b64url, concat } from "../crypto/layout.js";
import { plainFragment } from "../crypto/links.js";
import { seal } from "../crypto/sealed.js";
import { kdf, randomBytes } from "../crypto/sodium.js";
import { encodeMetadata } from "../crypto/tree.js";

/** child = a verified child of a listing (drive/listing.js). Returns { url, linkIdText }. */
export async function createLink(api, child, origin) {
  const linkId = randomBytes(16);
  const linkKey = randomBytes(32);
  const nodeId = child.record.nodeId;
  // The snapshot: the node's key and its metadata as it is now, without its trash origin.
  const snapshot = encodeMetadata({ ...child.metadata, trashedFrom: null });
  const plaintext = concat(new Uint8Array([child.record.nodeType]), child.key(), snapshot);
  const secret = seal(kdf(linkKey, 1, "sblinkky"), ObjectType.LINK_SECRET, plaintext, concat(linkId, nodeId));
  const linkIdText = b64url(linkId);
  await api.createLink({ link_id: linkIdText, node_id: b64url(nodeId), secret: b64url(secret) });
  return { url: `${origin}/l/${linkIdText}#${plainFragment(linkKey)}`, linkIdText };
}
