// SPDX-License-Identifier: AGPL-3.0-or-later

/** Read location.hash, then remove it at once with history.replaceState. */
export function takeFragment() {
  const fragment = window.location.hash.slice(1);
  if (window.location.hash || window.location.href.endsWith("#")) {
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }
  return fragment;
}
