// SPDX-License-Identifier: AGPL-3.0-or-later
// The drive's controls on one item: rename, move, trash, a file's earlier versions, and restore
// from the trash. Each opens a small labelled form in the item's row (Escape closes it); every
// change is signed in this page (drive/changes.js) and the folder is listed and verified again.

import { HttpError } from "../api/visitor.js";
import { hex } from "../crypto/layout.js";
import { ChangeRefused } from "../drive/changes.js";
import { move, rename, restore, trash, versions } from "../drive/operations.js";
import { fileRow } from "./link-file.js";
import { explain } from "./messages.js";
import { el, main } from "./view.js";

/** Words for a failed change. */
export function changeFailure(error) {
  if (error instanceof ChangeRefused) return error.message;
  if (error instanceof HttpError && error.code === "stale_manifest") {
    return "This folder changed elsewhere in the meantime. Reload it and try again.";
  }
  return explain(error);
}

/** A status line at the top of the page, after the folder shown was listed again. */
export function announce(text, failed = false) {
  document.getElementById("drive-status")?.remove();
  const node = el("p", { id: "drive-status", role: failed ? "alert" : "status", class: failed ? "error" : "", text });
  main().querySelector("nav.crumbs")?.after(node);
}

const button = (text, label, onClick) =>
  el("button", { type: "button", class: "link", text, "aria-label": label, on: { click: onClick } });

/**
 * The row's controls and the panel they open; view = { folder, verified, trail, reload }. In a
 * folder shared with this account (`member`), rename and move only: a member has no trash in the
 * owner's tree and the page offers no versions there (the SDK's SharedDrive).
 */
export function itemActions(ctx, child, view, member = false) {
  const name = child.metadata.name;
  const place = { folder: view.folder, verified: view.verified };
  const panel = el("div", { class: "panel", hidden: "" });
  const open = (...content) => {
    panel.replaceChildren(...content);
    panel.hidden = false;
    panel.querySelector("input, select, button")?.focus();
  };
  const close = () => {
    panel.hidden = true;
    panel.replaceChildren();
  };
  panel.addEventListener("keydown", (event) => event.key === "Escape" && close());
  const run = async (work, done, status) => {
    try {
      await work();
      await view.reload();
      announce(done);
    } catch (error) {
      if (status) status.textContent = changeFailure(error);
      else announce(changeFailure(error), true);
    }
  };
  const actions = el("span", { class: "actions" },
    button("Rename", `Rename ${name}`, () => open(renameForm(ctx, place, child, run, close))),
    button("Move", `Move ${name}`, () => open(moveForm(ctx, place, child, view.trail, run, close))));
  if (member) return [actions, panel];
  actions.append(button("Trash", `Put ${name} in the trash`, () => run(() => trash(ctx, place, child), `Moved "${name}" to the trash.`)));
  if (!child.isFolder) {
    actions.append(button("Versions", `Earlier versions of ${name}`, () => showVersions(ctx, place, child, open)));
  }
  return [actions, panel];
}

function smallForm(id, run, close, fields, submitText, work) {
  const status = el("p", { class: "error", role: "alert" });
  const form = el("form", { class: "inline", id }, ...fields,
    el("button", { type: "submit", text: submitText }),
    el("button", { type: "button", class: "link", text: "Cancel", on: { click: close } }), status);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    status.textContent = "";
    work(status);
  });
  return form;
}

function renameForm(ctx, place, child, run, close) {
  const id = `rename-${hex(child.record.nodeId)}`;
  const input = el("input", { id: `${id}-name`, value: child.metadata.name, autocomplete: "off" });
  return smallForm(id, run, close, [el("label", { for: input.id, text: `New name for ${child.metadata.name}` }), input],
    "Rename", (status) => {
      const name = input.value.trim();
      run(() => rename(ctx, place, child, name), `Renamed to "${name}".`, status);
    });
}

/** Destinations: the folders above on the path shown, and the other folders here. */
function moveForm(ctx, place, child, trail, run, close) {
  const id = `move-${hex(child.record.nodeId)}`;
  const targets = trail.slice(0, -1).map((folder) => ({ text: folder.name, folder: async () => folder }));
  for (const other of place.verified.children) {
    if (!other.isFolder || other === child) continue;
    targets.push({ text: `${place.folder.name} / ${other.metadata.name}`,
                   folder: async () => ({ id: other.record.nodeId, key: other.key(), name: other.metadata.name }) });
  }
  if (!targets.length) return el("p", { class: "meta", text: "There is no other folder to move it to from here." });
  const select = el("select", { id: `${id}-target` },
    ...targets.map((t, index) => el("option", { value: String(index), text: t.text })));
  return smallForm(id, run, close, [el("label", { for: select.id, text: `Move ${child.metadata.name} to` }), select],
    "Move", (status) => {
      const target = targets[Number(select.value)];
      run(async () => move(ctx, place, child, await target.folder()), `Moved "${child.metadata.name}" to "${target.text}".`, status);
    });
}

async function showVersions(ctx, place, child, open) {
  const list = el("ul", { class: "listing versions", id: `versions-${hex(child.record.nodeId)}`,
                          "aria-label": `Earlier versions of ${child.metadata.name}` });
  open(el("p", { class: "meta", text: "Reading and verifying the earlier versions…" }));
  try {
    const found = await versions(ctx, place, child);
    for (const v of found) {
      const row = fileRow(v.metadata, v.key, (id) => ctx.session.api.content(id), `version-${v.version}`);
      row.querySelector(".name").textContent = `Version ${v.version}: ${new Date(v.metadata.mtime).toLocaleString()}`;
      list.append(row);
    }
    if (!found.length) list.append(el("li", { class: "meta", text: "No earlier versions are kept." }));
    open(el("p", { class: "meta", text: `Earlier versions of ${child.metadata.name}` }), list);
  } catch (error) {
    open(el("p", { class: "error", role: "alert", text: changeFailure(error) }));
  }
}

/** In the trash: put an item back where it was trashed from. */
export function restoreAction(ctx, child, view) {
  const place = { folder: view.folder, verified: view.verified };
  const name = child.metadata.name;
  const run = async () => {
    try {
      const where = await restore(ctx, place, child);
      await view.reload();
      announce(`Restored "${name}" to "${where}".`);
    } catch (error) {
      announce(changeFailure(error), true);
    }
  };
  return [el("span", { class: "actions" }, button("Restore", `Restore ${name}`, run))];
}
