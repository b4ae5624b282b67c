// SPDX-License-Identifier: AGPL-3.0-or-later
// Shares between accounts (spec/sharing.md, "Shares"; the SDK's shares.py and rosters.py):
// granting a folder to a contact, the owner's own signed rosters, and opening the shares granted
// to this account. Every identity comes from a pin or from a roster signed by a pinned key, never
// from the server's share list, which only supplies names to show.

import { Code, IntegrityError } from "../crypto/errors.js";
import { b64url, bytesEqual, concat, hex, utf8 } from "../crypto/layout.js";
import { makeRoster, makeShareEnvelope, openRoster, openShareEnvelope } from "../crypto/shares.js";
import { blake2b, randomBytes } from "../crypto/sodium.js";
import { identity, people, requireContact } from "./contacts.js";
import { marksOf, rosterMarkId } from "./marks.js";

export const READ = 1;
export const WRITE = 2;
const ROSTER_LABEL = utf8("sealbox share roster v2\0");

/** What a member remembers with a roster's version (the SDK's roster_digest). */
const rosterDigest = (data) => blake2b(concat(ROSTER_LABEL, data));

/**
 * `data` verified as `owner`'s ({ userId, signPublic }) roster of the folder and held to the
 * roster mark: never older than, nor different at the same version from, one accepted before.
 */
export function checkedRoster(session, owner, folderId, data) {
  const marks = marksOf(session);
  const id = rosterMarkId(owner.userId, folderId);
  const mark = marks.get(id);
  if (data == null) {
    if (mark) throw new IntegrityError(Code.ROLLBACK, "the server withheld the folder's roster");
    return null;
  }
  const roster = openRoster(data, owner, folderId);
  const digest = rosterDigest(data);
  if (mark && BigInt(roster.version) < BigInt(mark.version)) throw new IntegrityError(Code.ROLLBACK, "an older roster");
  if (mark && BigInt(roster.version) === BigInt(mark.version) && !bytesEqual(digest, mark.hash)) {
    throw new IntegrityError(Code.FORK, "two rosters of one version");
  }
  marks.set(id, { version: roster.version, hash: digest });
  return roster;
}

/** The latest roster this account signed for one of its folders, or null if never shared. */
export async function ownRoster(session, folderId) {
  const stored = (await people(session).api.rosters()).get(b64url(folderId)) ?? null;
  return checkedRoster(session, { userId: session.userId, signPublic: session.signPublic }, folderId, stored);
}

/** After the server accepted a roster this account signed: the mark moves to it. */
export function rosterPublished(session, folderId, version, signed) {
  marksOf(session).set(rosterMarkId(session.userId, folderId), { version, hash: rosterDigest(signed) });
}

/**
 * Grant `child` (a folder verified in the drive) to `username` with `rights`. The recipient's
 * key comes from a bundle accepted against the pin; after a key change nothing is sent.
 */
export async function shareFolder(session, child, username, rights) {
  if (!child.isFolder) throw new Error("Only folders can be shared.");
  const recipient = await identity(session, username);
  if (bytesEqual(recipient.bundle.userId, session.userId)) throw new Error("A folder cannot be shared with yourself.");
  await requireContact(session, recipient.bundle.userId, recipient.username);
  const folderId = child.record.nodeId;
  const current = await ownRoster(session, folderId);
  const members = (current?.members ?? []).filter((m) => !bytesEqual(m.userId, recipient.bundle.userId));
  members.push({ userId: recipient.bundle.userId, signPublic: recipient.bundle.signPublic, rights });
  // A new member gets the folder's current key, so its envelope carries the current key epoch.
  const version = current ? current.version + 1 : 1;
  const roster = { folderId, version, keyEpoch: current ? current.keyEpoch : version, ownerId: session.userId, members };
  const signed = makeRoster(session.signSeed, roster);
  const shareId = randomBytes(16);
  const envelope = makeShareEnvelope(session.signSeed, {
    shareId, folderId, senderId: session.userId, recipientId: recipient.bundle.userId,
    rights, epoch: roster.keyEpoch, folderKey: child.key(), folderName: child.metadata.name,
  }, recipient.bundle.boxPublic);
  await people(session).api.createShare({ shareId, folderId, recipientId: recipient.bundle.userId, rights, envelope, roster: signed });
  rosterPublished(session, folderId, version, signed);
  return recipient;
}

