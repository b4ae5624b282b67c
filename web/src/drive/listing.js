// SPDX-License-Identifier: AGPL-3.0-or-later
// Verifying a folder listing (spec/metadata.md, "Listing a folder"), for the owner's drive and
// for a link visitor alike: the manifest signed by one of `writers`, every record matched against
// it, every name opened with the folder key. Withheld children are reported, injected records
// never shown; any other failure throws and nothing of the listing is shown.

import { parseListing } from "../api/listing.js";
import { Code, IntegrityError } from "../crypto/errors.js";
import { bytesEqual, hex } from "../crypto/layout.js";
import { checkFreshness, reconcile, verifyManifest } from "../crypto/manifest.js";
import { NodeType } from "../crypto/tree.js";

/**
 * data: the binary listing; folder: { id, key }; writers: Map(hex user id -> signing key);
 * seen: the page's high-water mark for this folder, or null. Returns
 * { children: [{ record, metadata, size, isFolder, key() }], withheld, withheldIds, injected, mark,
 * claims, removed }: `claims` are the server's unchecked removal claims (drive/removals.js moves
 * the believed ones from withheld to `removed`).
 */
export function verifyListing(data, folder, writers, seen = null) {
  const listing = parseListing(data);
  const manifest = verifyManifest(listing.manifest, folder.id, writers);
  if (listing.manifestVersion !== manifest.version) {
    throw new IntegrityError(Code.CONTEXT_MISMATCH, "listed and signed versions differ");
  }
  const mark = checkFreshness(manifest, seen);
  const reconciled = reconcile(manifest, listing.children.map((c) => c.record));
  const reported = new Map(listing.children.map((c) => [hex(c.nodeId), c]));
  const children = reconciled.records.map((record) => {
    if (!bytesEqual(record.writerId, manifest.writerId)) {
      const signer = writers.get(hex(record.writerId));
      if (!signer) throw new IntegrityError(Code.BAD_SIGNATURE, "a record by an unknown writer");
      record.verify(signer);
    }
    const metadata = record.openMetadata(folder.key);
    const view = reported.get(hex(record.nodeId));
    const isFolder = record.nodeType === NodeType.FOLDER;
    if (!isFolder && !(view.contentId && bytesEqual(view.contentId, metadata.contentId))) {
      throw new IntegrityError(Code.CONTEXT_MISMATCH, "the server names other content");
    }
    // A node key is opened only when it is needed: to descend or to read (metadata.md, step 5).
    return { record, metadata, size: view.size, isFolder, key: () => record.openKey(folder.key) };
  });
  children.sort((a, b) => Number(b.isFolder) - Number(a.isFolder) || a.metadata.name.localeCompare(b.metadata.name));
  return { children, manifest, withheld: reconciled.withheld.length, withheldIds: reconciled.withheld,
           injected: reconciled.injected.length, mark, claims: listing.removed, removed: [] };
}
