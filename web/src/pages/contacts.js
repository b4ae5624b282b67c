// SPDX-License-Identifier: AGPL-3.0-or-later
// The contacts page: invite by username, accept, every contact with its state, and the safety
// number to compare out of band, then mark verified (sharing.md, "Safety numbers"). A changed key
// is shown as a warning and replaces the pin only once the person confirms the new number.

import { accept, compare, confirm, invite, listing } from "../drive/contacts.js";
import { keyChangedText, sharingMessage } from "./sharing-messages.js";
import { el, main } from "./view.js";

const STATES = { contact: "contact", invited: "invited, waiting for them to accept", "invites you": "invites you", pinned: "key pinned here, not a contact" };

function trust(entry) {
  if (entry.keyChanged) return "KEY CHANGED";
  if (!entry.pinned) return "key not seen yet";
  return entry.verified ? "verified" : "unverified";
}

/** back(): returns to the drive. */
export async function showContacts(session, back) {
  const status = el("p", { id: "contacts-status", role: "status", "aria-live": "polite" });
  const reload = () => showContacts(session, back);
  const fail = (error, name) => {
    status.className = "error";
    status.textContent = sharingMessage(error, name);
  };
  const input = el("input", { id: "contact-username", autocomplete: "off", required: "" });
  const form = el("form", { id: "invite-form" },
    el("label", { for: "contact-username", text: "Invite by username" }), input, " ",
    el("button", { type: "submit", id: "invite", text: "Invite" }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const found = await invite(session, input.value);
      await reload();
      document.getElementById("contacts-status").textContent = `Invited ${found.username}. Compare safety numbers with them.`;
    } catch (error) {
      fail(error, input.value);
    }
  });
  const top = el("p", {}, el("button", { type: "button", class: "link", id: "open-drive", text: "Back to My drive", on: { click: back } }));
  const panel = el("div", { id: "safety" });
  main().replaceChildren(el("h1", { text: "Contacts" }), top, form, status, panel);
  let entries;
  try {
    entries = await listing(session);
  } catch (error) {
    fail(error);
    return;
  }
  const rows = el("ul", { class: "listing", id: "contacts" },
    ...entries.map((entry) => contactRow(session, entry, { panel, reload, fail })));
  if (!entries.length) rows.append(el("li", { class: "meta", text: "No contacts yet: invite someone by username." }));
  panel.before(rows);
}

function contactRow(session, entry, { panel, reload, fail }) {
  const name = entry.username;
  const row = el("li", { id: `contact-${name}`, "data-state": entry.state, "data-trust": trust(entry) },
    el("strong", { text: name }), " ", el("span", { class: "meta", text: `${STATES[entry.state]} · ${trust(entry)}` }), " ");
  // A contact accepted on another device is accepted here too, which pins their key in this browser.
  if (entry.state === "invites you" || (entry.state === "contact" && !entry.pinned)) {
    row.append(el("button", { type: "button", id: `accept-${name}`, text: entry.pinned ? "Accept" : "Accept in this browser", on: { click: async () => {
      try {
        await accept(session, name);
        await reload();
      } catch (error) {
        fail(error, name);
      }
    } } }), " ");
  }
  if (entry.pinned || entry.state === "contact") {
    row.append(el("button", { type: "button", id: `compare-${name}`, text: "Safety number",
                              on: { click: () => showSafety(session, name, panel, reload, fail) } }));
  }
  if (entry.keyChanged) row.append(el("p", { class: "error", role: "alert", text: keyChangedText(name) }));
  return row;
}

async function showSafety(session, name, panel, reload, fail) {
  let shown;
  try {
    shown = await compare(session, name);
  } catch (error) {
    fail(error, name);
    return;
  }
  const match = el("button", { type: "button", id: "confirm-safety",
                               text: shown.keyChanged ? "The numbers match: accept the new key" : "The numbers match" });
  match.addEventListener("click", async () => {
    confirm(session, shown);
    await reload();
    document.getElementById("contacts-status").textContent = `${name} is verified.`;
  });
  panel.replaceChildren(el("h2", { text: `Safety number with ${name}` }),
    ...(shown.keyChanged ? [el("p", { class: "error", role: "alert", text: keyChangedText(name) })] : []),
    el("p", { class: "safety-number" }, el("code", { id: "safety-number", text: shown.number })),
    el("p", { class: "meta", text: `Compare these 60 digits with ${name} in person or by voice (the CLI shows them with ` +
                                  `\`sealbox contacts verify ${name}\`). Mark them verified only if every digit matches.` }),
    el("p", {}, shown.verified && !shown.keyChanged ? el("span", { id: "verified-note", text: `${name} is verified.` }) : match));
}
