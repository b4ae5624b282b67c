// SPDX-License-Identifier: AGPL-3.0-or-later
// The recovery page: the recovery key and a new password, all used in this page; then the drive.

import { InputError } from "../crypto/errors.js";
import { ready } from "../crypto/sodium.js";
import { recover } from "../drive/recover.js";
import { showDrive } from "./drive.js";
import { explain } from "./messages.js";
import { el, main } from "./view.js";

const MIN_PASSWORD = 10;

export function showRecover() {
  const username = el("input", { id: "recover-username", autocomplete: "username", required: "" });
  const key = el("input", { id: "recover-key", autocomplete: "off", spellcheck: "false", required: "" });
  const password = el("input", { id: "recover-password", type: "password", autocomplete: "new-password", required: "" });
  const button = el("button", { type: "submit", text: "Set the new password" });
  const status = el("p", { id: "status", role: "status", "aria-live": "polite" });
  const form = el("form", { id: "recover-form" },
    el("h1", { text: "Recover your account" }),
    el("label", { for: "recover-username", text: "Username" }), username,
    el("label", { for: "recover-key", text: "Recovery key (shown when you created the account)" }), key,
    el("label", { for: "recover-password", text: `New password (at least ${MIN_PASSWORD} characters)` }), password,
    el("p", {}, button), status,
    el("p", { class: "meta", text: "Your recovery key never leaves this page: it opens your keys here, " +
                                   "and the new password wraps them again. Your other sessions are logged out." }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.className = "";
    if (password.value.length < MIN_PASSWORD) {
      status.textContent = `Choose a password of at least ${MIN_PASSWORD} characters.`;
      return;
    }
    button.disabled = true;
    status.textContent = "Opening your keys with the recovery key…";
    try {
      await ready();
      const session = await recover(username.value, key.value, password.value);
      key.value = "";
      password.value = "";
      window.history.replaceState(null, "", "/app/drive");
      await showDrive(session);
    } catch (error) {
      status.className = "error";
      status.textContent = words(error);
      button.disabled = false;
    }
  });
  main().replaceChildren(form);
  username.focus();
}

function words(error) {
  if (error instanceof InputError) return `Check what you typed: ${error.message}.`;
  if (error?.status === 401 || error?.status === 404) return "That username and recovery key do not match an account.";
  return explain(error);
}
