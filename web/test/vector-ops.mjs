// SPDX-License-Identifier: AGPL-3.0-or-later
// The operations of spec/vectors as the web client performs them, mirroring
// src/sealbox/testing/vectors.py: `open(inputs, object)` returns the outputs or throws,
// `make(inputs)` (where the client writes that object) returns the object's bytes.

import { parseBatch } from "../src/api/content-batch.js";
import { parseListing } from "../src/api/listing.js";
import * as content from "../src/crypto/content.js";
import { Code, IntegrityError } from "../src/crypto/errors.js";
import { b64url, checkId, fromHex as h, hex as x } from "../src/crypto/layout.js";
import { safetyNumber, verifyBundle } from "../src/crypto/identity.js";
import { makeRoster, makeShareEnvelope, openRoster, openShareEnvelope } from "../src/crypto/shares.js";
import { formatRecoveryKey, parseRecoveryKey, recoveryAuthKey,
         unwrapMasterKeyWithRecovery } from "../src/crypto/recovery.js";
import { openLinkSecret, parseFragment, parsePasswordLink, plainFragment, sealPasswordLink,
         unlock } from "../src/crypto/links.js";
import { checkFreshness, reconcile, verifyManifest } from "../src/crypto/manifest.js";
import { stretch } from "../src/crypto/password.js";
import { deriveSalt, openDeviceName, passwordKeys, unwrapMasterKey, unwrapPrivateKeys } from "../src/crypto/account.js";
import * as sodium from "../src/crypto/sodium.js";
import { dropFragment, openDropUpload, parseDropFragment, sealDropUpload,
         unwrapDropSecret } from "../src/crypto/drops.js";
import { decodeMetadata, encodeMetadata, openMetadata, parseNodeRecord, unwrapNodeKey,
         unwrapTopFolderKey } from "../src/crypto/tree.js";

const need = (object) => {
  if (!object) throw new Error("the vector has no object");
  return object;
};

// Argon2id at 64 MiB costs ~0.4 s; the mutation runs of a password link repeat it ~130 times
// with the same inputs, so the runner remembers results (the library itself never caches keys).
const stretched = new Map();
function memoStretch(password, params) {
  const key = [password, params.opslimit, params.memlimit, x(params.salt)].join("|");
  if (!stretched.has(key)) stretched.set(key, stretch(password, params));
  return stretched.get(key);
}

async function openContent(i, object) {
  const data = need(object);
  const header = data.subarray(0, content.HEADER_BYTES);
  const decryptor = new content.ContentDecryptor(h(i.file_key), header, h(i.content_id),
                                                 h(i.header_hash), i.size);
  const rest = data.subarray(content.HEADER_BYTES);
  const parts = [];
  let offset = 0;
  for (let index = 0; index < decryptor.chunks; index++) {
    const want = decryptor.chunkPlaintextSize(index) + content.TAG_BYTES;
    const sealed = rest.subarray(offset, offset + want);
    if (sealed.length !== want) throw new IntegrityError(Code.CONTENT_LENGTH);
    parts.push(await decryptor.decryptChunk(index, sealed));
    offset += want;
  }
  if (offset !== rest.length) throw new IntegrityError(Code.CONTENT_LENGTH);
  return { plaintext: parts.map(x).join("") };
}

async function openChunk(i, object) {
  const data = need(object);
  const decryptor = new content.ContentDecryptor(h(i.file_key), data.subarray(0, content.HEADER_BYTES),
                                                 h(i.content_id), h(i.header_hash), i.size);
  return { chunk: x(await decryptor.decryptChunk(i.chunk_index, data.subarray(content.HEADER_BYTES))) };
}

