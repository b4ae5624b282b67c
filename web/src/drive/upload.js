// SPDX-License-Identifier: AGPL-3.0-or-later
// Uploading files and folders into a folder of the drive (object-format.md, "Writing"; metadata.md,
// "Changing the tree"): each file is sealed chunk by chunk as it is read, its chunks uploaded,
// then one folder transaction adds every signed record, a first manifest for each new folder
// (version 1, listing its children) and the target folder's next signed manifest.

import { ContentEncryptor, HEADER_BYTES, TAG_BYTES, chunkCount } from "../crypto/content.js";
import { b64url, hex } from "../crypto/layout.js";
import { makeManifest } from "../crypto/manifest.js";
import { randomBytes } from "../crypto/sodium.js";
import { ExactReader } from "../exact-reader.js";
import { NodeType, makeNodeRecord, recordHash, sealMetadata, validName, wrapNodeKey } from "../crypto/tree.js";
import { makeThumbnail } from "./thumbnails.js";

export const CHUNK_SIZE = 4 * 1024 * 1024;
/** Chunks sent at once by one upload: each holds a sealed 4 MiB chunk in the page until it is sent. */
const CHUNKS_IN_FLIGHT = 2;
/** The server's limit on node puts in one transaction (http-api.md, limits). */
export const MAX_ITEMS = 5000;

const mimeOf = (file) => (/^[\x20-\x7e]{1,255}$/.test(file.type) ? file.type : "application/octet-stream");

/** Seal and upload one file's content (api = a SessionApi or a DropApi); returns its metadata and file key. */
export async function sendContent(api, file, onBytes, name = file.name) {
  const fileKey = randomBytes(32);
  const contentId = randomBytes(16);
  const encryptor = new ContentEncryptor(fileKey, contentId, CHUNK_SIZE);
  const chunks = chunkCount(file.size, CHUNK_SIZE);
  const idText = b64url(contentId);
  await api.openUpload({
    content_id: contentId, header: encryptor.header, chunk_size: CHUNK_SIZE, chunk_count: chunks,
    total_size: HEADER_BYTES + file.size + TAG_BYTES * chunks,
  });
  // A few chunks on the wire at once: the next is read and sealed while the earlier ones are sent.
  const sending = new Set();
  let failure = null;
  // The file is read into one buffer, reused for every chunk: WebCrypto copies it when sealing.
  const reader = new ExactReader(file.stream());
  try {
    for (let index = 0; index < chunks && !failure; index++) {
      const size = Math.min(CHUNK_SIZE, file.size - index * CHUNK_SIZE);
      const piece = await reader.read(size).catch((error) => {
        throw UNREADABLE.has(error?.name) ? changed(name) : error;
      });
      if (piece.length !== size) throw changed(name);
      const sealed = await encryptor.encryptChunk(index, piece, index === chunks - 1);
      const sent = api.putChunk(idText, index, sealed).then(() => onBytes(size), (error) => {
        failure ??= error;
      });
      sending.add(sent);
      sent.finally(() => sending.delete(sent));
      if (sending.size >= CHUNKS_IN_FLIGHT) await Promise.race(sending);
    }
  } finally {
    reader.cancel();
    // Every request has ended before an error is reported: none goes on behind the message.
    await Promise.all(sending);
  }
  if (failure) throw failure;
  const metadata = { name, mtime: Math.trunc(file.lastModified), size: file.size, mime: mimeOf(file),
                     contentId, headerHash: encryptor.headerHash, trashedFrom: null };
  return { fileKey, contentId, metadata };
}

/** How a browser says a file could not be read: changed, moved or deleted since it was chosen. */
const UNREADABLE = new Set(["NotReadableError", "NotFoundError"]);
const changed = (name) =>
  new UploadRefused(`"${name}" was changed, moved or deleted while it was being read. Nothing of it was saved; upload it again.`);

/** An upload the page refuses or stops (a file that changed while it was read), in words for the person. */
export class UploadRefused extends Error {
  constructor(message) {
    super(message);
    this.name = "UploadRefused";
  }
}

const newFolder = () => ({ folders: new Map(), files: new Map() });

/**
 * The tree an upload makes: items = [{ path: "a/b/c.txt", file }] for files and
 * [{ path: "a/empty", file: null }] for folders (from a folder picker or a dropped folder).
 */
export function planTree(items) {
  const root = newFolder();
  let count = 0;
  for (const { path, file } of items) {
    const names = path.split("/").filter((part) => part !== "");
    if (!names.length || !names.every(validName)) throw new UploadRefused(`"${path}" is not a name the drive can hold.`);
    let at = root;
    names.forEach((name, depth) => {
      const leaf = depth === names.length - 1;
      if (leaf && file) {
        if (at.files.has(name) || at.folders.has(name)) throw new UploadRefused(`"${path}" is there twice.`);
        at.files.set(name, file);
        count++;
        return;
      }
      if (at.files.has(name)) throw new UploadRefused(`"${path}" is both a file and a folder.`);
      if (!at.folders.has(name)) {
        at.folders.set(name, newFolder());
        count++;
      }
      at = at.folders.get(name);
    });
  }
  if (count > MAX_ITEMS) {
    throw new UploadRefused(`This upload has ${count} files and folders; the page sends at most ${MAX_ITEMS} at a time. ` +
                            "Upload it in parts, or use the sealbox command.");
  }
  return root;
}

