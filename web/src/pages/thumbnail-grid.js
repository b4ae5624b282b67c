// SPDX-License-Identifier: AGPL-3.0-or-later
// The drive's grid view: each file's sealed thumbnail (spec/metadata.md, "Thumbnails"), shown
// lazily once its tile scrolls into view. A thumbnail arrives inside metadata that already opened
// and verified with its record; it is checked again here, right before it is shown, and one that
// fails, or that the browser cannot decode, leaves a placeholder and says so.

import { checkThumbnail } from "../crypto/thumbnails.js";
import { el } from "./view.js";

let gridOn = false; // the choice lasts while the page is open, across folders

const pictures = new WeakMap(); // tile -> { bytes, name }

/** The button that switches `list` between rows and a grid of thumbnails. */
export function gridToggle(list) {
  const button = el("button", { type: "button", id: "grid-toggle", "aria-controls": list.id });
  const render = () => {
    list.classList.toggle("grid", gridOn);
    button.setAttribute("aria-pressed", String(gridOn));
    button.textContent = gridOn ? "List view" : "Grid view";
  };
  button.addEventListener("click", () => {
    gridOn = !gridOn;
    render();
  });
  render();
  return button;
}

/** Watches tiles and shows each one's picture when it first comes into view (a hidden list
 * view never intersects, so nothing is decoded until the grid is shown). */
export function lazyTiles() {
  const observer = new IntersectionObserver((seen) => {
    for (const entry of seen) {
      if (!entry.isIntersecting) continue;
      observer.unobserve(entry.target);
      show(entry.target);
    }
  }, { rootMargin: "200px" });
  return observer;
}

/** The tile of a file: its thumbnail when it has one, else a placeholder naming its kind. */
export function thumbnailTile(metadata, observer) {
  const tile = el("div", { class: "thumb", "aria-hidden": "true" });
  if (metadata.thumbnail) {
    pictures.set(tile, { bytes: metadata.thumbnail, name: metadata.name });
    tile.dataset.state = "waiting";
    observer.observe(tile);
  } else {
    tile.append(el("span", { class: "meta", text: "No preview" }));
  }
  return tile;
}

export function folderTile() {
  return el("div", { class: "thumb folder", "aria-hidden": "true" }, el("span", { text: "Folder" }));
}

function show(tile) {
  const { bytes, name } = pictures.get(tile);
  try {
    checkThumbnail(bytes);
  } catch {
    failed(tile, "This thumbnail failed verification and is not shown.");
    return;
  }
  const url = URL.createObjectURL(new Blob([bytes], { type: "image/jpeg" }));
  const img = el("img", { alt: `Thumbnail of ${name}`, src: url });
  img.addEventListener("load", () => {
    URL.revokeObjectURL(url);
    tile.dataset.state = "shown";
  });
  img.addEventListener("error", () => {
    URL.revokeObjectURL(url);
    failed(tile, "This thumbnail could not be decoded and is not shown.");
  });
  tile.replaceChildren(img);
}

function failed(tile, text) {
  tile.dataset.state = "failed";
  tile.removeAttribute("aria-hidden");
  tile.replaceChildren(el("span", { class: "placeholder", role: "img", "aria-label": text, title: text, text: "?" }));
}
