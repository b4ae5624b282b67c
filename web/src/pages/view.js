// SPDX-License-Identifier: AGPL-3.0-or-later
// Small DOM helpers. Text from files and the server is set with textContent only, never as HTML.

export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "text") node.textContent = value;
    else if (key === "on") for (const [event, fn] of Object.entries(value)) node.addEventListener(event, fn);
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

export function main() {
  return document.getElementById("main");
}

export function setStatus(text) {
  document.getElementById("status").textContent = text;
}

export function showMessage(text) {
  main().replaceChildren(el("p", { id: "status", role: "status", "aria-live": "polite", text }));
}

export function showError(text) {
  const status = document.getElementById("status");
  const box = el("div", { class: "error", role: "alert", id: "error", text });
  if (status) status.replaceWith(box);
  else main().prepend(box);
}

export function formatSize(bytes) {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}