function filesOf(node, path = "") {
  return [...[...node.files].map(([name, file]) => ({ path: path + name, file })),
          ...[...node.folders].flatMap(([name, child]) => filesOf(child, `${path}${name}/`))];
}

/**
 * Records for `node`'s children under `parent` ({ id, key }); pushes puts and answers the parent's
 * manifest entries. sent maps a file to its sealed content.
 */
function placeChildren(session, parent, node, sent, puts) {
  const entries = [];
  const place = (nodeType, key, metadata, extra) => {
    const nodeId = randomBytes(16);
    const wrapped = wrapNodeKey(parent.key, key, nodeId, parent.id, nodeType);
    const sealed = sealMetadata(parent.key, metadata, nodeId, parent.id, nodeType, 1);
    const record = makeNodeRecord(session.signSeed, session.userId, nodeId, parent.id, nodeType, 1, wrapped, sealed);
    entries.push({ nodeId, nodeType, recordHash: recordHash(record) });
    const put = { node_id: b64url(nodeId), parent_id: b64url(parent.id), record: b64url(record), ...extra(nodeId) };
    puts.push(put);
  };
  for (const file of node.files.values()) {
    const { fileKey, contentId, metadata } = sent.get(file);
    place(NodeType.FILE, fileKey, metadata, () => ({ node_type: "file", content_id: b64url(contentId) }));
  }
  for (const [name, child] of node.folders) {
    const key = randomBytes(32);
    const metadata = { name, mtime: Date.now(), trashedFrom: null };
    place(NodeType.FOLDER, key, metadata, (nodeId) => {
      const inner = placeChildren(session, { id: nodeId, key }, child, sent, puts);
      // A new folder's first manifest (version 1, no previous) lists what it is created with.
      const first = makeManifest(session.signSeed, session.userId, nodeId, 1, new Uint8Array(32), inner);
      return { node_type: "folder", manifest: b64url(first) };
    });
  }
  return entries;
}

/**
 * Upload `items` (see planTree) into `folder` ({ id, key }) whose verified listing is `verified`.
 * session = { api, userId, signSeed, keep(marks)? }. onProgress({ done, total, path, fileDone, fileSize })
 * reports overall and per-file bytes. Answers the number of files sent.
 */
export async function uploadItems(session, folder, verified, items, onProgress = () => {}) {
  const tree = planTree(items);
  const taken = new Set(verified.children.map((c) => c.metadata.name));
  for (const name of [...tree.files.keys(), ...tree.folders.keys()]) {
    if (taken.has(name)) throw new UploadRefused(`"${name}" is already in this folder.`);
  }
  const files = filesOf(tree);
  const total = files.reduce((n, f) => n + f.file.size, 0);
  let done = 0;
  const sent = new Map();
  for (const { path, file } of files) {
    let fileDone = 0;
    onProgress({ done, total, path, fileDone, fileSize: file.size });
    const name = path.split("/").pop();
    const content = await sendContent(session.api, file, (n) => {
      done += n;
      fileDone += n;
      onProgress({ done, total, path, fileDone, fileSize: file.size });
    }, name);
    content.metadata.thumbnail = await makeThumbnail(file); // sealed with the metadata (thumbnails.js)
    sent.set(file, content);
  }
  const puts = [];
  const entries = [...verified.manifest.entries, ...placeChildren(session, folder, tree, sent, puts)];
  const current = verified.manifest;
  const manifest = makeManifest(session.signSeed, session.userId, folder.id, current.version + 1, current.hash, entries);
  await session.api.transaction({
    manifests: [{ folder_id: b64url(folder.id), expected_version: current.version, manifest: b64url(manifest) }],
    puts,
  });
  // The manifest just signed is the newest this page has seen of the folder: a server that lists
  // the folder from before the upload is then caught as a rollback, not believed.
  session.keep?.([[hex(folder.id), { version: current.version + 1, hash: recordHash(manifest) }]]);
  return files.length;
}

/** A dropped entry (DataTransferItem.webkitGetAsEntry) as upload items, folders walked in full. */
export async function itemsOfEntry(entry, path = "") {
  const here = path + entry.name;
  if (entry.isFile) {
    return [{ path: here, file: await new Promise((resolve, reject) => entry.file(resolve, reject)) }];
  }
  const reader = entry.createReader();
  const children = [];
  for (;;) {
    // readEntries answers a batch at a time (about 100 in Chromium) until an empty one.
    const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
    if (!batch.length) break;
    children.push(...batch);
  }
  const items = [{ path: here, file: null }];
  for (const child of children) items.push(...(await itemsOfEntry(child, `${here}/`)));
  return items;
}
