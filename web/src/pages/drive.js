// SPDX-License-Identifier: AGPL-3.0-or-later
// Log in, then browse the drive with breadcrumbs, upload files and folders, and download files (issue 18). Every listing
// is verified with the account's own signing key and checked for freshness against the marks
// this page has seen; the session and keys live in memory only.

import { b64url, hex } from "../crypto/layout.js";
import { ready } from "../crypto/sodium.js";
import { logIn } from "../drive/login.js";
import { verifyListing } from "../drive/listing.js";
import { ownDecisions, RemovalCheck } from "../drive/removals.js";
import { publicDecision } from "../api/compliance.js";
import { itemActions, restoreAction } from "./drive-actions.js";
import { showFolderView } from "./folder-view.js";
import { linkControl } from "./link-options.js";
import { showMyLinks } from "./my-links.js";
import { showContacts } from "./contacts.js";
import { showShares } from "./shares.js";
import { shareControl } from "./share-folder.js";
import { acknowledgeControl } from "./removed-items.js";
import { marksOf } from "../drive/marks.js";
import { DriveWriters } from "../drive/writers.js";
import { explain } from "./messages.js";
import { uploadZone } from "./upload-zone.js";
import { el, main } from "./view.js";

/** The log-in form; after(session) runs once the account is opened (the drive by default). */
export function showLogin(after = showDrive, heading = "Log in", path = "/app/drive") {
  const username = el("input", { id: "username", autocomplete: "username", required: "" });
  const password = el("input", { id: "password", type: "password", autocomplete: "current-password", required: "" });
  const button = el("button", { type: "submit", text: "Log in" });
  const status = el("p", { id: "status", role: "status", "aria-live": "polite" });
  const form = el("form", { id: "login-form" },
    el("h1", { text: heading }),
    el("label", { for: "username", text: "Username" }), username,
    el("label", { for: "password", text: "Password" }), password,
    el("p", {}, button), status,
    el("p", { class: "meta", text: "Your password never leaves this page: it unlocks your keys here." }),
    el("p", { class: "meta", id: "remembers", text: "This browser remembers your contacts' public keys and the versions of " +
      "your folders it has seen (nothing secret), so the server cannot roll them back. On a shared computer, clear " +
      "this site's data after use." }),
    el("p", { class: "meta" }, el("a", { href: "/app/recover", id: "recover-link", text: "Forgot your password? Use your recovery key" })));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    status.className = "";
    status.textContent = "Unlocking your keys…";
    try {
      await ready();
      const session = await logIn(username.value, password.value);
      password.value = "";
      window.history.replaceState(null, "", path);
      await after(session);
    } catch (error) {
      status.className = "error";
      status.textContent = explain(error);
      button.disabled = false;
    }
  });
  main().replaceChildren(form);
  username.focus();
}

export async function showDrive(session) {
  const writers = new DriveWriters(session); // the account, and write members of its shared folders
  const marks = marksOf(session); // high-water marks kept per account (web-client.md, "What the page remembers")
  const removals = new RemovalCheck(publicDecision, () => ownDecisions(session));
  const list = async (folder) => {
    const id = hex(folder.id);
    const signers = await writers.of(folder);
    const verified = verifyListing(await session.api.folder(b64url(folder.id)), folder, signers, marks.get(id) ?? null);
    writers.handDown(signers, verified);
    marks.set(id, verified.mark);
    return removals.confirm(verified, verified.claims);
  };
  // The manifests this page signed are the newest it has seen of their folders.
  const ctx = { session, list, keep: (signed) => signed.forEach(([id, mark]) => marks.set(id, mark)) };
  await showMyDrive(ctx);
}

function showMyDrive(ctx) {
  const { session } = ctx;
  const trail = [{ id: session.root.id, key: session.root.key, name: "My drive" }];
  return showFolderView(trail, ctx.list, (id) => session.api.content(id), {
    toolbar: (folder, verified, reload) => el("div", {},
      uploadControls(ctx, folder, verified, reload),
      el("p", {}, el("button", { type: "button", class: "link", id: "open-trash", text: "Trash",
                                 on: { click: () => showTrash(ctx) } }), " · ",
        el("button", { type: "button", class: "link", id: "open-links", text: "My links",
                       on: { click: () => showMyLinks(ctx, () => showMyDrive(ctx)) } }), " · ",
        el("button", { type: "button", class: "link", id: "open-contacts", text: "Contacts",
                       on: { click: () => showContacts(session, () => showMyDrive(ctx)) } }), " · ",
        el("button", { type: "button", class: "link", id: "open-shares", text: "Shared with me",
                       on: { click: () => showShares(session, () => showMyDrive(ctx)) } }))),
    rowActions: (child, view) => [linkControl(session, child), ...(child.isFolder ? [shareControl(ctx, child, view)] : []),
                                  ...itemActions(ctx, child, view)],
    removedActions: (view) => [acknowledgeControl(ctx, view)],
  });
}

/** The trash: an ordinary top folder; items at its top can be restored where they came from. */
function showTrash(ctx) {
  const { session } = ctx;
  const trail = [{ id: session.trash.id, key: session.trash.key, name: "Trash" }];
  return showFolderView(trail, ctx.list, (id) => session.api.content(id), {
    toolbar: () => el("p", {}, el("button", { type: "button", class: "link", id: "open-drive", text: "Back to My drive",
                                              on: { click: () => showMyDrive(ctx) } })),
    rowActions: (child, view) => (view.trail.length === 1 ? restoreAction(ctx, child, view) : []),
  });
}

/** Who is logged in, and the upload zone for the folder shown. */
function uploadControls(ctx, folder, verified, reload) {
  const { session } = ctx;
  const writer = { api: session.api, userId: session.userId, signSeed: session.signSeed, keep: ctx.keep };
  return el("div", {},
    el("p", { class: "meta", id: "account", text: `Logged in as ${session.username}. Closing this tab logs out.` }),
    uploadZone(writer, folder, verified, reload));
}
