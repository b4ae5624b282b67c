// SPDX-License-Identifier: AGPL-3.0-or-later
// Share envelopes and share rosters (spec/sharing.md, "Shares"): a folder key sealed to a
// member and signed by its sender; the owner's signed list of members and rights.

import { Code, IntegrityError } from "./errors.js";
import { ID_BYTES, ObjectType, Reader, bytesEqual, canonicalJson, checkId, compareBytes, concat, parseCanonicalJson,
         prefix, u32, u64, utf8 } from "./layout.js";
import { SIGNATURE_BYTES, boxPublicFromSecret, boxSeal, boxSealOpen, sign, verify } from "./sodium.js";
import { validName } from "./tree.js";

const ENVELOPE_LABEL = utf8("sealbox share envelope v2\0");
const ROSTER_LABEL = utf8("sealbox share roster v2\0");
const HEAD_BYTES = 4 * ID_BYTES + 1 + 8;
const MAX_SEALED = 64 * 1024;
const MAX_MEMBERS = 1000;
const MEMBER_BYTES = ID_BYTES + 32 + 1;
const RIGHTS = [1, 2];

function headFields(head) {
  const ids = [0, 1, 2, 3].map((i) => head.slice(i * ID_BYTES, (i + 1) * ID_BYTES));
  const reader = new Reader(head.subarray(4 * ID_BYTES + 1));
  return { shareId: ids[0], folderId: ids[1], senderId: ids[2], recipientId: ids[3],
           rights: head[4 * ID_BYTES], epoch: reader.u64() };
}

/** An envelope's signed parts, its signature checked against `sender` and its sender id too. */
function signedEnvelope(data, sender) {
  const reader = new Reader(data);
  reader.prefix(ObjectType.SHARE_ENVELOPE);
  const head = reader.take(HEAD_BYTES);
  const sealed = reader.sized(MAX_SEALED);
  const body = reader.consumed();
  const signature = reader.take(SIGNATURE_BYTES);
  reader.end();
  verify(sender.signPublic, concat(ENVELOPE_LABEL, body), signature);
  const fields = headFields(head);
  if (!bytesEqual(fields.senderId, sender.userId)) throw new IntegrityError(Code.CONTEXT_MISMATCH, "another sender");
  return { head, sealed, fields };
}

/** recipient = { userId, boxSecret }; sender = the pin { userId, signPublic } it must come from. */
export function openShareEnvelope(recipient, data, sender) {
  const { head, sealed, fields } = signedEnvelope(data, sender);
  if (!bytesEqual(fields.recipientId, recipient.userId)) throw new IntegrityError(Code.CONTEXT_MISMATCH, "someone else's share");
  const inner = boxSealOpen(sealed, boxPublicFromSecret(recipient.boxSecret), recipient.boxSecret);
  if (!RIGHTS.includes(fields.rights) || inner.length < HEAD_BYTES + 32) {
    throw new IntegrityError(Code.MALFORMED, "share envelope is malformed");
  }
  if (!bytesEqual(inner.subarray(0, HEAD_BYTES), head)) {
    throw new IntegrityError(Code.CONTEXT_MISMATCH, "sealed ids differ from signed ids");
  }
  const named = parseCanonicalJson(inner.subarray(HEAD_BYTES + 32));
  if (Object.keys(named).length !== 1 || !validName(named.name)) {
    throw new IntegrityError(Code.MALFORMED, "share envelope is malformed");
  }
  return { ...fields, folderKey: inner.slice(HEAD_BYTES, HEAD_BYTES + 32), folderName: named.name };
}

/**
 * The signed head of an envelope `sender` ({ userId, signPublic }) signed, without opening it:
 * what the owner checks before it ends a share or sends new keys, so that the share id it acts on
 * is the one it sent to that recipient (sharing.md, "Removing a member"; `envelope_head`).
 */
export function envelopeHead(data, sender) {
  const { fields } = signedEnvelope(data, sender);
  if (!RIGHTS.includes(fields.rights)) throw new IntegrityError(Code.MALFORMED, "share envelope is malformed");
  return fields;
}

