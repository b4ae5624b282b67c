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
    el("nav", { class: "meta", "aria-label": "Reports" },
      el("a", { href: "/app/notice", id: "notice-link", text: "Copyright notice" }), " · ",
      el("a", { href: "/app/report", id: "abuse-link", text: "Report illegal content" }), " · ",
      el("a", { href: "/app/counter-notice", id: "counter-link", text: "Counter-notice" })),
  );
}
