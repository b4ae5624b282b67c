// SPDX-License-Identifier: AGPL-3.0-or-later
// Removing a member from a shared folder (spec/sharing.md, "Removing a member"; the SDK's
// sdk/removal.py), from the owner's drive page. Who leaves is decided by this browser's pin and the
// account's own signed roster, never the server's share list (A32). Then, in order: the subtree is
// verified complete under the roster in force (step 0), the share ends (1), every folder of the
// subtree gets a new key in one transaction (2-4, drive/rotation.js), drop key wraps follow the
// new keys and links to rotated folders are revoked (5), and last the new rosters go out with the
// remaining members' new envelopes (6).
//
// The page keeps no journal: keys stay in memory (web-client.md). Run again after an interruption,
// it resumes as the spec's journal does: the roster in force still lists the member until step 6,
// so steps 0-6 run again (a share already ended is skipped, the subtree is rotated once more), and a
// drop wrap still under a replaced key opens with the earlier keys the folder's signed record keeps.

import { Code, IntegrityError } from "../crypto/errors.js";
import { wrapDropSecret, unwrapDropSecret } from "../crypto/drops.js";
import { b64url, bytesEqual, fromB64url, fromHex, hex } from "../crypto/layout.js";
import { envelopeHead, makeRoster, makeShareEnvelope } from "../crypto/shares.js";
import { commit, ChangeRefused } from "./changes.js";
import { identity, people } from "./contacts.js";
import { normalizeUsername } from "./login.js";
import { rotation, subtree, writePairs } from "./rotation.js";
import { checkedRoster, ownRoster, rosterPublished } from "./sharing.js";

const own = (session) => ({ userId: session.userId, signPublic: session.signPublic });

/** The share id, folder and recipient the server lists must be those this account signed. */
function checkSent(session, view, folderId, recipientId) {
  const head = envelopeHead(view.envelope, own(session));
  if (!bytesEqual(head.shareId, view.shareId) || !bytesEqual(head.folderId, folderId) ||
      !bytesEqual(head.recipientId, recipientId)) {
    throw new IntegrityError(Code.CONTEXT_MISMATCH, "the server's share does not match the envelope you signed for it");
  }
}

/**
 * The user id `username` names through this browser's pin; refused, before anything is changed,
 * unless the account's own latest roster lists it and the share's envelope names it.
 */
function leavingId(session, username, roster, views, folderName) {
  const name = normalizeUsername(username);
  const pin = people(session).pins.byName(name);
  const userId = pin ? pin.userId : null;
  if (!userId || !roster || !roster.members.some((m) => bytesEqual(m.userId, userId))) {
    if (views.some((v) => v.recipientUsername === name || (userId && bytesEqual(v.recipientId, userId)))) {
      throw new IntegrityError(Code.CONTEXT_MISMATCH, `the server lists ${folderName} as shared with ${name}, but your own ` +
        "signed list of its members does not name them: the server invented that share");
    }
    throw new ChangeRefused(`${folderName} is not shared with ${name}.`);
  }
  for (const view of views) if (bytesEqual(view.recipientId, userId)) checkSent(session, view, roster.folderId, userId);
  return userId;
}

/** The folder as listed now in `shown` (a place), and `child` in it by node id. */
async function listedNow(ctx, shown, child) {
  const parent = { folder: shown.folder, verified: await ctx.list(shown.folder) };
  const now = parent.verified.children.find((c) => bytesEqual(c.record.nodeId, child.record.nodeId));
  if (!now || !now.isFolder) throw new ChangeRefused(`"${child.metadata.name}" is no longer in "${shown.folder.name}". Reload the folder.`);
  return { parent, node: now };
}

/**
 * End `username`'s access to the folder `child` (verified in the place `shown`), then give it
 * and every folder below it new keys, so that what is written from now on is sealed under keys
 * the former member never had. `progress(text)` tells the person where it is.
 */
export async function removeMember(ctx, shown, child, username, progress = () => {}) {
  const { session } = ctx;
  const { api } = people(session);
  const { parent, node } = await listedNow(ctx, shown, child);
  const folderId = node.record.nodeId;
  const outgoing = (await api.shares()).outgoing.filter((v) => bytesEqual(v.folderId, folderId));
  const roster = await ownRoster(session, folderId);
  const leaving = leavingId(session, username, roster, outgoing, node.metadata.name);
  progress("Checking every folder inside…");
  const order = await subtree(ctx, parent, node);
  const { change, keys } = rotation(session, order, writePairs(roster));
  progress("Ending the share…");
  for (const view of outgoing) if (bytesEqual(view.recipientId, leaving)) await api.endShare(view.shareId);
  progress("Replacing the keys…");
  ctx.keep(await commit(session, change));
  await followKeys(session, order, keys);
  progress("Sending the new keys to the other members…");
  await publishAll(session, folderId, keys, leaving);
}