async function makeContent(i) {
  const encryptor = new content.ContentEncryptor(h(i.file_key), h(i.content_id), i.chunk_size, h(i.nonce_prefix));
  const plaintext = h(i.plaintext);
  const parts = [encryptor.header];
  const n = content.chunkCount(plaintext.length, i.chunk_size);
  for (let index = 0; index < n; index++) {
    const piece = plaintext.subarray(index * i.chunk_size, (index + 1) * i.chunk_size);
    parts.push(await encryptor.encryptChunk(index, piece, index === n - 1));
  }
  return Buffer.concat(parts);
}

async function makeLoneChunk(i) {
  const encryptor = new content.ContentEncryptor(h(i.file_key), h(i.content_id), i.chunk_size, h(i.nonce_prefix));
  const final = i.chunk_index === content.chunkCount(i.size, i.chunk_size) - 1;
  return Buffer.concat([encryptor.header, await encryptor.encryptChunk(i.chunk_index, h(i.plaintext), final)]);
}

function openRecord(i, object) {
  const record = parseNodeRecord(need(object));
  record.verify(sodium.signPublicFromSeed(h(i.writer_sign_seed)));
  return {
    record_hash: x(record.hash()), node_id: x(record.nodeId), parent_id: x(record.parentId),
    node_type: record.nodeType, node_version: record.nodeVersion, writer_id: x(record.writerId),
    wrapped_key: x(record.wrappedKey), sealed_metadata: x(record.sealedMetadata),
  };
}

function openManifest(i, object) {
  const writers = new Map(Object.entries(i.writers).map(([id, key]) => [id, h(key)]));
  const parsed = verifyManifest(need(object), h(i.folder_id), writers);
  const outputs = {
    manifest_hash: x(parsed.hash),
    version: parsed.version,
    entries: parsed.entries.map((e) => ({ node_id: x(e.nodeId), node_type: e.nodeType, record_hash: x(e.recordHash) })),
  };
  if (i.seen) {
    const mark = checkFreshness(parsed, { version: i.seen.version, hash: h(i.seen.hash) });
    outputs.seen = { version: mark.version, hash: x(mark.hash) };
  }
  if (i.records) {
    const listing = reconcile(parsed, i.records.map(h));
    outputs.accepted = listing.records.map((r) => x(r.nodeId));
    outputs.withheld = listing.withheld.map(x);
    outputs.injected = listing.injected.map(x);
  }
  return outputs;
}

function openBundle(i, object) {
  const pin = i.pin && { userId: h(i.pin.user_id), signPublic: h(i.pin.sign_public), bundleVersion: i.pin.bundle_version };
  const bundle = verifyBundle(need(object), i.username, pin);
  return {
    user_id: x(bundle.userId), sign_public: x(bundle.signPublic), box_public: x(bundle.boxPublic),
    bundle_version: bundle.bundleVersion, created: bundle.created,
    previous_sign_public: bundle.previousSignPublic ? x(bundle.previousSignPublic) : "",
  };
}

function fragment(i) {
  if ("link_key" in i) return { fragment: plainFragment(h(i.link_key)) };
  const parsed = parseFragment(i.fragment);
  if (parsed.linkKey) return { link_key: x(parsed.linkKey) };
  return { link_key: x(unlock(parsed.password, i.password, checkId(h(i.link_id)), memoStretch)) };
}

function openPasswordLink(i, object) {
  const parsed = parsePasswordLink(need(object));
  const key = unlock(parsed, i.password, h(i.link_id), memoStretch);
  return { link_key: x(key), fragment: "p" + b64url(need(object)) };
}

function openListing(_i, object) {
  const parsed = parseListing(need(object));
  return {
    manifest_version: parsed.manifestVersion,
    manifest: x(parsed.manifest),
    children: parsed.children.map((c) => ({
      node_id: x(c.nodeId), node_type: c.nodeType, content_id: c.contentId && x(c.contentId),
      size: c.size, manifest_version: c.manifestVersion, record: x(c.record),
    })),
  };
}

