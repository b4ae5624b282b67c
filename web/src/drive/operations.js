// SPDX-License-Identifier: AGPL-3.0-or-later
// The drive's operations on one item (the SDK's sdk/drive.py and sdk/tree.py): rename, move,
// trash, restore, and a file's kept versions, each verified like the current one. `ctx` is the
// drive page's { session, list(folder) -> verified listing, keep(marks) }; a place is
// { folder: { id, key, name }, verified }. Like the SDK, each change starts from the folders as
// they are now, listed and verified again, not from what the page showed: a change made elsewhere
// meanwhile is kept, not answered with 409 stale_manifest. (A change that still meets a concurrent
// one is refused by the server and reported; the person tries again.)

import { b64url, bytesEqual, fromB64url } from "../crypto/layout.js";
import { Code, IntegrityError } from "../crypto/errors.js";
import { NodeType, parseNodeRecord } from "../crypto/tree.js";
import { Change, ChangeRefused, commit, freeName, moveNode } from "./changes.js";

const MAX_DEPTH = 64;

async function apply(ctx, build) {
  const change = new Change();
  build(change);
  ctx.keep(await commit(ctx.session, change));
}

function refuseTaken(place, name, child) {
  const other = place.verified.children.find((c) => c.metadata.name === name);
  if (other && !bytesEqual(other.record.nodeId, child.record.nodeId)) {
    throw new ChangeRefused(`"${name}" already exists in "${place.folder.name}".`);
  }
}

/** The folder listed and verified now, and the item in it (by node id); gone is refused. */
async function current(ctx, folder, child) {
  const place = { folder, verified: await ctx.list(folder) };
  const now = place.verified.children.find((c) => bytesEqual(c.record.nodeId, child.record.nodeId));
  if (!now) throw new ChangeRefused(`"${child.metadata.name}" is no longer in "${folder.name}". Reload the folder.`);
  return { place, child: now };
}

export async function rename(ctx, shown, item, name) {
  const { place, child } = await current(ctx, shown.folder, item);
  refuseTaken(place, name, child);
  await apply(ctx, (change) => moveNode(ctx.session, change, place, child, place, name));
}

/** Move into `targetFolder` under the same name; the page offers no folder inside the item. */
export async function move(ctx, shown, item, targetFolder) {
  if (bytesEqual(targetFolder.id, item.record.nodeId)) throw new ChangeRefused("A folder cannot go into itself.");
  const { place, child } = await current(ctx, shown.folder, item);
  const target = { folder: targetFolder, verified: await ctx.list(targetFolder) };
  refuseTaken(target, child.metadata.name, child);
  await apply(ctx, (change) => moveNode(ctx.session, change, place, child, target, child.metadata.name));
}

/** A move into the trash, remembering where it came from (metadata.md, "Changing the tree"). */
export async function trash(ctx, shown, item) {
  const { place, child } = await current(ctx, shown.folder, item);
  const bin = { folder: { ...ctx.session.trash, name: "Trash" } };
  bin.verified = await ctx.list(bin.folder);
  const name = freeName(bin.verified, child.metadata.name);
  await apply(ctx, (change) => moveNode(ctx.session, change, place, child, bin, name, place.folder.id));
}

/** Back to the folder it was trashed from, or to the root if that folder is gone. */
export async function restore(ctx, shown, item) {
  const { place: bin, child } = await current(ctx, shown.folder, item);
  const target = await folderById(ctx, child.metadata.trashedFrom);
  const deleted = / \(deleted \d{4}-\d\d-\d\d \d{6}( \d+)?\)$/;
  const original = child.metadata.name.replace(deleted, "");
  const name = freeName(target.verified, original);
  await apply(ctx, (change) => moveNode(ctx.session, change, bin, child, target, name, null));
  return target.folder.name;
}

/**
 * A folder by id, verified on the way down from the root. The server's parent links only say
 * which verified child to open next (GET /v1/nodes/{id}); a lie can only send the item to the root.
 */
