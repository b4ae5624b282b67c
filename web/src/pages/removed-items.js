// SPDX-License-Identifier: AGPL-3.0-or-later
// "Acknowledge" under the items the operator removed from a folder of the drive: the page signs
// the folder's next manifest without them, so the folder lists cleanly from then on; the decisions
// stay among the account's notices (compliance.md §3.4). There is no server route for this: an
// acknowledgement is the owner's own signed manifest.

import { acknowledgeRemovals } from "../drive/removals.js";
import { ChangeRefused } from "../drive/changes.js";
import { explain } from "./messages.js";
import { el } from "./view.js";

/** ctx = the drive's { session, keep }; view = { folder, verified, reload } (pages/folder-view.js). */
export function acknowledgeControl(ctx, view) {
  const status = el("span", { role: "status", "aria-live": "polite", id: "acknowledge-status" });
  const button = el("button", { type: "button", id: "acknowledge-removed", text: "Acknowledge",
    "aria-label": "Acknowledge the removed items: stop listing them in this folder" });
  button.addEventListener("click", async () => {
    button.disabled = true;
    status.className = "";
    status.textContent = "Signing this folder's list without the removed items…";
    try {
      ctx.keep(await acknowledgeRemovals(ctx.session, view));
      await view.reload();
    } catch (error) {
      button.disabled = false;
      status.className = "error";
      status.textContent = error instanceof ChangeRefused ? error.message : explain(error);
    }
  });
  return el("p", { class: "meta", id: "acknowledge" }, button, " ",
    "Stop listing the removed items here; the decisions stay in your notices. ", status);
}
