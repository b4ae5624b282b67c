// SPDX-License-Identifier: AGPL-3.0-or-later
// "Shared with me": the folders other accounts granted to this one, each envelope opened with the
// owner's pinned key; shares from people not accepted in this browser are hidden and say how to
// see them; a share that fails verification is named and left out (sharing.md, "Shares").
// Opening one browses it like the drive, its listings verified against the owner's roster.

import { publicDecision } from "../api/compliance.js";
import { b64url, hex } from "../crypto/layout.js";
import { verifyListing } from "../drive/listing.js";
import { marksOf } from "../drive/marks.js";
import { RemovalCheck } from "../drive/removals.js";
import { incoming, shareWriters, WRITE } from "../drive/sharing.js";
import { people } from "../drive/contacts.js";
import { showFolderView } from "./folder-view.js";
import { sharingMessage } from "./sharing-messages.js";
import { itemActions } from "./drive-actions.js";
import { uploadZone } from "./upload-zone.js";
import { el, main, showError } from "./view.js";

const rightsText = (rights) => (rights === WRITE ? "read and write" : "read only");

/** back(): returns to the drive. */
export async function showShares(session, back) {
  const top = el("p", {}, el("button", { type: "button", class: "link", id: "open-drive", text: "Back to My drive", on: { click: back } }));
  const status = el("p", { id: "status", role: "status", "aria-live": "polite", text: "Opening the folders shared with you…" });
  main().replaceChildren(el("h1", { text: "Shared with me" }), top, status);
  let found;
  try {
    found = await incoming(session);
  } catch (error) {
    showError(sharingMessage(error));
    return;
  }
  status.textContent = "";
  const rows = el("ul", { class: "listing", id: "incoming" }, ...found.shares.map((share) => {
    const owner = share.verified ? share.owner.username : `${share.owner.username} (unverified)`;
    return el("li", { id: `share-${b64url(share.grant.shareId)}` },
      el("button", { type: "button", class: "link", text: `${share.grant.folderName}/`, id: `open-share-${b64url(share.grant.shareId)}`,
                     on: { click: () => openShare(session, share, () => showShares(session, back)) } }),
      " ", el("span", { class: "meta", text: `from ${owner} · ${rightsText(share.grant.rights)}` }),
      " ", leaveButton(session, share, () => showShares(session, back)));
  }));
  if (!found.shares.length) rows.append(el("li", { class: "meta", text: "No folder is shared with you." }));
  const notes = el("ul", { class: "meta", id: "share-notes" });
  for (const bad of found.refused) {
    notes.append(el("li", { class: "error", role: "alert",
      text: `A share from ${bad.view.ownerUsername} (as the server names them) was refused: ${sharingMessage(bad.error, bad.view.ownerUsername)}` }));
  }
  for (const hidden of found.hidden) {
    const how = hidden.invited || hidden.contact ? `accept ${hidden.view.ownerUsername} on the Contacts page to see it`
      : `it shows once you and ${hidden.view.ownerUsername} are contacts`;
    notes.append(el("li", { text: `A share from ${hidden.view.ownerUsername} (as the server names them) is hidden, since you have ` +
                                  `not accepted them as a contact in this browser: ${how}.` }));
  }
  main().append(notes, rows);
}

/** "Leave": end this account's access to the share (DELETE by the member, http-api.md §11.3). */
function leaveButton(session, share, reload) {
  const id = b64url(share.grant.shareId);
  const button = el("button", { type: "button", class: "link", id: `leave-${id}`, text: "Leave",
                                "aria-label": `Leave ${share.grant.folderName}: you lose access to it` });
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await people(session).api.leave(share.grant.shareId);
      await reload();
    } catch (error) {
      button.disabled = false;
      showError(sharingMessage(error, share.owner.username));
    }
  });
  return button;
}

/** Browse an opened share: a drive whose top is the shared folder, read through the share's routes. */
function openShare(session, share, back) {
  let writers;
  try {
    writers = shareWriters(session, share);
  } catch (error) {
    showError(sharingMessage(error, share.owner.username));
    return;
  }
  const { api } = people(session);
  const marks = marksOf(session);
  const removals = new RemovalCheck(publicDecision, null);
  const shareId = share.grant.shareId;
  const list = async (folder) => {
    const id = hex(folder.id);
    const verified = verifyListing(await api.sharedFolder(shareId, folder.id), folder, writers, marks.get(id) ?? null);
    marks.set(id, verified.mark);
    return removals.confirm(verified, verified.claims);
  };
  const trail = [{ id: share.grant.folderId, key: share.grant.folderKey, name: share.grant.folderName }];
  // A write member uploads as the SDK's member-write path does: records and manifests signed with
  // the member's own key, sealed under the folder keys of the share (sharing.md, "Writers sign").
  const writer = share.grant.rights === WRITE
    ? { api: api.writer(shareId), userId: session.userId, signSeed: session.signSeed,
        keep: (signed) => signed.forEach(([id, mark]) => marks.set(id, mark)), member: true } : null;
  const ctx = writer && { session: writer, list, keep: writer.keep };
  return showFolderView(trail, list, (contentId) => api.sharedContent(shareId, contentId), {
    toolbar: (folder, verified, reload) => el("div", {},
      el("p", {}, el("button", { type: "button", class: "link", id: "open-shares", text: "Back to Shared with me",
                                 on: { click: back } }),
        " ", el("span", { class: "meta", text: `Shared by ${share.owner.username}${share.verified ? "" : " (unverified)"}, ${rightsText(share.grant.rights)}.` })),
      ...(writer ? [uploadZone(writer, folder, verified, reload)] : [])),
    rowActions: writer ? (child, view) => itemActions(ctx, child, view, true) : null,
  });
}
