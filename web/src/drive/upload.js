// SPDX-License-Identifier: AGPL-3.0-or-later
// Uploading files into a folder of the drive (object-format.md, "Writing"; metadata.md,
// "Changing the tree"): each file is sealed chunk by chunk as it is read, its chunks uploaded,
// then one folder transaction adds the signed records and the folder's next signed manifest.

import { ContentEncryptor, HEADER_BYTES, TAG_BYTES, chunkCount } from "../crypto/content.js";
import { b64url } from "../crypto/layout.js";
import { makeManifest } from "../crypto/manifest.js";
import { randomBytes } from "../crypto/sodium.js";
import { NodeType, makeNodeRecord, recordHash, sealMetadata, wrapNodeKey } from "../crypto/tree.js";
import { makeThumbnail } from "./thumbnails.js";

export const CHUNK_SIZE = 4 * 1024 * 1024;

const mimeOf = (file) => (/^[\x20-\x7e]{1,255}$/.test(file.type) ? file.type : "application/octet-stream");

/** Seal and upload one file's content (api = a SessionApi or a DropApi); returns its metadata and file key. */
export async function sendContent(api, file, onBytes) {
  const fileKey = randomBytes(32);
  const contentId = randomBytes(16);
  const encryptor = new ContentEncryptor(fileKey, contentId, CHUNK_SIZE);
  const chunks = chunkCount(file.size, CHUNK_SIZE);
  const idText = b64url(contentId);
  await api.openUpload({
    content_id: contentId, header: encryptor.header, chunk_size: CHUNK_SIZE, chunk_count: chunks,
    total_size: HEADER_BYTES + file.size + TAG_BYTES * chunks,
  });
  for (let index = 0; index < chunks; index++) {
    // One chunk in memory at a time: read, seal, send.
    const piece = new Uint8Array(await file.slice(index * CHUNK_SIZE, (index + 1) * CHUNK_SIZE).arrayBuffer());
    await api.putChunk(idText, index, await encryptor.encryptChunk(index, piece, index === chunks - 1));
    onBytes(piece.length);
  }
  const metadata = { name: file.name, mtime: Math.trunc(file.lastModified), size: file.size, mime: mimeOf(file),
                     contentId, headerHash: encryptor.headerHash, trashedFrom: null };
  return { fileKey, contentId, metadata };
}

/**
 * Upload `files` into `folder` ({ id, key }) whose verified listing is `verified`.
 * session = { api, userId, signSeed }. onProgress(doneBytes, totalBytes, name).
 */
export async function uploadFiles(session, folder, verified, files, onProgress = () => {}) {
  const taken = new Set(verified.children.map((c) => c.metadata.name));
  for (const file of files) {
    if (taken.has(file.name)) throw new Error(`"${file.name}" is already in this folder`);
    taken.add(file.name);
  }
  const total = files.reduce((n, f) => n + f.size, 0);
  let done = 0;
  const entries = [...verified.manifest.entries];
  const puts = [];
  for (const file of files) {
    const sent = await sendContent(session.api, file, (n) => onProgress((done += n), total, file.name));
    sent.metadata.thumbnail = await makeThumbnail(file); // sealed with the metadata (thumbnails.js)
    const nodeId = randomBytes(16);
    const wrapped = wrapNodeKey(folder.key, sent.fileKey, nodeId, folder.id, NodeType.FILE);
    const sealed = sealMetadata(folder.key, sent.metadata, nodeId, folder.id, NodeType.FILE, 1);
    const record = makeNodeRecord(session.signSeed, session.userId, nodeId, folder.id, NodeType.FILE, 1, wrapped, sealed);
    entries.push({ nodeId, nodeType: NodeType.FILE, recordHash: recordHash(record) });
    puts.push({ node_id: b64url(nodeId), parent_id: b64url(folder.id), node_type: "file", record: b64url(record),
                content_id: b64url(sent.contentId) });
  }
  const current = verified.manifest;
  const manifest = makeManifest(session.signSeed, session.userId, folder.id, current.version + 1, current.hash, entries);
  await session.api.transaction({
    manifests: [{ folder_id: b64url(folder.id), expected_version: current.version, manifest: b64url(manifest) }],
    puts,
  });
}
