// SPDX-License-Identifier: AGPL-3.0-or-later

import { el, main } from "./view.js";

export function showHome() {
  main().replaceChildren(
    el("h1", { text: "Sealbox" }),
    el("p", { text: "A zero-knowledge drive: everything is encrypted and decrypted in this page, " +
                    "and the server stores only what it cannot read." }),
    el("p", {}, el("a", { href: "/app/login", id: "login-link", text: "Log in to your drive" }),
      " or ", el("a", { href: "/app/signup", id: "signup-link", text: "create an account" })),
    el("p", { class: "meta", text: "Opened a link someone sent you? It works without an account." }),
  );
}
