// SPDX-License-Identifier: AGPL-3.0-or-later
// The drop page (spec/sharing.md, "Drop links"; web-client.md, "Link and drop pages"): a visitor
// with a drop link uploads files sealed to the owner, without an account. Each file is sealed
// chunk by chunk as it is read (a new file key and content id), its chunks are sent through the
// drop, and its key and metadata are sealed to the drop public key from the link's fragment, never
// to a key the server supplies. Nothing here lists or reads what the drop holds.

import { DropApi } from "../api/drops.js";
import { HttpError } from "../api/visitor.js";
import { parseDropFragment, sealDropUpload } from "../crypto/drops.js";
import { InputError } from "../crypto/errors.js";
import { fromB64url } from "../crypto/layout.js";
import { ready } from "../crypto/sodium.js";
import { makeThumbnail } from "../drive/thumbnails.js";
import { UploadRefused, sendContent } from "../drive/upload.js";
import { DAMAGED, explain } from "./messages.js";
import { el, formatSize, main, showError, showMessage } from "./view.js";

/** Words for a failed drop upload: the drop's own refusals first, then the common ones. */
function dropFailure(error) {
  if (error instanceof UploadRefused) return error.message;
  if (error instanceof HttpError && error.status === 404) {
    return "This drop link does not exist, was deleted, or has expired. Ask its owner for a new one.";
  }
  if (error instanceof HttpError && (error.code === "quota_exceeded" || error.status === 507)) {
    return "The owner's storage is full: this file does not fit. Tell the owner.";
  }
  return explain(error);
}

export async function showDrop(dropIdText, fragment) {
  showMessage("Opening the drop link…");
  let dropPublic;
  try {
    await ready();
    dropPublic = parseDropFragment(fragment);
  } catch (error) {
    showError(error instanceof InputError ? DAMAGED : explain(error));
    return;
  }
  const dropId = fromB64url(dropIdText);
  const api = new DropApi(dropIdText);
  const input = el("input", { type: "file", id: "drop-input", multiple: "" });
  const progress = el("progress", { max: "1", value: "0", hidden: "", id: "drop-progress", "aria-label": "Overall progress" });
  const status = el("p", { id: "drop-status", role: "status", "aria-live": "polite" });
  const rows = el("ul", { class: "listing", id: "drop-files", "aria-label": "Files sent" });
  const zone = el("div", { class: "dropzone", id: "dropzone" },
    el("label", { for: "drop-input", text: "Choose files to send (or drop them here)" }), input, progress, status);
  const send = async (files) => {
    if (!files.length) return;
    input.disabled = true;
    progress.hidden = false;
    status.className = "";
    const delivered = await sendAll(api, dropId, dropPublic, files, rows, (done, total) => {
      progress.value = total ? done / total : 1;
    });
    input.disabled = false;
    input.value = "";
    status.className = delivered === files.length ? "" : "error";
    status.textContent = delivered === files.length
      ? `Sent ${delivered} file${delivered === 1 ? "" : "s"}. The owner sees them once they accept them.`
      : `${files.length - delivered} of ${files.length} files could not be sent: see the list below.`;
  };
  input.addEventListener("change", () => send([...input.files]));
  zone.addEventListener("dragover", (event) => event.preventDefault());
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    send([...event.dataTransfer.files]);
  });
  main().replaceChildren(
    el("h1", { text: "Send files" }),
    el("p", { text: "Someone asked you to send them files through this link. The files are encrypted in this " +
      "page for them alone: the server cannot read them, and this link cannot show or read anything." }),
    zone, rows,
    el("p", { class: "meta", text: "Nothing tells the owner who sent a file: add your name to a file name if it matters." }));
  input.focus();
}

/** Seal and send each file in turn; one failure does not stop the others. Returns how many arrived. */
async function sendAll(api, dropId, dropPublic, files, rows, onProgress) {
  const total = files.reduce((n, f) => n + f.size, 0);
  let done = 0;
  let delivered = 0;
  for (const file of files) {
    const state = el("span", { class: "meta", role: "status", text: "Encrypting and sending…" });
    const row = el("li", {}, el("span", { class: "name", text: file.name }),
      el("span", { class: "meta", text: formatSize(file.size) }), state);
    rows.append(row);
    const before = done;
    try {
      const sent = await sendContent(api, file, (n) => onProgress((done += n), total));
      // The same sealed thumbnail as a drive upload: the drop upload carries the file's metadata
      // (sharing.md, "Drop links"; metadata.md, "Thumbnails"), and the owner keeps it on accepting.
      sent.metadata.thumbnail = await makeThumbnail(file);
      await api.deliver(sent.contentId, sealDropUpload(dropPublic, dropId, sent.fileKey, sent.metadata));
      state.textContent = "Sent.";
      row.dataset.state = "sent";
      delivered++;
    } catch (error) {
      done = before + file.size;
      onProgress(done, total);
      state.className = "error";
      state.setAttribute("role", "alert");
      state.textContent = dropFailure(error);
      row.dataset.state = "failed";
    }
  }
  return delivered;
}