/**
 * The members of one of this account's folders, from its own signed roster (never the server's
 * list): [{ userId, username, rights, verified, pinned }], names from this browser's pins.
 */
export async function members(session, folderId) {
  const roster = await ownRoster(session, folderId);
  const { pins } = people(session);
  return (roster?.members ?? []).map((m) => {
    const pin = pins.byId(m.userId);
    const same = pin && bytesEqual(pin.signPublic, m.signPublic);
    return { userId: m.userId, rights: m.rights, username: pin ? pin.username : "someone not pinned in this browser",
             verified: Boolean(same && pin.verified), pinned: Boolean(pin) };
  });
}

/**
 * The shares granted to this account: { shares: [{ view, grant, verified }], refused: [{ view,
 * error }], hidden: [{ view, invited, contact }] }. A share opens only if its owner is an accepted
 * contact pinned in this browser; listing pins no one (sharing.md, "Shares from contacts only").
 */
export async function incoming(session) {
  const { api, pins } = people(session);
  const [listed, known] = await Promise.all([api.shares(), api.contacts()]);
  const has = (views, id) => views.some((v) => bytesEqual(v.userId, id));
  const found = { shares: [], refused: [], hidden: [] };
  for (const view of listed.incoming) {
    const pin = pins.byId(view.ownerId);
    if (!pin || !has(known.accepted, view.ownerId)) {
      found.hidden.push({ view, invited: has(known.incoming, view.ownerId), contact: has(known.accepted, view.ownerId) });
      continue;
    }
    try {
      found.shares.push(await opened(session, view, pin.username));
    } catch (error) {
      found.refused.push({ view, error });
    }
  }
  return found;
}

async function opened(session, view, pinnedName) {
  if (view.ownerUsername !== pinnedName) throw new IntegrityError(Code.CONTEXT_MISMATCH, "the share names another owner");
  const owner = await identity(session, pinnedName);
  if (!bytesEqual(owner.bundle.userId, view.ownerId)) throw new IntegrityError(Code.CONTEXT_MISMATCH, "the share names another owner");
  const grant = openShareEnvelope({ userId: session.userId, boxSecret: session.boxSecret }, view.envelope, owner.bundle);
  if (!bytesEqual(grant.shareId, view.shareId) || !bytesEqual(grant.folderId, view.folderId) || grant.rights !== view.rights) {
    throw new IntegrityError(Code.CONTEXT_MISMATCH, "the server altered the share");
  }
  return { view, grant, owner, verified: owner.verified };
}

/**
 * The writers of an incoming share (Map hex user id -> signing key): the owner, with the pinned
 * key, and the write members of the owner's roster, checked against the mark, the envelope's
 * rights and its epoch (sharing.md, "Share roster", steps 5-7).
 */
export function shareWriters(session, share) {
  const { grant, owner, view } = share;
  const writers = new Map([[hex(owner.bundle.userId), owner.bundle.signPublic]]);
  const roster = checkedRoster(session, owner.bundle, grant.folderId, view.roster);
  if (!roster) return writers;
  const me = roster.members.find((m) => bytesEqual(m.userId, session.userId));
  if (!me) throw new IntegrityError(Code.CONTEXT_MISMATCH, "the owner's signed roster of this folder does not list you");
  if (me.rights !== grant.rights) throw new IntegrityError(Code.CONTEXT_MISMATCH, "your rights in the roster differ from your share");
  if (BigInt(grant.epoch) !== BigInt(roster.keyEpoch)) throw new IntegrityError(Code.ROLLBACK, "a share key of another epoch");
  for (const m of roster.members) if (m.rights === WRITE) writers.set(hex(m.userId), m.signPublic);
  return writers;
}
