// SPDX-License-Identifier: AGPL-3.0-or-later

import { showMessage } from "./view.js";

export function showHome() {
  showMessage("Sealbox: a zero-knowledge drive. Open a link someone sent you to download what it shares; " +
              "everything is decrypted in this page.");
}
