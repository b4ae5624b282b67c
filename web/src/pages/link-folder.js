// SPDX-License-Identifier: AGPL-3.0-or-later
// A folder of a link: each listing is verified as the owner's client does (metadata.md,
// "Listing a folder"), with the owner's bundle as the only writer and no freshness marks.

import { folderListing } from "../api/visitor.js";
import { parseListing } from "../api/listing.js";
import { Code, IntegrityError } from "../crypto/errors.js";
import { verifyBundle } from "../crypto/identity.js";
import { b64url, hex } from "../crypto/layout.js";
import { reconcile, verifyManifest } from "../crypto/manifest.js";
import { NodeType } from "../crypto/tree.js";
import { fileRow } from "./link-file.js";
import { explain } from "./link.js";
import { el, main, showError } from "./view.js";

/** The verified children of one folder: [{ record, key, metadata }], folders first, by name. */
async function verifiedChildren(linkIdText, folder, writers) {
  const listing = parseListing(await folderListing(linkIdText, b64url(folder.id)));
  const manifest = verifyManifest(listing.manifest, folder.id, writers);
  const reconciled = reconcile(manifest, listing.children.map((c) => c.record));
  if (reconciled.withheld.length) {
    throw new IntegrityError(Code.CONTEXT_MISMATCH, "the server withheld children the manifest lists");
  }
  const children = reconciled.records.map((record) => {
    const signer = writers.get(hex(record.writerId));
    if (!signer) throw new IntegrityError(Code.BAD_SIGNATURE, "written by someone who may not write here");
    record.verify(signer);
    return { record, key: record.openKey(folder.key), metadata: record.openMetadata(folder.key) };
  });
  return children.sort((a, b) =>
    a.record.nodeType - b.record.nodeType || a.metadata.name.localeCompare(b.metadata.name));
}

export async function showFolder({ linkIdText, opened, secret }) {
  const owner = verifyBundle(opened.ownerBundle, opened.ownerUsername, null);
  const writers = new Map([[hex(owner.userId), owner.signPublic]]);
  const trail = [{ id: opened.nodeId, key: secret.nodeKey, name: secret.metadata.name }];
  await render(linkIdText, trail, writers);
}

async function render(linkIdText, trail, writers) {
  const folder = trail[trail.length - 1];
  let children;
  try {
    children = await verifiedChildren(linkIdText, folder, writers);
  } catch (error) {
    main().replaceChildren(el("h1", { text: folder.name }));
    main().append(el("p", { id: "status" }));
    showError(explain(error));
    return;
  }
  const crumbs = el("nav", { class: "crumbs", "aria-label": "Folder path" });
  trail.forEach((step, depth) => {
    if (depth) crumbs.append(" / ");
    const last = depth === trail.length - 1;
    crumbs.append(last ? el("span", { "aria-current": "page", text: step.name })
      : el("button", { type: "button", class: "link", text: step.name,
          on: { click: () => render(linkIdText, trail.slice(0, depth + 1), writers) } }));
  });
  const list = el("ul", { class: "listing", id: "listing" });
  for (const child of children) {
    if (child.record.nodeType === NodeType.FILE) {
      list.append(fileRow(linkIdText, child.metadata, child.key, `download-${b64url(child.record.nodeId)}`));
    } else {
      const next = { id: child.record.nodeId, key: child.key, name: child.metadata.name };
      list.append(el("li", {}, el("button", { type: "button", class: "link", text: `${child.metadata.name}/`,
        on: { click: () => render(linkIdText, [...trail, next], writers) } })));
    }
  }
  if (!children.length) list.append(el("li", { class: "meta", text: "This folder is empty." }));
  main().replaceChildren(el("h1", { text: folder.name }), crumbs, list);
}
