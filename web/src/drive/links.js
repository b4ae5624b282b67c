// SPDX-License-Identifier: AGPL-3.0-or-later
// Making and revoking links (spec/sharing.md, "Links", "Password links"; http-api.md §10.1). The
// link key is made here and goes only into the URL's fragment, sealed under a password when one is
// given; the server gets the sealed link secret and the limits it enforces (expiry, download limit).

import { ObjectType, b64url, concat } from "../crypto/layout.js";
import { passwordFragment, plainFragment } from "../crypto/links.js";
import { checkParams } from "../crypto/password.js";
import { seal } from "../crypto/sealed.js";
import { kdf, randomBytes } from "../crypto/sodium.js";
import { encodeMetadata } from "../crypto/tree.js";

/** The default KDF costs (keys.md, "KDF parameters"), with a random salt per link. */
const LINK_COSTS = { opslimit: 3, memlimit: 256 * 1024 * 1024 };

/**
 * child = a verified child of a listing (drive/listing.js); options = { expiresIn (seconds),
 * maxDownloads, password }, each optional. Returns { url, linkIdText }.
 */
export async function createLink(api, child, origin, options = {}) {
  const { expiresIn = null, maxDownloads = null, password = "" } = options;
  const linkId = randomBytes(16);
  const linkKey = randomBytes(32);
  const nodeId = child.record.nodeId;
  // The snapshot: the node's key and its metadata as it is now, without its trash origin.
  const snapshot = encodeMetadata({ ...child.metadata, trashedFrom: null });
  const plaintext = concat(new Uint8Array([child.record.nodeType]), child.key(), snapshot);
  const secret = seal(kdf(linkKey, 1, "sblinkky"), ObjectType.LINK_SECRET, plaintext, concat(linkId, nodeId));
  let fragment = plainFragment(linkKey);
  if (password) {
    const params = { ...LINK_COSTS, salt: randomBytes(16) };
    checkParams(params);
    fragment = passwordFragment(linkKey, linkId, password, params);
  }
  const linkIdText = b64url(linkId);
  await api.createLink({ link_id: linkIdText, node_id: b64url(nodeId), secret: b64url(secret),
                         expires_in: expiresIn, max_downloads: maxDownloads });
  return { url: `${origin}/l/${linkIdText}#${fragment}`, linkIdText };
}

/**
 * The account's links, each with the path of the node it opens, found by walking the drive from
 * the root through verified listings (`list`, drive/listing.js), as the SDK's list_links does:
 * names are opened here, the server only gives node ids. A node not found (trashed, or in a
 * folder the server withheld) has the path null. Answers [{ linkId, nodeType, path, expiresAt,
 * maxDownloads, downloads }].
 */
export async function listLinks(api, root, list) {
  const views = (await api.links()).links ?? [];
  const wanted = new Set(views.map((v) => v.node_id));
  const paths = new Map();
  const queue = [{ folder: root, path: "" }];
  while (queue.length && paths.size < wanted.size) {
    const { folder, path } = queue.shift();
    const verified = await list(folder);
    for (const child of verified.children) {
      const idText = b64url(child.record.nodeId);
      const childPath = `${path}/${child.metadata.name}`;
      if (wanted.has(idText)) paths.set(idText, childPath);
      if (child.isFolder) queue.push({ folder: { id: child.record.nodeId, key: child.key(), name: child.metadata.name }, path: childPath });
    }
  }
  return views.map((v) => ({
    linkId: v.link_id, nodeType: v.node_type, path: paths.get(v.node_id) ?? null,
    expiresAt: v.expires_at, maxDownloads: v.max_downloads, downloads: v.downloads,
  }));
}
