// SPDX-License-Identifier: AGPL-3.0-or-later
// The link page: a file, a folder or a password link, opened without an account
// (spec/sharing.md, "Links"; web-client.md, "Link and drop pages").

import { openLink } from "../api/visitor.js";
import { Code, InputError, IntegrityError } from "../crypto/errors.js";
import { fromB64url } from "../crypto/layout.js";
import { openLinkSecret, parseFragment, unlock } from "../crypto/links.js";
import { ready } from "../crypto/sodium.js";
import { NodeType } from "../crypto/tree.js";
import { showAbuseForm } from "./abuse.js";
import { showFile } from "./link-file.js";
import { showFolder } from "./link-folder.js";
import { DAMAGED, explain } from "./messages.js";
import { el, main, showError, showMessage } from "./view.js";

export async function showLink(linkIdText, fragment) {
  offerReport(fragment);
  showMessage("Opening the link…");
  let parsed;
  try {
    await ready();
    parsed = parseFragment(fragment);
  } catch (error) {
    // A password object that does not parse is the link's own damage, not the server's.
    showError(error instanceof IntegrityError ? DAMAGED : explain(error));
    return;
  }
  const linkId = fromB64url(linkIdText);
  if (parsed.password) askPassword(linkIdText, linkId, parsed.password);
  else await openWithKey(linkIdText, linkId, parsed.linkKey);
}

function askPassword(linkIdText, linkId, fragment) {
  const input = el("input", { type: "password", id: "link-password", autocomplete: "off", required: "" });
  const button = el("button", { type: "submit", text: "Open" });
  const note = el("p", { class: "meta", id: "status", role: "status", "aria-live": "polite",
    text: "The password protects this link if the link itself leaks; it is checked in this page and never sent." });
  const form = el("form", { id: "password-form" },
    el("label", { for: "link-password", text: "This link needs a password" }), input, button, note);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    note.textContent = "Checking the password…";
    await new Promise((resolve) => setTimeout(resolve, 0)); // let the message paint
    let linkKey;
    try {
      linkKey = unlock(fragment, input.value, linkId);
    } catch (error) {
      const wrong = error instanceof IntegrityError && error.code === Code.COMMITMENT_MISMATCH;
      note.textContent = wrong ? "Wrong password. Try again." : (error instanceof InputError ? "Enter the password." : DAMAGED);
      note.className = wrong ? "error" : "meta";
      button.disabled = false;
      return;
    }
    input.value = "";
    await openWithKey(linkIdText, linkId, linkKey);
  });
  main().replaceChildren(form);
  input.focus();
}

async function openWithKey(linkIdText, linkId, linkKey) {
  showMessage("Opening the link…");
  let opened;
  let secret;
  try {
    opened = await openLink(linkIdText);
  } catch (error) {
    showError(explain(error));
    return;
  }
  try {
    secret = openLinkSecret(linkKey, opened.secret, linkId, opened.nodeId);
  } catch (error) {
    // A link secret that does not open with the link's key: most likely a mistyped link.
    showError(error instanceof IntegrityError && error.code !== Code.MALFORMED ? DAMAGED : explain(error));
    return;
  }
  try {
    const reported = opened.nodeType === "folder" ? NodeType.FOLDER : NodeType.FILE;
    if (reported !== secret.nodeType) throw new IntegrityError(Code.CONTEXT_MISMATCH, "node type");
    const context = { linkIdText, linkId, opened, secret };
    if (secret.nodeType === NodeType.FILE) showFile(context);
    else await showFolder(context);
  } catch (error) {
    showError(explain(error));
  }
}

/**
 * "Report this link", below every link page, whatever the link shows: it opens the abuse form
 * filled in with this link's whole URL, key included, which only that form's body sends
 * (compliance.md §7). The key is passed in memory, never through the address bar.
 */
function offerReport(fragment) {
  const here = window.location.href.split("#")[0];
  const button = el("button", { type: "button", class: "link", id: "report-link", text: "Report this link" });
  button.addEventListener("click", () => {
    footer.remove();
    showAbuseForm(`${here}#${fragment}`);
  });
  const footer = el("footer", { class: "foot" }, button, " · ",
    el("a", { href: "/app/notice", text: "Copyright notice" }));
  document.body.append(footer);
}
