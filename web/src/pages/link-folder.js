// SPDX-License-Identifier: AGPL-3.0-or-later
// A folder of a link: each listing is verified as the owner's client does (metadata.md,
// "Listing a folder"), with the owner's bundle as the only writer and no freshness marks.

import { folderListing } from "../api/visitor.js";
import { verifyBundle } from "../crypto/identity.js";
import { b64url, hex } from "../crypto/layout.js";
import { verifyListing } from "../drive/listing.js";
import { fileRow } from "./link-file.js";
import { explain } from "./link.js";
import { el, main, showError } from "./view.js";

export async function showFolder({ linkIdText, opened, secret }) {
  const owner = verifyBundle(opened.ownerBundle, opened.ownerUsername, null);
  const writers = new Map([[hex(owner.userId), owner.signPublic]]);
  const trail = [{ id: opened.nodeId, key: secret.nodeKey, name: secret.metadata.name }];
  await render(linkIdText, trail, writers);
}

async function render(linkIdText, trail, writers) {
  const folder = trail[trail.length - 1];
  let verified;
  try {
    verified = verifyListing(await folderListing(linkIdText, b64url(folder.id)), folder, writers);
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
  const { children, withheld } = verified;
  const list = el("ul", { class: "listing", id: "listing" });
  for (const child of children) {
    if (!child.isFolder) {
      list.append(fileRow(linkIdText, child.metadata, child.key, `download-${b64url(child.record.nodeId)}`));
    } else {
      const next = { id: child.record.nodeId, key: child.key(), name: child.metadata.name };
      list.append(el("li", {}, el("button", { type: "button", class: "link", text: `${child.metadata.name}/`,
        on: { click: () => render(linkIdText, [...trail, next], writers) } })));
    }
  }
  if (!children.length) list.append(el("li", { class: "meta", text: "This folder is empty." }));
  main().replaceChildren(el("h1", { text: folder.name }), crumbs, list);
  if (withheld) {
    // Reported, not fatal: the rest of the folder stays reachable (metadata.md, step 7).
    list.before(el("p", { class: "error", role: "alert", id: "withheld",
      text: `The server withheld ${withheld} item${withheld === 1 ? "" : "s"} of this folder: ` +
            "they failed verification and are not shown." }));
  }
}