async function folderById(ctx, folderId) {
  const { root } = ctx.session;
  const top = { folder: { ...root, name: "My drive" } };
  top.verified = await ctx.list(top.folder);
  const ids = [];
  let current = folderId;
  try {
    while (current && !bytesEqual(current, root.id)) {
      if (ids.length > MAX_DEPTH) return top;
      ids.push(current);
      const parent = (await ctx.session.api.node(b64url(current))).parent_id;
      current = parent ? fromB64url(parent) : null;
    }
  } catch {
    return top;
  }
  if (!current) return top;
  let place = top;
  for (const wanted of ids.reverse()) {
    const child = place.verified.children.find((c) => c.isFolder && bytesEqual(c.record.nodeId, wanted));
    if (!child) return top;
    const folder = { id: wanted, key: child.key(), name: child.metadata.name };
    place = { folder, verified: await ctx.list(folder) };
  }
  return place;
}

/**
 * A file's earlier versions, newest first, each { version, metadata, key() }: the number is the
 * signed record's, its signature the account's, its metadata opened with the folder key and
 * naming the content the server lists (sdk/tree.py, Tree.versions).
 */
export async function versions(ctx, place, child) {
  const listed = (await ctx.session.api.versions(b64url(child.record.nodeId))).versions;
  const signer = ctx.session.signPublic;
  const found = new Map();
  for (const item of listed) {
    const record = parseNodeRecord(fromB64url(item.record));
    if (item.version !== record.nodeVersion || found.has(record.nodeVersion) ||
        record.nodeVersion >= child.record.nodeVersion) {
      throw new IntegrityError(Code.CONTEXT_MISMATCH, "the server numbers a version unlike its record");
    }
    // A version written before a move names the old parent: its metadata cannot be opened here.
    if (!bytesEqual(record.nodeId, child.record.nodeId) || !bytesEqual(record.parentId, place.folder.id)) continue;
    if (record.nodeType !== NodeType.FILE) throw new IntegrityError(Code.CONTEXT_MISMATCH, "a version of a folder");
    const { key, metadata } = openVersion(ctx.session, place.folder, record, signer);
    if (!bytesEqual(metadata.contentId, fromB64url(item.content_id))) {
      throw new IntegrityError(Code.CONTEXT_MISMATCH, "version names other content");
    }
    found.set(record.nodeVersion, { version: record.nodeVersion, metadata, key: () => record.openKey(key) });
  }
  return [...found.values()].sort((a, b) => b.version - a.version);
}

/**
 * A kept version's metadata and the folder key it is sealed under (sharing.md, "Earlier keys
 * after a rotation"): the folder's key now, with the account as its writer; else the first of
 * the folder's signed earlier keys that opens it, with the account or one of that key's writers,
 * whose signing key from the entry verifies the record. folder = { key, earlierKeys }.
 */
function openVersion(session, folder, record, signer) {
  let metadata;
  try {
    metadata = record.openMetadata(folder.key);
  } catch (error) {
    if (!(error instanceof IntegrityError) || error.code !== Code.DECRYPT_FAILED) throw error;
  }
  if (metadata) {
    if (!bytesEqual(record.writerId, session.userId)) throw new IntegrityError(Code.BAD_SIGNATURE, "a version by an unknown writer");
    record.verify(signer);
    return { key: folder.key, metadata };
  }
  for (const entry of folder.earlierKeys ?? []) {
    try {
      metadata = record.openMetadata(entry.key);
    } catch (error) {
      if (!(error instanceof IntegrityError) || error.code !== Code.DECRYPT_FAILED) throw error;
      continue;
    }
    const writer = bytesEqual(record.writerId, session.userId) ? signer
      : entry.writers.find(([userId]) => bytesEqual(userId, record.writerId))?.[1];
    if (!writer) throw new IntegrityError(Code.BAD_SIGNATURE, "a version by a writer of no roster of its time");
    record.verify(writer);
    return { key: entry.key, metadata };
  }
  throw new IntegrityError(Code.DECRYPT_FAILED, "no key of the folder opens this version");
}
