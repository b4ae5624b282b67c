// SPDX-License-Identifier: AGPL-3.0-or-later
// What the public forms say about the server's refusals (http-api.md §14; compliance.md §3.1):
// words a person can act on, and the field a refusal is about, if any.

import { HttpError } from "../api/visitor.js";
import { explain } from "./messages.js";
import { el } from "./view.js";

const REFUSALS = {
  not_our_url: ["locators", "One of these is not a link of this server. Give links as https://this-server/l/…"],
  link_removed: ["locators", "A link named here was already taken down."],
  duplicate_notice: [null, "You already sent a notice naming these links and works, and it is still open. " +
    "The operator will answer you through the contact you gave."],
  too_many_attempts: [null, "Too many notices from this contact in the last hour. Send the rest later, or as one notice."],
  forbidden: [null, "Notices from this contact are suspended after repeated unfounded notices. Write to the operator."],
  body_too_large: [null, "This is too long to send. Shorten the descriptions or send two notices."],
  validation_error: [null, "A field is too long or not in the expected form. Check the fields and send again."],
  invalid_state: [null, "This case no longer takes this step: its state changed. Reload the page."],
};

/** [field id or null, text] for a failed send. */
export function refusal(error) {
  if (error instanceof HttpError && REFUSALS[error.code]) return REFUSALS[error.code];
  return [null, explain(error)];
}

/** The form's own status line (role=status, announced), for progress and form-wide errors. */
export function formStatus(id) {
  const node = el("p", { id, role: "status", "aria-live": "polite" });
  return {
    node,
    progress(text) {
      node.className = "";
      node.setAttribute("role", "status");
      node.textContent = text;
    },
    fail(text) {
      node.className = "error";
      node.setAttribute("role", "alert");
      node.textContent = text;
    },
    clear() {
      node.className = "";
      node.textContent = "";
    },
  };
}

/** A link URL of a Sealbox server: http(s), a path ending in /l/<22-character id>. */
export function isLinkUrl(text) {
  let url;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  return (url.protocol === "https:" || url.protocol === "http:") && /\/l\/[A-Za-z0-9_-]{22}\/?$/.test(url.pathname);
}

/** The URL without its fragment: a notice names the link, never its key (compliance.md §2). */
export function withoutKey(text) {
  return text.split("#", 1)[0].trim();
}
