// SPDX-License-Identifier: AGPL-3.0-or-later
// One file of a link: its name and size from authenticated metadata, and a download button.

import { content } from "../api/visitor.js";
import { b64url } from "../crypto/layout.js";
import { saveContent } from "./download.js";
import { explain } from "./messages.js";
import { sinkFor } from "./sinks.js";
import { el, formatSize, main } from "./view.js";

/**
 * A download control for a file whose metadata is authenticated: keyOf() opens its key and
 * fetchContent(contentIdText) answers the content object's Response.
 */
export function fileRow(metadata, keyOf, fetchContent, id = "download") {
  const progress = el("progress", { max: "1", value: "0", hidden: "" });
  const status = el("span", { class: "meta", role: "status", "aria-live": "polite" });
  const button = el("button", { type: "button", id, text: "Download" });
  button.addEventListener("click", async () => {
    button.disabled = true;
    progress.hidden = false;
    status.textContent = "Downloading and verifying…";
    try {
      const sink = await sinkFor(metadata.name, metadata.size);
      const response = await fetchContent(b64url(metadata.contentId));
      const file = { key: keyOf(), contentId: metadata.contentId, headerHash: metadata.headerHash, size: metadata.size };
      await saveContent(file, response, sink, (done, total) => {
        progress.value = total ? done / total : 1;
      });
      status.textContent = "Saved.";
      status.dataset.state = "saved";
    } catch (error) {
      progress.hidden = true;
      status.textContent = "";
      const box = el("div", { class: "error", role: "alert", text: explain(error) });
      box.dataset.state = "failed";
      status.replaceWith(box);
    } finally {
      button.disabled = false;
    }
  });
  return el("li", {},
    el("span", { class: "name", text: metadata.name }),
    el("span", { class: "meta", text: formatSize(metadata.size) }),
    button, progress, status);
}

export function showFile({ linkIdText, secret }) {
  main().replaceChildren(
    el("h1", { text: secret.metadata.name }),
    el("p", { class: "meta", text: "Shared with you through a link. It is decrypted and checked in this page." }),
    el("ul", { class: "listing" }, fileRow(secret.metadata, () => secret.nodeKey, (id) => content(linkIdText, id))),
  );
}