/**
 * Step 5: a drop key wrap of a rotated folder made under any key it had (the one replaced now, or
 * one its signed record keeps from an interrupted run) is wrapped again under the new key; links
 * to rotated folders are revoked (their secrets hold old keys).
 */
async function followKeys(session, order, keys) {
  const { api } = people(session);
  const earlier = new Map(order.map(({ node }) => [hex(node.record.nodeId), (node.metadata.earlierKeys ?? []).map((e) => e.key)]));
  for (const drop of await api.drops()) {
    const folder = keys.get(hex(drop.folderId));
    if (!folder) continue;
    let secret = null;
    for (const candidate of [folder.new, folder.old, ...earlier.get(hex(drop.folderId))]) {
      try {
        secret = unwrapDropSecret(candidate, drop.keyWrap, drop.dropId, drop.folderId, drop.publicKey);
      } catch {
        continue;
      }
      if (candidate !== folder.new) {
        await api.rewrapDrop(drop.dropId, wrapDropSecret(folder.new, secret, drop.dropId, drop.folderId, drop.publicKey));
      }
      break;
    }
    if (!secret) {
      throw new IntegrityError(Code.DECRYPT_FAILED, "a drop link's key does not open under any key its folder had; " +
        "make a new drop link for that folder");
    }
  }
  for (const link of (await session.api.links()).links ?? []) {
    if (keys.has(hex(fromB64url(link.node_id)))) await session.api.revokeLink(link.link_id);
  }
}

/** Step 6: deepest folders first and the shared folder last, each roster with members. */
async function publishAll(session, folderId, keys, leaving) {
  const { api } = people(session);
  const views = (await api.shares()).outgoing;
  const stored = await api.rosters();
  for (const [id, folderKeys] of [...keys.entries()].reverse()) {
    const folder = fromHex(id);
    const mine = views.filter((v) => bytesEqual(v.folderId, folder));
    const current = checkedRoster(session, own(session), folder, stored.get(b64url(folder)) ?? null);
    if (bytesEqual(folder, folderId)) {
      await publish(session, folder, folderKeys, mine, current, leaving);
    } else if (mine.length && current?.members.length) {
      await publish(session, folder, folderKeys, mine, current, null);
    }
  }
}

/**
 * The folder's next roster (`current` without `gone`) with a new key epoch, and a new envelope
 * of the new key for every member it lists, in one request. Members and rights come from the
 * roster this account signed; a share the server lists for anyone else gets nothing (A22).
 */
async function publish(session, folderId, keys, views, current, gone) {
  const { api, pins } = people(session);
  const members = current.members.filter((m) => !(gone && bytesEqual(m.userId, gone)));
  const version = current.version + 1;
  const signed = makeRoster(session.signSeed, { folderId, version, keyEpoch: version, ownerId: session.userId, members });
  const envelopes = [];
  for (const member of members) {
    const view = views.find((v) => bytesEqual(v.recipientId, member.userId));
    if (!view) {
      throw new IntegrityError(Code.ROLLBACK, "the server withholds the share of a member of this folder; remove the member again");
    }
    checkSent(session, view, folderId, member.userId);
    const pin = pins.byId(member.userId);
    if (!pin) throw new ChangeRefused("A member of this folder has no pinned key in this browser: remove the member with `sealbox unshare`.");
    const recipient = await identity(session, pin.username);
    if (!bytesEqual(recipient.bundle.userId, member.userId)) throw new IntegrityError(Code.CONTEXT_MISMATCH, "the bundle names another account");
    envelopes.push([view.shareId, makeShareEnvelope(session.signSeed, {
      shareId: view.shareId, folderId, senderId: session.userId, recipientId: member.userId, rights: member.rights,
      epoch: version, folderKey: keys.new, folderName: keys.name,
    }, recipient.bundle.boxPublic)]);
  }
  await api.setRoster(folderId, signed, envelopes);
  rosterPublished(session, folderId, version, signed);
}
