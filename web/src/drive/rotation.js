// SPDX-License-Identifier: AGPL-3.0-or-later
// Giving a shared folder and every folder below it new keys (spec/sharing.md, "Removing a member",
// steps 0 and 2-4; the SDK's sdk/rotation.py). The subtree is listed and verified first, complete:
// a rotated manifest cannot name a record this page could not re-wrap under the new key. Every
// record is re-made under its parent's new key (node version + 1) and signed by the owner, keeping
// who wrote it ("Attribution across rotation"); every rotated folder's new record keeps the key it
// replaces with the writers of the roster in force ("Earlier keys after a rotation").
// The page sends the whole rotation as one folder transaction, so the tree is consistent whatever
// happens to the page; a subtree above the limits of one transaction is left to the CLI.

import { b64url, bytesEqual, compareBytes, hex } from "../crypto/layout.js";
import { randomBytes } from "../crypto/sodium.js";
import { NodeType, makeNodeRecord, recordHash, sealMetadata, wrapNodeKey } from "../crypto/tree.js";
import { Change, ChangeRefused } from "./changes.js";
import { people } from "./contacts.js";

const MAX_NODE_PUTS = 5000; // http-api.md §9
const MAX_MANIFESTS = 1000;
const MAX_EARLIER_KEYS = 64;

/**
 * Step 0: every folder of the subtree of `node` (a folder verified in `parent`, a place), top
 * first, each listed and verified now with ctx.list: [{ parent, node, place }]. A listing with
 * withheld items refuses the removal here, before anything is ended, signed or rotated (A36).
 */
export async function subtree(ctx, parent, node) {
  const order = [];
  const add = async (above, child) => {
    const folder = { id: child.record.nodeId, key: child.key(), name: child.metadata.name };
    order.push({ parent: above, node: child, place: { folder, verified: await ctx.list(folder) } });
  };
  await add(parent, node);
  for (let i = 0; i < order.length; i++) {
    const { place } = order[i];
    if (place.verified.withheld) {
      throw new ChangeRefused(`The server withheld items of "${place.folder.name}", so its keys cannot all be ` +
        "replaced. Nothing was changed; try again later, and if it persists tell the server's operator.");
    }
    for (const child of place.verified.children) if (child.isFolder) await add(place, child);
  }
  return order;
}

/** The write members of `roster` (the roster in force) as sorted [user id, signing key] pairs. */
export function writePairs(roster) {
  return (roster?.members ?? []).filter((m) => m.rights === 2).map((m) => [m.userId, m.signPublic])
    .sort((a, b) => compareBytes(a[0], b[0]));
}

/** A folder's earlier keys once `replaced` is replaced (the SDK's successor_chain). */
function successorChain(replaced, writers, before = []) {
  const entry = { key: replaced, writers };
  return [entry, ...before.filter((e) => !bytesEqual(e.key, replaced))].slice(0, MAX_EARLIER_KEYS);
}

/**
 * The metadata of the owner's new record of `node` with no new content: the author kept (the
 * member the owner re-signs for, by the name this browser pinned), as the SDK's authors.attributed.
 */
function attributed(session, node) {
  const metadata = { ...node.metadata };
  const writer = node.record.writerId;
  if (bytesEqual(writer, session.userId)) return metadata; // own, or already attested: kept
  const pin = people(session).pins.byId(writer);
  return { ...metadata, author: writer, authorName: pin ? pin.username : null };
}

/** Re-put `node` in `place` under `parentKey` with its own key `nodeKey`, node version + 1. */
function reput(session, change, place, parentKey, node, nodeKey, replaced) {
  const { nodeId, nodeType } = node.record;
  const parentId = place.folder.id;
  let metadata = attributed(session, node);
  if (replaced) metadata = { ...metadata, earlierKeys: successorChain(replaced.key, replaced.writers, metadata.earlierKeys) };
  const version = node.record.nodeVersion + 1;
  const wrapped = wrapNodeKey(parentKey, nodeKey, nodeId, parentId, nodeType);
  const sealed = sealMetadata(parentKey, metadata, nodeId, parentId, nodeType, version);
  const record = makeNodeRecord(session.signSeed, session.userId, nodeId, parentId, nodeType, version, wrapped, sealed);
  const isFile = nodeType === NodeType.FILE;
  change.puts.push({ node_id: b64url(nodeId), parent_id: b64url(parentId), node_type: isFile ? "file" : "folder",
                     record: b64url(record), ...(isFile ? { content_id: b64url(metadata.contentId) } : {}) });
  const into = change.touch(place);
  into.entries.set(hex(nodeId), { nodeId, nodeType, recordHash: recordHash(record) });
  into.added.add(hex(nodeId));
}

/**
 * Steps 2-4 for the verified subtree `order` (subtree() above): a new random key for every
 * folder, every record re-made under it, the top folder's record re-made in its parent (which
 * keeps its key). `writers` are the write members of the roster in force, kept with each replaced
 * key. Returns { change, keys: Map(hex folder id -> { old, new, name }) }. Refused, before anything
 * is signed, when a rotated manifest would name a record not re-made under its new key (A37), or
 * when the rotation does not fit one transaction.
 */
export function rotation(session, order, writers) {
  const keys = new Map(order.map(({ place }) => [hex(place.folder.id), { old: place.folder.key, new: randomBytes(32),
                                                                         name: place.folder.name }]));
  const change = new Change();
  const top = order[0];
  const topKeys = keys.get(hex(top.place.folder.id));
  reput(session, change, top.parent, top.parent.folder.key, top.node, topKeys.new, { key: topKeys.old, writers });
  for (const { place } of order) {
    const parentKey = keys.get(hex(place.folder.id)).new;
    for (const child of place.verified.children) {
      const rotated = keys.get(hex(child.record.nodeId));
      const replaced = rotated ? { key: rotated.old, writers } : null;
      reput(session, change, place, parentKey, child, rotated ? rotated.new : child.key(), replaced);
    }
  }
  for (const { place } of order) {
    const { entries, added } = change.touch(place);
    if (entries.size !== added.size || [...entries.keys()].some((id) => !added.has(id))) {
      throw new ChangeRefused(`"${place.folder.name}" lists items this page could not give the new key. Nothing was changed.`);
    }
  }
  if (change.puts.length > MAX_NODE_PUTS || change.folders.size > MAX_MANIFESTS) {
    throw new ChangeRefused("This folder holds too many items to replace its keys from the page in one step. " +
      "Nothing was changed; remove the member with `sealbox unshare` instead.");
  }
  return { change, keys };
}
