// SPDX-License-Identifier: AGPL-3.0-or-later
// Public links and password links (spec/sharing.md, "Links", "Password links").

import { Code, InputError, IntegrityError } from "./errors.js";
import { ObjectType, b64url, checkId, concat, fromB64url, prefix, utf8 } from "./layout.js";
import { PARAMS_BYTES, decodeParams, encodeParams, stretch } from "./password.js";
import { parseSealed, seal } from "./sealed.js";
import { blake2b, equal, kdf } from "./sodium.js";
import { NodeType, decodeMetadata } from "./tree.js";

const COMMITMENT_LABEL = utf8("sealbox password link commitment v1\0");
const COMMITMENT_BYTES = 32;

export function openLinkSecret(linkKey, data, linkId, nodeId) {
  const context = concat(checkId(linkId), checkId(nodeId));
  const plaintext = parseSealed(data, ObjectType.LINK_SECRET).open(kdf(linkKey, 1, "sblinkky"), context);
  const nodeType = plaintext[0];
  if (plaintext.length < 33 || (nodeType !== NodeType.FOLDER && nodeType !== NodeType.FILE)) {
    throw new IntegrityError(Code.MALFORMED, "link secret is malformed");
  }
  return { nodeType, nodeKey: plaintext.slice(1, 33), metadata: decodeMetadata(plaintext.subarray(33), nodeType) };
}

export function plainFragment(linkKey) {
  return "k" + b64url(linkKey);
}

/** The text after `#`: a link key, or a parsed password fragment. Damage is an InputError. */
export function parseFragment(fragment) {
  const tag = fragment.slice(0, 1);
  let raw = null;
  try {
    raw = fromB64url(fragment.slice(1));
  } catch {
    raw = null;
  }
  if (tag === "k" && raw && raw.length === 32) return { linkKey: raw };
  if (tag === "p" && raw && raw.length > 0) return { password: parsePasswordLink(raw) };
  throw new InputError("the link's key part (after #) is damaged or incomplete");
}

export function parsePasswordLink(data) {
  const sealed = parseSealed(data, ObjectType.PASSWORD_LINK, PARAMS_BYTES + COMMITMENT_BYTES);
  const params = decodeParams(sealed.publicFields.subarray(0, PARAMS_BYTES));
  return { params, commitment: sealed.publicFields.subarray(PARAMS_BYTES), sealed };
}

function commitment(commitKey, params, linkId) {
  const committed = concat(prefix(ObjectType.PASSWORD_LINK), encodeParams(params), checkId(linkId));
  return blake2b(concat(COMMITMENT_LABEL, committed), commitKey);
}

/** A wrong password fails on the commitment, before any decryption and with no request. */
export function unlock(fragment, password, linkId, derive = stretch) {
  const root = derive(password, fragment.params);
  const wrapKey = kdf(root, 1, "sbplinkw");
  if (!equal(commitment(kdf(root, 2, "sbplinkc"), fragment.params, linkId), fragment.commitment)) {
    throw new IntegrityError(Code.COMMITMENT_MISMATCH, "wrong password for this link");
  }
  return fragment.sealed.openFixed(wrapKey, checkId(linkId), 32);
}

/**
 * The password-link object (sharing.md, "Password links"): the link key sealed under a key derived
 * from the password, after the KDF parameters and the commitment to (params, link id).
 */
export function sealPasswordLink(linkKey, linkId, password, params, derive = stretch, nonce = undefined) {
  const root = derive(password, params);
  const publicFields = concat(encodeParams(params), commitment(kdf(root, 2, "sbplinkc"), params, linkId));
  return seal(kdf(root, 1, "sbplinkw"), ObjectType.PASSWORD_LINK, linkKey, checkId(linkId), publicFields, nonce);
}

export function passwordFragment(linkKey, linkId, password, params) {
  return "p" + b64url(sealPasswordLink(linkKey, linkId, password, params));
}
