// SPDX-License-Identifier: AGPL-3.0-or-later
// Words for failures of contacts and shares; a key change is told as what it may be, an
// impersonation, with the step that resolves it (sharing.md, "Pinning identities").

import { HttpError } from "../api/visitor.js";
import { Code, IntegrityError } from "../crypto/errors.js";
import { KeyChanged } from "../drive/contacts.js";
import { explain } from "./messages.js";

export const keyChangedText = (username) =>
  `The identity key of ${username} has changed since you first saw it. Someone (possibly the server) ` +
  "may be impersonating them. Nothing was sent or opened. Compare safety numbers with them on the Contacts " +
  "page and accept the new key only if the numbers match.";

/** Plain words for a failure on the contacts or shares pages. */
export function sharingMessage(error, username = "this person") {
  if (error instanceof KeyChanged) return keyChangedText(error.username);
  if (error instanceof IntegrityError) {
    if (error.code === Code.ROLLBACK || error.code === Code.FORK) {
      return "The server sent an older or a different version of what this browser saw before (a rollback). " +
        "Nothing was opened. Try again later; if it persists, tell the server's operator.";
    }
    return `The server sent an identity or a share for ${username} that does not verify: it is not what ` +
      "that person signed. Nothing was sent or opened. If it persists, tell the server's operator.";
  }
  if (error instanceof HttpError) {
    if (error.status === 404) return `There is no user called ${username}, or nothing to accept from them.`;
    if (error.status === 400) return "You cannot invite yourself.";
    if (error.code === "not_a_contact") return `${username} is not your contact yet.`;
    if (error.status === 409) {
      return `${username} already has this folder. To change their rights, remove them first (\`sealbox unshare\`).`;
    }
  }
  if (error?.name === "Error") return error.message;
  return explain(error);
}
