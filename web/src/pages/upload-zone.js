// SPDX-License-Identifier: AGPL-3.0-or-later
// The upload zone of a folder view: pickers for files and folders, drag and drop, per-file and
// overall progress (drive/upload.js does the sealing and the transaction). Used in the drive and,
// for a write member, in a folder shared with them.

import { UploadRefused, itemsOfEntry, uploadItems } from "../drive/upload.js";
import { explain } from "./messages.js";
import { el } from "./view.js";

/**
 * File and folder pickers and a drop zone for the folder shown, with per-file and overall
 * progress. writer = { api (openUpload, putChunk, transaction), userId, signSeed }: the session
 * in the drive, or a write member's share routes (api/sharing.js, ShareWriteApi).
 */
export function uploadZone(writer, folder, verified, reload) {
  const input = el("input", { type: "file", id: "upload-input", multiple: "" });
  const folderInput = el("input", { type: "file", id: "upload-folder-input", webkitdirectory: "" });
  const progress = el("progress", { max: "1", value: "0", hidden: "", id: "upload-progress", "aria-label": "All files" });
  const status = el("p", { id: "upload-status", role: "status", "aria-live": "polite" });
  const perFile = el("ul", { class: "meta", id: "upload-files" });
  const zone = el("div", { class: "dropzone", id: "dropzone" },
    el("label", { for: "upload-input", text: "Upload files (or drop files and folders here)" }), input,
    el("label", { for: "upload-folder-input", text: "Upload a folder" }), folderInput, progress, status, perFile);
  const send = async (items) => {
    if (!items.length) return;
    input.disabled = folderInput.disabled = true;
    progress.hidden = false;
    status.className = "";
    const rows = new Map();
    try {
      const count = await uploadItems(writer, folder, verified, items, ({ done, total, path, fileDone, fileSize }) => {
        progress.value = total ? done / total : 1;
        status.textContent = `Encrypting and uploading ${path}…`;
        if (!rows.has(path)) {
          const bar = el("progress", { max: "1", value: "0", "aria-label": path });
          rows.set(path, bar);
          perFile.append(el("li", {}, el("span", { text: `${path} ` }), bar));
        }
        rows.get(path).value = fileSize ? fileDone / fileSize : 1;
      });
      await reload();
      document.getElementById("upload-status")?.replaceChildren(`Uploaded ${count} file${count === 1 ? "" : "s"}.`);
      document.getElementById("upload-files")?.replaceWith(perFile); // the list stays in the reloaded view
    } catch (error) {
      input.disabled = folderInput.disabled = false;
      progress.hidden = true;
      status.className = "error";
      status.textContent = error instanceof UploadRefused ? error.message : explain(error);
    }
  };
  input.addEventListener("change", () => send([...input.files].map((file) => ({ path: file.name, file }))));
  folderInput.addEventListener("change", () => send([...folderInput.files].map((file) => ({ path: file.webkitRelativePath || file.name, file }))));
  zone.addEventListener("dragover", (event) => event.preventDefault());
  zone.addEventListener("drop", async (event) => {
    event.preventDefault();
    // Entries must be taken during the event; a dropped folder is then walked in full.
    const entries = [...event.dataTransfer.items].map((item) => item.webkitGetAsEntry?.()).filter(Boolean);
    const files = [...event.dataTransfer.files];
    try {
      send(entries.length ? (await Promise.all(entries.map((entry) => itemsOfEntry(entry)))).flat()
        : files.map((file) => ({ path: file.name, file })));
    } catch (error) {
      status.className = "error";
      status.textContent = explain(error);
    }
  });
  return zone;
}

