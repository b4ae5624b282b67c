// SPDX-License-Identifier: AGPL-3.0-or-later
// "Link" on an item of the drive: choose an expiry, a download limit and a password, make the link
// in the page (drive/links.js), show its URL, and offer to revoke it at once.

import { hex } from "../crypto/layout.js";
import { createLink } from "../drive/links.js";
import { explain } from "./messages.js";
import { el } from "./view.js";

export const MIN_LINK_PASSWORD = 10;
const HOUR = 3600;
const EXPIRIES = [["", "never"], [String(HOUR), "in 1 hour"], [String(24 * HOUR), "in 1 day"],
                  [String(7 * 24 * HOUR), "in 7 days"], [String(30 * 24 * HOUR), "in 30 days"]];

/** The options form's controls, each with its label. */
function optionControls(id, name) {
  const expiry = el("select", { id: `${id}-expiry` },
    ...EXPIRIES.map(([value, text]) => el("option", { value, text })));
  const limit = el("input", { id: `${id}-limit`, type: "number", min: "1", step: "1", inputmode: "numeric" });
  const password = el("input", { id: `${id}-password`, type: "password", autocomplete: "new-password",
                                  "aria-describedby": `${id}-password-hint` });
  const parts = [
    el("label", { for: expiry.id, text: `The link to ${name} expires` }), expiry,
    el("label", { for: limit.id, text: "Download limit (optional)" }), limit,
    el("label", { for: password.id, text: "Password (optional)" }), password,
    el("p", { id: `${id}-password-hint`, class: "meta hint", text: `At least ${MIN_LINK_PASSWORD} characters; send it ` +
      "apart from the link. It protects the files if the link leaks; it does not stop someone determined who " +
      "has the link from guessing, so choose a long one." }),
  ];
  return { expiry, limit, password, parts };
}

/** The limits as words, for the person who made the link. */
function summary(options) {
  const parts = [];
  if (options.expiresIn) parts.push(`expires ${EXPIRIES.find(([v]) => v === String(options.expiresIn))[1]}`);
  if (options.maxDownloads) parts.push(`opens at most ${options.maxDownloads} time${options.maxDownloads === 1 ? "" : "s"}`);
  if (options.password) parts.push("needs the password");
  return parts.length ? `This link ${parts.join(", ")}.` : "Anyone with this link can open it.";
}

function readOptions(controls) {
  const limitText = controls.limit.value.trim();
  const maxDownloads = limitText ? Number(limitText) : null;
  if (maxDownloads !== null && !(Number.isInteger(maxDownloads) && maxDownloads >= 1 && maxDownloads < 2 ** 31)) {
    return { error: "The download limit is a whole number, 1 or more." };
  }
  const password = controls.password.value;
  if (password && password.length < MIN_LINK_PASSWORD) {
    return { error: `Choose a link password of at least ${MIN_LINK_PASSWORD} characters, or none.` };
  }
  return { expiresIn: controls.expiry.value ? Number(controls.expiry.value) : null, maxDownloads, password };
}

/** "Link": the options, then the link's URL and "Revoke". */
export function linkControl(session, child) {
  const name = child.metadata.name;
  const id = `link-${hex(child.record.nodeId)}`;
  const box = el("span", { class: "link-box" });
  const make = el("button", { type: "button", class: "link", text: "Link", "aria-label": `Make a link to ${name}` });
  make.addEventListener("click", () => {
    const controls = optionControls(id, name);
    const status = el("p", { role: "status", "aria-live": "polite" });
    const form = el("form", { class: "inline link-options", id }, ...controls.parts,
      el("button", { type: "submit", text: "Create link" }), status);
    form.addEventListener("input", () => {
      if (status.className === "error") status.className = status.textContent = "";
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const options = readOptions(controls);
      if (options.error) {
        status.className = "error";
        status.textContent = options.error;
        return;
      }
      status.className = "";
      status.textContent = options.password ? "Sealing the link under its password…" : "Making the link…";
      form.querySelector("button[type=submit]").disabled = true;
      controls.password.value = "";
      try {
        const { url, linkIdText } = await createLink(session.api, child, window.location.origin, options);
        box.replaceChildren(made(session, name, url, linkIdText, summary(options)));
        box.querySelector("input").select();
      } catch (error) {
        box.replaceChildren(el("span", { class: "error", role: "alert", text: explain(error) }));
      }
    });
    box.replaceChildren(form);
    controls.expiry.focus();
  });
  box.append(make);
  return box;
}

function made(session, name, url, linkIdText, text) {
  const field = el("input", { readonly: "", value: url, class: "link-url", "aria-label": `Link to ${name}` });
  const revoke = el("button", { type: "button", class: "link", text: "Revoke" });
  const wrap = el("span", { class: "link-made" }, field, revoke, el("span", { class: "meta link-summary", text }));
  revoke.addEventListener("click", async () => {
    try {
      await session.api.revokeLink(linkIdText);
      wrap.replaceChildren(el("span", { class: "meta", text: "Link revoked." }));
    } catch (error) {
      wrap.replaceChildren(el("span", { class: "error", text: explain(error) }));
    }
  });
  return wrap;
}
