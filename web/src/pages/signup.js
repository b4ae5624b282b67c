// SPDX-License-Identifier: AGPL-3.0-or-later
// Sign up: the keys are made in this page; the recovery key is shown once and never stored.

import { ready } from "../crypto/sodium.js";
import { logIn, signUp } from "../drive/login.js";
import { showDrive } from "./drive.js";
import { explain } from "./messages.js";
import { el, main } from "./view.js";

const MIN_PASSWORD = 10;

export function showSignup() {
  const username = el("input", { id: "new-username", autocomplete: "username", required: "" });
  const password = el("input", { id: "new-password", type: "password", autocomplete: "new-password", required: "" });
  const button = el("button", { type: "submit", text: "Create account" });
  const status = el("p", { id: "status", role: "status", "aria-live": "polite" });
  const form = el("form", { id: "signup-form" },
    el("h1", { text: "Create an account" }),
    el("label", { for: "new-username", text: "Username (letters, digits, . _ -)" }), username,
    el("label", { for: "new-password", text: `Password (at least ${MIN_PASSWORD} characters)` }), password,
    el("p", {}, button), status,
    el("p", { class: "meta", text: "Your keys are made in this page. The server never sees your password." }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.className = "";
    if (password.value.length < MIN_PASSWORD) {
      status.textContent = `Choose a password of at least ${MIN_PASSWORD} characters.`;
      return;
    }
    button.disabled = true;
    status.textContent = "Making your keys…";
    try {
      await ready();
      const recoveryText = await signUp(username.value, password.value);
      const session = await logIn(username.value, password.value);
      password.value = "";
      showRecoveryKey(recoveryText, session);
    } catch (error) {
      status.className = "error";
      status.textContent = error?.status === 409 ? "That username is taken. Choose another." : explain(error);
      button.disabled = false;
    }
  });
  main().replaceChildren(form);
  username.focus();
}

function showRecoveryKey(recoveryText, session) {
  const done = el("button", { type: "button", id: "recovery-done", text: "I have stored it: open my drive" });
  main().replaceChildren(
    el("h1", { text: "Your recovery key" }),
    el("p", { text: "If you forget your password, this key is the only way back into your files. " +
                    "Write it down or store it in a password manager now: it is shown only once." }),
    el("p", { class: "recovery", id: "recovery-key", text: recoveryText }),
    done);
  done.addEventListener("click", async () => {
    window.history.replaceState(null, "", "/app/drive");
    await showDrive(session);
  });
  done.focus();
}
