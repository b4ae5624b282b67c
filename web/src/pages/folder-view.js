// SPDX-License-Identifier: AGPL-3.0-or-later
// A verified folder with breadcrumbs, shared by the folder link page and the drive.

import { b64url } from "../crypto/layout.js";
import { fileRow } from "./link-file.js";
import { explain } from "./messages.js";
import { folderTile, gridToggle, lazyTiles, thumbnailTile } from "./thumbnail-grid.js";
import { el, main, showError } from "./view.js";

/**
 * trail: [{ id, key, name }] from the top to the folder shown; list(folder) answers the
 * verified listing (drive/listing.js); fetchContent(contentIdText) a content object's Response;
 * extras.toolbar(folder, verified, reload) answers controls shown above the listing, and
 * extras.rowActions(child, view) controls added to a child's row, with
 * view = { folder, verified, trail, reload }, and extras.removedActions(view) controls shown under
 * the removed items (all optional).
 */
export async function showFolderView(trail, list, fetchContent, extras = {}) {
  const { toolbar = null, rowActions = null } = extras;
  const folder = trail[trail.length - 1];
  let verified;
  try {
    verified = await list(folder);
  } catch (error) {
    main().replaceChildren(el("h1", { text: folder.name }), el("p", { id: "status" }));
    showError(explain(error));
    return;
  }
  const go = (next) => showFolderView(next, list, fetchContent, extras);
  const crumbs = el("nav", { class: "crumbs", "aria-label": "Folder path" });
  trail.forEach((step, depth) => {
    if (depth) crumbs.append(" / ");
    const last = depth === trail.length - 1;
    crumbs.append(last ? el("span", { "aria-current": "page", text: step.name })
      : el("button", { type: "button", class: "link", text: step.name, on: { click: () => go(trail.slice(0, depth + 1)) } }));
  });
  const { children, withheld } = verified;
  const rows = el("ul", { class: "listing", id: "listing" });
  const tiles = lazyTiles(); // the grid view's thumbnails (thumbnail-grid.js)
  for (const child of children) {
    const id = b64url(child.record.nodeId);
    if (child.isFolder) {
      const open = () => {
        try {
          // The folder's signed earlier keys open its kept versions after a rotation.
          go([...trail, { id: child.record.nodeId, key: child.key(), name: child.metadata.name,
                          earlierKeys: child.metadata.earlierKeys ?? [] }]);
        } catch (error) {
          showError(explain(error));
        }
      };
      rows.append(el("li", {}, el("button", { type: "button", class: "link", text: `${child.metadata.name}/`, on: { click: open } })));
    } else {
      rows.append(fileRow(child.metadata, child.key, fetchContent, `download-${id}`));
    }
    rows.lastChild.prepend(child.isFolder ? folderTile() : thumbnailTile(child.metadata, tiles));
    if (rowActions) rows.lastChild.append(...rowActions(child, { folder, verified, trail, reload: () => go(trail) }));
  }
  if (!children.length) rows.append(el("li", { class: "meta", text: "This folder is empty." }));
  main().replaceChildren(el("h1", { text: folder.name }), crumbs, gridToggle(rows));
  if (toolbar) main().append(toolbar(folder, verified, () => go(trail)));
  main().append(rows);
  if (verified.removed?.length) {
    // Shown every time, naming the decision: a server that hides an item this way has to publish
    // a decision saying so (compliance.md §3.4).
    rows.before(el("ul", { class: "meta", id: "removed" }, ...verified.removed.map((r) => el("li", {
      text: `An item of this folder was removed by the operator after ${r.because} (decision ${r.decision}).` }))));
    if (extras.removedActions) rows.before(...extras.removedActions({ folder, verified, trail, reload: () => go(trail) }));
  }
  if (withheld) {
    // Reported, not fatal: the rest of the folder stays reachable (metadata.md, step 7).
    rows.before(el("p", { class: "error", role: "alert", id: "withheld",
      text: `The server withheld ${withheld} item${withheld === 1 ? "" : "s"} of this folder: ` +
            "they failed verification and are not shown." + refusedClaims(verified.refused) }));
  }
}

/** The server's removal claims this page did not believe (drive/removals.js), in plain words. */
function refusedClaims(refused = []) {
  if (!refused.length) return "";
  return ` The server said ${refused.length === 1 ? "one was" : "some were"} removed by a decision, but ` +
    `${refused.map((r) => r.why).join("; ")}.`;
}
