// SPDX-License-Identifier: AGPL-3.0-or-later
// Other people's identities and contacts, as the SDK's contacts.py: bundles fetched from the
// server and accepted only against this browser's pin (pinned unverified on first sight, a step
// the person takes), safety numbers, and the invitations that make two accounts contacts.

import { SharingApi } from "../api/sharing.js";
import { Code, IntegrityError } from "../crypto/errors.js";
import { safetyNumber, verifyBundle } from "../crypto/identity.js";
import { bytesEqual, hex } from "../crypto/layout.js";
import { normalizeUsername } from "./login.js";
import { Pins } from "./pins.js";

/** A key the pin does not vouch for: nothing is sealed to or accepted from this person. */
export class KeyChanged extends IntegrityError {
  constructor(username) {
    super(Code.KEY_CHANGED, username);
    this.username = username;
  }
}

const parts = new WeakMap();

/** The session's sharing routes and pins: { api, pins }. */
export function people(session) {
  if (!parts.has(session)) parts.set(session, { api: new SharingApi(session.api), pins: new Pins(session.userId) });
  return parts.get(session);
}

async function fetched(session, name) {
  const reply = await people(session).api.bundle(name);
  if (reply.username !== name) throw new IntegrityError(Code.CONTEXT_MISMATCH, "the server answered for another user");
  return reply;
}

/**
 * The user's bundle accepted against the pin: { username, bundle, verified }. Pinned unverified
 * on first sight unless `firstSight` is false (then checked on its own, for a name only).
 * Throws KeyChanged (the pin untouched) when the server offers a key the pin does not vouch for.
 */
export async function identity(session, username, firstSight = true) {
  const name = normalizeUsername(username);
  if (name === session.username) return { username: name, bundle: session.bundle, verified: true };
  const reply = await fetched(session, name);
  const { pins } = people(session);
  const pinned = pins.byName(name);
  let bundle;
  try {
    bundle = verifyBundle(reply.bundle, name, pinned);
  } catch (error) {
    if (error instanceof IntegrityError && error.code === Code.KEY_CHANGED) throw new KeyChanged(name);
    throw error;
  }
  if (!bytesEqual(bundle.userId, reply.userId)) throw new IntegrityError(Code.CONTEXT_MISMATCH, "the bundle names another account");
  const verified = pinned ? pinned.verified : false;
  if (pinned || firstSight) pins.save(bundle, name, verified);
  return { username: name, bundle, verified };
}

/**
 * The safety number with `username`: { username, number, bundle, keyChanged, verified }. After a
 * key change the bundle the server offers now is checked on its own and shown for comparison;
 * it is pinned only by confirm().
 */
export async function compare(session, username) {
  const name = normalizeUsername(username);
  let bundle;
  let verified = false;
  let keyChanged = false;
  try {
    ({ bundle, verified } = await identity(session, name));
  } catch (error) {
    if (!(error instanceof KeyChanged)) throw error;
    const reply = await fetched(session, name);
    bundle = verifyBundle(reply.bundle, name, null);
    if (!bytesEqual(bundle.userId, reply.userId)) throw new IntegrityError(Code.CONTEXT_MISMATCH, "the bundle names another account");
    keyChanged = true;
  }
  return { username: name, number: safetyNumber(session.bundle, bundle), bundle, keyChanged, verified };
}

/** The person compared the number of `shown` (from compare()) and it matched: pin that key, verified. */
export function confirm(session, shown) {
  people(session).pins.save(shown.bundle, shown.username, true);
}

/** Invite `username`, pinning their key on first sight; inviting an inviter accepts them. */
export async function invite(session, username) {
  const found = await identity(session, username);
  if (bytesEqual(found.bundle.userId, session.userId)) throw new Error("You cannot invite yourself.");
  await people(session).api.invite(found.username);
  return found;
}

/** Accept the invitation from `username` (or pin an accepted contact's key on this device). */
export async function accept(session, username) {
  const found = await identity(session, username);
  const listed = await people(session).api.contacts();
  if (!listed.accepted.some((c) => bytesEqual(c.userId, found.bundle.userId))) await people(session).api.accept(found.username);
  return found;
}

/**
 * Every contact and invitation with the local pin state: [{ username, userId, state, pinned,
 * verified, keyChanged }], state "contact", "invited", "invites you" or "pinned" (a key pinned
 * here with no contact on the server). A pinned person's bundle is checked again, so a changed
 * key shows in the list.
 */
export async function listing(session) {
  const listed = await people(session).api.contacts();
  const { pins } = people(session);
  const out = [];
  const seen = new Set();
  for (const [state, views] of [["contact", listed.accepted], ["invited", listed.outgoing], ["invites you", listed.incoming]]) {
    for (const view of views) {
      seen.add(hex(view.userId));
      out.push(await entry(session, pins.byId(view.userId), view, state));
    }
  }
  for (const pin of pins.all()) {
    if (!seen.has(hex(pin.userId))) out.push({ username: pin.username, userId: pin.userId, state: "pinned", pinned: true, verified: pin.verified, keyChanged: false });
  }
  return out.sort((a, b) => a.username.localeCompare(b.username));
}

async function entry(session, pin, view, state) {
  const base = { username: view.username, userId: view.userId, state, pinned: Boolean(pin), verified: false, keyChanged: false };
  if (!pin) return base;
  try {
    const found = await identity(session, pin.username);
    return { ...base, verified: found.verified };
  } catch (error) {
    if (error instanceof KeyChanged) return { ...base, keyChanged: true };
    throw error;
  }
}

/** Refuse before anything is sealed unless `userId` is an accepted contact. */
export async function requireContact(session, userId, username) {
  const listed = await people(session).api.contacts();
  if (!listed.accepted.some((c) => bytesEqual(c.userId, userId))) {
    throw new Error(`${username} is not your contact yet: invite them on the Contacts page and wait until they accept.`);
  }
}