export const OPS = {
  content: { open: openContent, make: makeContent },
  content_chunk: { open: openChunk },
  content_lone_chunk: { open: openChunk, make: makeLoneChunk },
  content_segment_key: {
    open: (i) => {
      const contentKey = sodium.kdf(h(i.file_key), 1, "sbcontnt");
      return { content_key: x(contentKey), segment_key: x(content.segmentKey(contentKey, i.segment)) };
    },
  },
  plaintext_hash: {
    open: async (i) => ({
      hash_key: x(sodium.kdf(h(i.file_key), 3, "sbplhash")),
      plaintext_hash: x(await content.plaintextHash(h(i.file_key), h(i.plaintext))),
    }),
  },
  subkey: { open: (i) => ({ subkey: x(sodium.kdf(h(i.key), i.subkey_id, i.context)) }) },
  identity_keys: {
    open: (i) => ({
      sign_public: x(sodium.signPublicFromSeed(h(i.sign_seed))),
      box_public: x(sodium.boxPublicFromSecret(h(i.box_secret))),
    }),
  },
  identity_bundle: { open: openBundle },
  node_key_wrap: {
    open: (i, o) => ({ node_key: x(unwrapNodeKey(h(i.parent_key), need(o), h(i.node_id), h(i.parent_id), i.node_type)) }),
  },
  top_folder_key_wrap: {
    open: (i, o) => ({ folder_key: x(unwrapTopFolderKey(h(i.master_key), need(o), h(i.user_id), h(i.folder_id), i.role)) }),
  },
  metadata: {
    open: (i, o) => {
      const metadata = openMetadata(h(i.parent_key), need(o), h(i.node_id), h(i.parent_id), i.node_type, i.node_version);
      return { plaintext: new TextDecoder().decode(encodeMetadata(metadata)) };
    },
  },
  node_record: { open: openRecord },
  manifest: { open: openManifest },
  link_secret: {
    open: (i, o) => {
      const secret = openLinkSecret(h(i.link_key), need(o), h(i.link_id), h(i.node_id));
      return { node_type: secret.nodeType, node_key: x(secret.nodeKey),
               metadata: new TextDecoder().decode(encodeMetadata(secret.metadata)) };
    },
  },
  fragment: { open: fragment },
  password_link: {
    open: openPasswordLink,
    make: (i) => sealPasswordLink(h(i.link_key), h(i.link_id), i.password, params(i), undefined, h(i.nonce)),
  },
  binary_listing: { open: openListing, framing: true },
};


// Accounts ---------------------------------------------------------------------------------------

const params = (i) => ({ opslimit: i.opslimit, memlimit: i.memlimit, salt: h(i.salt) });

OPS.password_keys = {
  open: (i) => {
    const keys = passwordKeys(i.password, params(i), memoStretch);
    return { auth_key: x(keys.authKey), key_encryption_key: x(keys.kek) };
  },
};
OPS.derived_salt = { open: (i) => ({ salt: x(deriveSalt(h(i.server_id), i.username)) }) };
OPS.password_wrap = {
  open: (i, o) => ({ master_key: x(unwrapMasterKey(h(i.key_encryption_key), need(o), params(i), h(i.user_id))) }),
};
OPS.device_name = {
  open: (i, o) => ({ name: openDeviceName(h(i.master_key), need(o), h(i.user_id), h(i.session_id)) }),
};
OPS.private_keys_wrap = {
  open: (i, o) => {
    const keys = unwrapPrivateKeys(h(i.master_key), need(o), h(i.user_id), h(i.sign_public), h(i.box_public));
    return { sign_seed: x(keys.signSeed), box_secret: x(keys.boxSecret) };
  },
};
OPS.recovery_wrap = {
  open: (i, o) => ({
    master_key: x(unwrapMasterKeyWithRecovery(h(i.recovery_key), need(o), h(i.user_id))),
    recovery_auth_key: x(recoveryAuthKey(h(i.recovery_key))),
  }),
};
OPS.recovery_text = {
  open: (i) => ("recovery_key" in i
    ? { text: formatRecoveryKey(h(i.recovery_key)) }
    : { recovery_key: x(parseRecoveryKey(i.text)) }),
};
OPS.safety_number = {
  open: (i) => ({
    safety_number: safetyNumber({ userId: h(i.a_user_id), signPublic: h(i.a_sign_public) },
                                { userId: h(i.b_user_id), signPublic: h(i.b_sign_public) }),
  }),
};
OPS.content_batch = {
  framing: true,
  open: (_i, o) => ({
    items: parseBatch(need(o)).map((item) => ({ content_id: x(item.contentId), status: item.status, data: x(item.data) })),
  }),
};

