// SPDX-License-Identifier: AGPL-3.0-or-later
// Pins of other people's identities (spec/sharing.md, "Pinning identities"): user id, signing
// key, bundle version and verification state, kept per account in this browser's localStorage
// (web-client.md, "What the page remembers"). The server never sets, changes or removes a pin.

import { fromHex, hex } from "../crypto/layout.js";

const storageKey = (ownerId) => `sealbox.pins.${location.host}.${hex(ownerId)}`;

function decoded(entry) {
  return { userId: fromHex(entry.userId), username: entry.username, signPublic: fromHex(entry.signPublic),
           bundleVersion: Number(entry.bundleVersion), verified: entry.verified === true };
}

export class Pins {
  #key;
  #storage;

  /** ownerId: the account whose pins these are; storage: a Storage (localStorage by default). */
  constructor(ownerId, storage = globalThis.localStorage) {
    this.#key = storageKey(ownerId);
    this.#storage = storage;
  }

  #read() {
    try {
      return JSON.parse(this.#storage?.getItem(this.#key) ?? "{}");
    } catch {
      return {};
    }
  }

  /** Every pin: [{ userId, username, signPublic, bundleVersion, verified }], sorted by username. */
  all() {
    return Object.values(this.#read()).map(decoded).sort((a, b) => a.username.localeCompare(b.username));
  }

  byId(userId) {
    const entry = this.#read()[hex(userId)];
    return entry ? decoded(entry) : null;
  }

  byName(username) {
    return this.all().find((pin) => pin.username === username) ?? null;
  }

  /** Pin (or move the pin of) a bundle accepted against the pin, or confirmed by the person. */
  save(bundle, username, verified) {
    const all = this.#read();
    for (const [id, entry] of Object.entries(all)) {
      if (entry.username === username && id !== hex(bundle.userId)) delete all[id];
    }
    all[hex(bundle.userId)] = { userId: hex(bundle.userId), username, signPublic: hex(bundle.signPublic),
                                bundleVersion: String(bundle.bundleVersion), verified };
    this.#storage?.setItem(this.#key, JSON.stringify(all));
  }
}
