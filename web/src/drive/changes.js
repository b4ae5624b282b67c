// SPDX-License-Identifier: AGPL-3.0-or-later
// Changing the drive tree (spec/metadata.md, "Changing the tree"; the SDK's sdk/changes.py):
// a change re-wraps and re-seals the records it moves under their new parent, signed by the
// account, and one folder transaction carries them with the next signed manifest of every folder
// whose children change. A manifest is never signed over an entry this page did not verify (an
// item the server withheld, threat catalogue A25).

import { b64url, hex } from "../crypto/layout.js";
import { makeManifest } from "../crypto/manifest.js";
import { NodeType, makeNodeRecord, recordHash, sealMetadata, validName, wrapNodeKey } from "../crypto/tree.js";

/** A change the page refuses to make, in words for the person. */
export class ChangeRefused extends Error {
  constructor(message) {
    super(message);
    this.name = "ChangeRefused";
  }
}

/** A folder as verified: place = { folder: { id, key, name }, verified } (drive/listing.js). */
export class Change {
  constructor() {
    this.puts = [];
    this.folders = new Map(); // hex folder id -> { place, entries: Map(hex node id -> entry), added: Set }
  }

  touch(place) {
    const id = hex(place.folder.id);
    if (!this.folders.has(id)) {
      // Items a published decision removed are dropped, which acknowledges their removal
      // (compliance.md §3.4), as the SDK does.
      const gone = new Set((place.verified.removed ?? []).map((r) => hex(r.nodeId)));
      const kept = place.verified.manifest.entries.filter((e) => !gone.has(hex(e.nodeId)));
      const entries = new Map(kept.map((e) => [hex(e.nodeId), e]));
      this.folders.set(id, { place, entries, added: new Set() });
    }
    return this.folders.get(id);
  }
}

/**
 * Move `child` (verified in `source`) under `target` with `name`: its own key re-wrapped and its
 * metadata re-sealed under the target (both bound to the new parent id), node version + 1, the
 * record signed by the account. `target` may be `source` (a rename). `trashedFrom` is the folder
 * id a trashed item came from, or null.
 */
export function moveNode(session, change, source, child, target, name, trashedFrom = null) {
  if (!validName(name)) throw new ChangeRefused("A name is 1 to 1024 bytes, not \".\" or \"..\", without \"/\".");
  const nodeId = child.record.nodeId;
  const nodeType = child.record.nodeType;
  const key = child.key();
  const metadata = { ...child.metadata, name, trashedFrom };
  // A member who re-signs a record writes no author: only the owner's attribution is honoured
  // (sharing.md, "Attribution across rotation").
  if (session.member) Object.assign(metadata, { author: null, authorName: null });
  const version = child.record.nodeVersion + 1;
  const parent = target.folder;
  const wrapped = wrapNodeKey(parent.key, key, nodeId, parent.id, nodeType);
  const sealed = sealMetadata(parent.key, metadata, nodeId, parent.id, nodeType, version);
  const record = makeNodeRecord(session.signSeed, session.userId, nodeId, parent.id, nodeType, version, wrapped, sealed);
  const isFile = nodeType === NodeType.FILE;
  change.puts.push({ node_id: b64url(nodeId), parent_id: b64url(parent.id), node_type: isFile ? "file" : "folder",
                     record: b64url(record), ...(isFile ? { content_id: b64url(metadata.contentId) } : {}) });
  change.touch(source).entries.delete(hex(nodeId));
  const into = change.touch(target);
  into.entries.set(hex(nodeId), { nodeId, nodeType, recordHash: recordHash(record) });
  into.added.add(hex(nodeId));
}

/**
 * Sign the next manifest of every folder the change touches and send it all in one transaction.
 * Answers the freshness marks of the manifests this page just signed: [[hex folder id, mark]].
 */
export async function commit(session, change) {
  const manifests = [];
  const marks = [];
  for (const [id, { place, entries, added }] of change.folders) {
    const seen = new Set([...place.verified.children.map((c) => hex(c.record.nodeId)), ...added]);
    if ([...entries.keys()].some((nodeId) => !seen.has(nodeId))) {
      throw new ChangeRefused(`The server withheld items of "${place.folder.name}", so this page will not sign a ` +
        "new list of its contents. Reload and try again; if it persists, tell the server's operator.");
    }
    const current = place.verified.manifest;
    const signed = makeManifest(session.signSeed, session.userId, place.folder.id, current.version + 1, current.hash,
                                [...entries.values()]);
    manifests.push({ folder_id: b64url(place.folder.id), expected_version: current.version, manifest: b64url(signed) });
    marks.push([id, { version: current.version + 1, hash: recordHash(signed) }]);
  }
  await session.api.transaction({ manifests, puts: change.puts });
  return marks;
}

/** `name`, or a variant stamped with the time that is free in `verified` (for the trash). */
export function freeName(verified, name, now = new Date()) {
  const taken = new Set(verified.children.map((c) => c.metadata.name));
  if (!taken.has(name)) return name;
  const pad = (n) => String(n).padStart(2, "0");
  const stamp = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())} ` +
                `${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  let candidate = `${name} (deleted ${stamp})`;
  for (let counter = 2; taken.has(candidate); counter++) candidate = `${name} (deleted ${stamp} ${counter})`;
  return candidate;
}
