// SPDX-License-Identifier: AGPL-3.0-or-later
// Freshness marks (metadata.md, "Freshness"; sharing.md, "Share roster", step 5) kept per account
// in this browser's localStorage, so that a server cannot roll the page back between visits
// (web-client.md, "What the page remembers"). A mark is a version and a hash, never a key; it
// does show, to someone holding the device, that this account used this browser and how often
// its folders changed.

import { fromHex, hex } from "../crypto/layout.js";

const storageKey = (userId) => `sealbox.marks.${location.host}.${hex(userId)}`;

const encoded = (mark) => ({ version: String(mark.version), hash: hex(mark.hash) });

function decoded(entry) {
  const big = BigInt(entry.version);
  return { version: big > BigInt(Number.MAX_SAFE_INTEGER) ? big : Number(big), hash: fromHex(entry.hash) };
}

/** A Map-like store of marks by text key (a hex folder id, or "roster:" owner ":" folder). */
export class Marks {
  #key;
  #storage;
  #marks = new Map();

  constructor(userId, storage = globalThis.localStorage) {
    this.#key = storageKey(userId);
    this.#storage = storage;
    this.#merge();
  }

  /** Take in the stored marks higher than this page's (another tab of the same account). */
  #merge() {
    let stored = {};
    try {
      stored = JSON.parse(this.#storage?.getItem(this.#key) ?? "{}");
    } catch {
      stored = {};
    }
    for (const [id, entry] of Object.entries(stored)) {
      try {
        const mark = decoded(entry);
        const kept = this.#marks.get(id);
        if (!kept || BigInt(mark.version) > BigInt(kept.version)) this.#marks.set(id, mark);
      } catch {
        // An entry this page cannot read is dropped, as if never seen (first sight again).
      }
    }
  }

  get(id) {
    return this.#marks.get(id);
  }

  /** Keep `mark` unless a higher one is already kept (two tabs may both write). */
  set(id, mark) {
    const kept = this.#marks.get(id);
    if (kept && BigInt(kept.version) > BigInt(mark.version)) return this;
    this.#marks.set(id, mark);
    this.#save();
    return this;
  }

  #save() {
    this.#merge();
    const out = {};
    for (const [id, mark] of this.#marks) out[id] = encoded(mark);
    try {
      this.#storage?.setItem(this.#key, JSON.stringify(out));
    } catch {
      // A full or disabled storage keeps the marks for this page's life only.
    }
  }
}

export const rosterMarkId = (ownerId, folderId) => `roster:${hex(ownerId)}:${hex(folderId)}`;

const sessions = new WeakMap();

/** The marks of a logged-in session's account, one store per session. */
export function marksOf(session) {
  if (!sessions.has(session)) sessions.set(session, new Marks(session.userId));
  return sessions.get(session);
}
