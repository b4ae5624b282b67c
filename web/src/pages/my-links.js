// SPDX-License-Identifier: AGPL-3.0-or-later
// The list of one's links in the drive: each link's id, the file or folder it opens (its path,
// opened in this page), its expiry and downloads, and Revoke. The link keys are not here: the
// server never had them, and the page that made a link showed its URL once.

import { listLinks } from "../drive/links.js";
import { explain } from "./messages.js";
import { el, main, showError } from "./view.js";

const when = (seconds) => new Date(seconds * 1000).toISOString().replace("T", " ").slice(0, 16) + " UTC";

function row(session, link, reload) {
  const what = link.path ?? `a ${link.nodeType} not in your drive now (trashed, deleted or withheld)`;
  const expiry = link.expiresAt == null ? "never expires" : `expires ${when(link.expiresAt)}`;
  const downloads = link.maxDownloads == null ? `${link.downloads} download${link.downloads === 1 ? "" : "s"}`
    : `${link.downloads} of ${link.maxDownloads} downloads`;
  const revoke = el("button", { type: "button", id: `revoke-${link.linkId}`, text: "Revoke",
                                "aria-label": `Revoke link ${link.linkId}` });
  revoke.addEventListener("click", async () => {
    revoke.disabled = true;
    try {
      await session.api.revokeLink(link.linkId);
      await reload();
    } catch (error) {
      revoke.disabled = false;
      showError(explain(error));
    }
  });
  return el("li", { id: `link-${link.linkId}`, "data-link-id": link.linkId },
    el("span", { class: "link-target", text: `${link.nodeType === "folder" ? "Folder" : "File"} ${what}` }), " ",
    el("span", { class: "meta", text: `link ${link.linkId} · ${expiry} · ${downloads}` }), " ", revoke);
}

/** ctx = the drive's { session, list }; back() returns to the drive. */
export async function showMyLinks(ctx, back) {
  const { session } = ctx;
  const reload = () => showMyLinks(ctx, back);
  const status = el("p", { id: "status", role: "status", "aria-live": "polite", text: "Opening your links…" });
  const top = el("p", {}, el("button", { type: "button", class: "link", id: "open-drive", text: "Back to My drive",
                                         on: { click: back } }));
  main().replaceChildren(el("h1", { text: "My links" }), top, status);
  let links;
  try {
    links = await listLinks(session.api, { ...session.root, name: "My drive" }, ctx.list);
  } catch (error) {
    showError(explain(error));
    return;
  }
  const rows = el("ul", { class: "listing", id: "links" }, ...links.map((link) => row(session, link, reload)));
  if (!links.length) rows.append(el("li", { class: "meta", text: "You have no links." }));
  status.textContent = "";
  main().replaceChildren(el("h1", { text: "My links" }), top, status, rows);
}
