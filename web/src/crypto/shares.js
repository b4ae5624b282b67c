// SPDX-License-Identifier: AGPL-3.0-or-later
// Share envelopes and share rosters (spec/sharing.md, "Shares"): a folder key sealed to a
// member and signed by its sender; the owner's signed list of members and rights.

import { Code, IntegrityError } from "./errors.js";
import { ID_BYTES, ObjectType, Reader, bytesEqual, compareBytes, concat, parseCanonicalJson, utf8 } from "./layout.js";
import { SIGNATURE_BYTES, boxPublicFromSecret, boxSealOpen, verify } from "./sodium.js";
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

/** recipient = { userId, boxSecret }; sender = the pin { userId, signPublic } it must come from. */
export function openShareEnvelope(recipient, data, sender) {
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