/** owner = the pin { userId, signPublic }; the caller compares versions with what it has seen. */
export function openRoster(data, owner, folderId) {
  const reader = new Reader(data);
  reader.prefix(ObjectType.SHARE_ROSTER);
  const folder = reader.take(ID_BYTES);
  const version = reader.u64();
  const keyEpoch = reader.u64();
  const ownerId = reader.take(ID_BYTES);
  const count = reader.u32();
  if (count > MAX_MEMBERS) throw new IntegrityError(Code.MALFORMED, "too many roster members");
  const raw = reader.take(count * MEMBER_BYTES);
  const body = reader.consumed();
  const signature = reader.take(SIGNATURE_BYTES);
  reader.end();
  verify(owner.signPublic, concat(ROSTER_LABEL, body), signature);
  if (!bytesEqual(ownerId, owner.userId)) throw new IntegrityError(Code.CONTEXT_MISMATCH, "another owner");
  if (!bytesEqual(folder, folderId)) throw new IntegrityError(Code.CONTEXT_MISMATCH, "another folder");
  if (!(keyEpoch >= 1 && keyEpoch <= version)) throw new IntegrityError(Code.MALFORMED, "key epoch out of range");
  const members = [];
  for (let start = 0; start < raw.length; start += MEMBER_BYTES) {
    const userId = raw.slice(start, start + ID_BYTES);
    const rights = raw[start + MEMBER_BYTES - 1];
    if (members.length && compareBytes(userId, members[members.length - 1].userId) <= 0) {
      throw new IntegrityError(Code.MALFORMED, "roster members are not sorted");
    }
    if (!RIGHTS.includes(rights) || bytesEqual(userId, ownerId)) throw new IntegrityError(Code.MALFORMED, "bad roster member");
    members.push({ userId, signPublic: raw.slice(start + ID_BYTES, start + MEMBER_BYTES - 1), rights });
  }
  return { folderId: folder, version, keyEpoch, ownerId, members };
}

function head(grant) {
  if (!RIGHTS.includes(grant.rights)) throw new Error("rights are 1 (read) or 2 (write)");
  return concat(checkId(grant.shareId), checkId(grant.folderId), checkId(grant.senderId), checkId(grant.recipientId),
                new Uint8Array([grant.rights]), u64(grant.epoch));
}

/**
 * Seal `grant` ({ shareId, folderId, senderId, recipientId, rights, epoch, folderKey, folderName })
 * to `recipientBoxPublic`, which must come from a bundle accepted against the sender's pin, and
 * sign it with the sender's seed (sharing.md, "Share envelope").
 */
export function makeShareEnvelope(signSeed, grant, recipientBoxPublic, ephemeralSecret = undefined) {
  if (!validName(grant.folderName) || grant.folderKey.length !== 32) throw new Error("bad share grant");
  const fields = head(grant);
  const inner = concat(fields, grant.folderKey, canonicalJson({ name: grant.folderName }));
  const sealed = boxSeal(inner, recipientBoxPublic, ephemeralSecret);
  const body = concat(prefix(ObjectType.SHARE_ENVELOPE), fields, u32(sealed.length), sealed);
  return concat(body, sign(signSeed, concat(ENVELOPE_LABEL, body)));
}

/** Sign a roster { folderId, version, keyEpoch, ownerId, members: [{ userId, signPublic, rights }] }. */
export function makeRoster(signSeed, roster) {
  const members = [...roster.members].sort((a, b) => compareBytes(a.userId, b.userId));
  if (members.length > MAX_MEMBERS || members.some((m, i) => i && compareBytes(m.userId, members[i - 1].userId) === 0)) {
    throw new Error("a roster lists each member once, at most 1000 of them");
  }
  if (!(roster.keyEpoch >= 1 && roster.keyEpoch <= roster.version)) throw new Error("roster version or key epoch out of range");
  const parts = [prefix(ObjectType.SHARE_ROSTER), checkId(roster.folderId), u64(roster.version), u64(roster.keyEpoch),
                 checkId(roster.ownerId), u32(members.length)];
  for (const member of members) {
    if (!RIGHTS.includes(member.rights) || member.signPublic.length !== 32 || bytesEqual(member.userId, roster.ownerId)) {
      throw new Error("bad roster member");
    }
    parts.push(checkId(member.userId), member.signPublic, new Uint8Array([member.rights]));
  }
  const body = concat(...parts);
  return concat(body, sign(signSeed, concat(ROSTER_LABEL, body)));
}
