// SPDX-License-Identifier: AGPL-3.0-or-later
// Words a person can act on for every failure; no secret, key or code is ever shown
// (spec/README.md, "Errors", rule 4).

import { HttpError } from "../api/visitor.js";
import { InputError, IntegrityError } from "../crypto/errors.js";
import { SaveError } from "./sinks.js";

export const TAMPERED =
  "This item failed verification: the server sent data that is not what its owner sealed. " +
  "Nothing was saved. Try again later; if it persists, tell the owner or the server's operator.";
export const DAMAGED = "This link is wrong or incomplete: the part after # is missing or mistyped. " +
  "Ask the sender to copy the whole link again.";

/** One place that turns a failure into words a person can act on; no secret is ever shown. */
export function explain(error) {
  if (error instanceof IntegrityError) return TAMPERED;
  if (error instanceof InputError) return DAMAGED;
  if (error instanceof SaveError) return error.message;
  if (error instanceof HttpError) {
    if (error.status === 401) return "Wrong username or password, or the session ended. Log in again.";
    if (error.status === 429) return "Too many failed attempts from here. Wait a few minutes and try again.";
    if (error.status === 404) return "This link does not exist, was revoked, or its item was deleted.";
    if (error.code === "link_expired") return "This link has expired.";
    if (error.code === "link_exhausted") return "This link has reached its download limit.";
    return `The server could not answer (${error.status}). Try again later.`;
  }
  return "Something went wrong in this page. Reload it to try again.";
}
