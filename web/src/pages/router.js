// SPDX-License-Identifier: AGPL-3.0-or-later
// Chooses the page from the path; every page route gets the same entry page (web-client.md).

import { showAbuseForm } from "./abuse.js";
import { showCounterForm } from "./counter.js";
import { showDrop } from "./drop.js";
import { showDrive, showLogin } from "./drive.js";
import { showContacts } from "./contacts.js";
import { showShares } from "./shares.js";
import { showHome } from "./home.js";
import { showSignup } from "./signup.js";
import { showLink } from "./link.js";
import { showNoticeForm } from "./notice.js";
import { showRecover } from "./recover.js";
import { showMessage } from "./view.js";

export function route(fragment) {
  const path = window.location.pathname;
  const link = /^\/l\/([A-Za-z0-9_-]{22})$/.exec(path);
  if (link) return showLink(link[1], fragment);
  const drop = /^\/d\/([A-Za-z0-9_-]{22})$/.exec(path);
  if (drop) return showDrop(drop[1], fragment);
  // The session lives in memory only: a reload of the drive asks to log in again.
  if (path === "/app/login" || path === "/app/drive") return showLogin();
  if (path === "/app/contacts") {
    return showLogin((session) => showContacts(session, () => showDrive(session)), "Log in to see your contacts", path);
  }
  if (path === "/app/shares") {
    return showLogin((session) => showShares(session, () => showDrive(session)), "Log in to see what is shared with you", path);
  }
  if (path === "/app/signup") return showSignup();
  if (path === "/app/recover") return showRecover();
  // The public forms (compliance.md; web-client.md, "Public forms").
  if (path === "/app/notice") return showNoticeForm();
  if (path === "/app/report") return showAbuseForm();
  if (path === "/app/counter-notice") {
    return showLogin(showCounterForm, "Log in to file a counter-notice", "/app/counter-notice");
  }
  if (path.startsWith("/d/") || path.startsWith("/app/")) {
    return showMessage("This page is not in this version of the web client yet. Use the sealbox command-line client.");
  }
  return showHome();
}
