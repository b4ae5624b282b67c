// SPDX-License-Identifier: AGPL-3.0-or-later
// "Share" on a folder of the drive: grant it to a contact, read or read and write, and list its
// members from the account's own signed roster (drive/sharing.js), and remove one: the folder and
// every folder below it then get new keys (sharing.md, "Removing a member"; drive/removal.js).

import { Code, IntegrityError } from "../crypto/errors.js";
import { hex } from "../crypto/layout.js";
import { KeyChanged, people } from "../drive/contacts.js";
import { normalizeUsername } from "../drive/login.js";
import { ChangeRefused } from "../drive/changes.js";
import { removeMember } from "../drive/removal.js";
import { members, READ, shareFolder, WRITE } from "../drive/sharing.js";
import { sharingMessage } from "./sharing-messages.js";
import { announce } from "./drive-actions.js";
import { el, main } from "./view.js";

/** The members, each with "Remove" (asked twice: it says what removal cannot take back). */
function memberList(rows, remove) {
  if (!rows.length) return el("p", { class: "meta", text: "Not shared with anyone." });
  return el("ul", { class: "members" }, ...rows.map((m) => {
    const text = `${m.username} · ${m.rights === WRITE ? "read and write" : "read only"}${m.verified ? " · verified" : " · unverified"}`;
    const item = el("li", { "data-member": m.username }, el("span", { text }));
    if (m.pinned) {
      const ask = el("button", { type: "button", class: "link", text: "Remove", "aria-label": `Remove ${m.username}` });
      ask.addEventListener("click", () => {
        const sure = el("button", { type: "button", text: `Remove ${m.username} and replace the keys` });
        sure.addEventListener("click", () => remove(m.username, sure));
        ask.replaceWith(el("span", { class: "meta", role: "note",
          text: ` ${m.username} loses access, and the folder and every folder in it get new keys. They keep whatever ` +
                "they already downloaded or opened. " }), sure);
        sure.focus();
      });
      item.append(" ", ask);
    }
    return item;
  }));
}

/**
 * Why a removal stopped, and what to do. Refused before anything changed, it says so; stopped
 * later, running it again finishes it (drive/removal.js), and the folder stays readable meanwhile.
 */
function removalMessage(error, username, folder) {
  if (error instanceof ChangeRefused) return error.message;
  let text = sharingMessage(error, username);
  if (error instanceof IntegrityError && !(error instanceof KeyChanged) && error.code !== Code.ROLLBACK && error.code !== Code.FORK) {
    text = `Something the server sent for ${folder} does not verify (${error.message}). Nothing more was changed. ` +
      "If it persists, tell the server's operator.";
  }
  return `${text} The removal of ${username} stopped: remove them again to finish it.`;
}

/** The outcome at the top of the drive view (or of the error shown in its place). */
function tell(text, failed) {
  announce(text, failed);
  if (!document.getElementById("drive-status")) {
    main().prepend(el("p", { id: "drive-status", role: failed ? "alert" : "status", class: failed ? "error" : "", text }));
  }
}

/** What this browser knows of `typed`'s key, in words. */
function pinState(session, typed) {
  const name = normalizeUsername(typed);
  if (!name) return "";
  const pin = people(session).pins.byName(name);
  if (!pin) return `${name}: no key of theirs in this browser yet (it is checked when you share).`;
  return pin.verified ? `${name}: verified (you compared safety numbers).`
    : `${name}: unverified. Compare safety numbers on the Contacts page to be sure who gets the key.`;
}

/** The share form for `child`, a folder verified in the drive's `view` (ctx: the drive page's). */
export function shareControl(ctx, child, view) {
  const { session } = ctx;
  const name = child.metadata.name;
  const id = `share-${hex(child.record.nodeId)}`;
  const box = el("span", { class: "share-box" });
  const open = el("button", { type: "button", class: "link", text: "Share", id: `${id}-open`, "aria-label": `Share ${name}` });
  open.addEventListener("click", async () => {
    const user = el("input", { id: `${id}-user`, autocomplete: "off", required: "" });
    const rights = el("select", { id: `${id}-rights` },
      el("option", { value: String(READ), text: "read only" }), el("option", { value: String(WRITE), text: "read and write" }));
    const status = el("p", { role: "status", "aria-live": "polite", id: `${id}-status` });
    const trust = el("p", { class: "meta", id: `${id}-trust`, "aria-live": "polite" });
    // The recipient's verification state, shown before anything is sealed (sharing.md, "Share
    // envelope"), from this browser's pins alone: no request while typing.
    user.addEventListener("input", () => { trust.textContent = pinState(session, user.value); });
    const listed = el("div", { id: `${id}-members` }, el("p", { class: "meta", text: "Reading the members…" }));
    const form = el("form", { class: "inline share-options", id },
      el("label", { for: user.id, text: `Share ${name} with (a contact's username)` }), user, trust,
      el("label", { for: rights.id, text: "They may" }), rights,
      el("button", { type: "submit", text: "Share folder" }), status, el("h3", { text: "Members" }), listed);
    const remove = async (username, button) => {
      button.disabled = true;
      document.getElementById("drive-status")?.remove();
      status.className = "";
      status.textContent = `Removing ${username}…`;
      let text;
      let failed = false;
      try {
        await removeMember(ctx, view, child, username, (step) => { status.textContent = step; });
        text = `Removed ${username} from ${name}; the folder has new keys.`;
      } catch (error) {
        text = removalMessage(error, username, name);
        failed = true;
      }
      // The folder is listed again whatever happened: once keys were replaced, the listing shown
      // holds the old ones, and opening a folder with them would look like tampering.
      await view.reload();
      tell(text, failed);
    };
    const refresh = async () => {
      try {
        listed.replaceChildren(memberList(await members(session, child.record.nodeId), remove));
      } catch (error) {
        listed.replaceChildren(el("p", { class: "error", role: "alert", text: sharingMessage(error) }));
      }
    };
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      status.className = "";
      status.textContent = "Sealing the folder key to them…";
      try {
        const found = await shareFolder(session, child, user.value, Number(rights.value));
        status.textContent = `Shared ${name} with ${found.username}${found.verified ? "" : " (unverified: compare safety numbers on the Contacts page)"}.`;
        await refresh();
      } catch (error) {
        status.className = "error";
        status.textContent = sharingMessage(error, user.value.trim().toLowerCase());
      }
    });
    box.replaceChildren(form);
    user.focus();
    await refresh();
  });
  box.append(open);
  return box;
}
