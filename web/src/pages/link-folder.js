// SPDX-License-Identifier: AGPL-3.0-or-later
// A folder of a link: each listing is verified as the owner's client does (metadata.md,
// "Listing a folder"), with the owner's bundle as the only writer and no freshness marks
// (a visitor keeps no state about the tree: sharing.md, "Link visitors and writers").

import { content, folderListing } from "../api/visitor.js";
import { verifyBundle } from "../crypto/identity.js";
import { b64url, hex } from "../crypto/layout.js";
import { verifyListing } from "../drive/listing.js";
import { RemovalCheck } from "../drive/removals.js";
import { publicDecision } from "../api/compliance.js";
import { showFolderView } from "./folder-view.js";

export async function showFolder({ linkIdText, opened, secret }) {
  const owner = verifyBundle(opened.ownerBundle, opened.ownerUsername, null);
  const writers = new Map([[hex(owner.userId), owner.signPublic]]);
  const trail = [{ id: opened.nodeId, key: secret.nodeKey, name: secret.metadata.name }];
  const removals = new RemovalCheck(publicDecision); // not the visitor's drive: no notices of its own
  const list = async (folder) => {
    const verified = verifyListing(await folderListing(linkIdText, b64url(folder.id)), folder, writers);
    return removals.confirm(verified, verified.claims);
  };
  await showFolderView(trail, list, (id) => content(linkIdText, id));
}