// Drops -------------------------------------------------------------------------------------------

const fileMetadata = (text) => decodeMetadata(new TextEncoder().encode(text), 2);
const metadataText = (metadata) => new TextDecoder().decode(encodeMetadata(metadata));

OPS.drop_keys = {
  open: (i) => {
    if ("fragment" in i) return { drop_public: x(parseDropFragment(i.fragment)) };
    const dropPublic = sodium.boxPublicFromSecret(h(i.drop_secret));
    return { drop_public: x(dropPublic), fragment: dropFragment(dropPublic) };
  },
};
OPS.drop_key_wrap = {
  open: (i, o) => {
    unwrapDropSecret(h(i.folder_key), need(o), h(i.drop_id), h(i.folder_id), h(i.drop_public));
    return { drop_public: i.drop_public };
  },
};
OPS.drop_upload = {
  make: (i) => sealDropUpload(sodium.boxPublicFromSecret(h(i.drop_secret)), h(i.drop_id), h(i.file_key),
                              fileMetadata(i.metadata), h(i.ephemeral_secret)),
  open: (i, o) => {
    const dropped = openDropUpload(h(i.drop_secret), need(o), h(i.drop_id));
    return { file_key: x(dropped.fileKey), metadata: metadataText(dropped.metadata) };
  },
};

// Shares ------------------------------------------------------------------------------------------

const pin = (id, seed) => ({ userId: h(id), signPublic: sodium.signPublicFromSeed(h(seed)) });

OPS.share_envelope = {
  make: (i) => makeShareEnvelope(h(i.sender_sign_seed), {
    shareId: h(i.share_id), folderId: h(i.folder_id), senderId: h(i.sender_id), recipientId: h(i.recipient_id),
    rights: i.rights, epoch: i.epoch, folderKey: h(i.folder_key), folderName: i.folder_name,
  }, sodium.boxPublicFromSecret(h(i.recipient_box_secret)), h(i.ephemeral_secret)),
  open: (i, o) => {
    const sender = pin(i.pinned_sender_id ?? i.sender_id, i.sender_sign_seed);
    const grant = openShareEnvelope({ userId: h(i.recipient_id), boxSecret: h(i.recipient_box_secret) }, need(o), sender);
    return {
      share_id: x(grant.shareId), folder_id: x(grant.folderId), sender_id: x(grant.senderId),
      rights: grant.rights, epoch: grant.epoch, folder_key: x(grant.folderKey), folder_name: grant.folderName,
    };
  },
};
OPS.share_roster = {
  make: (i) => makeRoster(h(i.owner_sign_seed), {
    folderId: h(i.folder_id), version: i.version, keyEpoch: i.key_epoch, ownerId: h(i.owner_id),
    members: i.members.map((m) => ({ userId: h(m.user_id), signPublic: sodium.signPublicFromSeed(h(m.sign_seed)), rights: m.rights })),
  }),
  open: (i, o) => {
    const opened = openRoster(need(o), pin(i.pinned_owner_id ?? i.owner_id, i.owner_sign_seed), h(i.folder_id));
    return {
      folder_id: x(opened.folderId), version: opened.version, key_epoch: opened.keyEpoch, owner_id: x(opened.ownerId),
      members: opened.members.map((m) => ({ user_id: x(m.userId), sign_public: x(m.signPublic), rights: m.rights })),
    };
  },
};
