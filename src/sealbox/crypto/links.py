# SPDX-License-Identifier: AGPL-3.0-or-later
"""Public links and password-protected links (spec/sharing.md, "Links").

A link's key lives only in the URL fragment, which browsers and the CLI never send. The server
holds the link secret: the node's key and a metadata snapshot sealed under that key. A password
link's fragment carries the link key itself wrapped under Argon2id of the password, plus a
commitment that is checked first, so a wrong password fails locally with nothing sent and one
fragment cannot open under two passwords.
"""

from __future__ import annotations

from dataclasses import dataclass

from sealbox.crypto import _sodium
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.identity import signed_message
from sealbox.crypto.keys import (
    FileKey,
    FolderKey,
    LinkKey,
    PasswordKey,
    RandomSource,
    derive,
    system_random,
)
from sealbox.crypto.layout import ObjectType, b64url, check_id, from_b64url, prefix
from sealbox.crypto.password import PARAMS_BYTES, KdfParams, stretch
from sealbox.crypto.sealed import parse_sealed, seal
from sealbox.crypto.tree import Metadata, NodeType, decode_metadata, encode_metadata

PLAIN_TAG = "k"
PASSWORD_TAG = "p"  # noqa: S105  # a fragment tag, not a password
COMMITMENT_LABEL = b"sealbox password link commitment v1"
COMMITMENT_BYTES = 32


@dataclass(frozen=True, slots=True)
class LinkSecret:
    node_type: NodeType
    node_key: FolderKey | FileKey
    metadata: Metadata


def make_link_secret(
    link_key: LinkKey,
    link_id: bytes,
    node_id: bytes,
    node_key: FolderKey | FileKey,
    metadata: Metadata,
    rng: RandomSource = system_random,
) -> bytes:
    node_type = NodeType.FOLDER if isinstance(node_key, FolderKey) else NodeType.FILE
    plaintext = bytes([node_type]) + node_key.secret_bytes() + encode_metadata(metadata)
    context = check_id(link_id) + check_id(node_id)
    return seal(derive(link_key, 1, b"sblinkky"), ObjectType.LINK_SECRET, plaintext, context, rng)


def open_link_secret(link_key: LinkKey, data: bytes, link_id: bytes, node_id: bytes) -> LinkSecret:
    context = check_id(link_id) + check_id(node_id)
    plaintext = parse_sealed(data, ObjectType.LINK_SECRET).open(
        derive(link_key, 1, b"sblinkky"), context
    )
    if len(plaintext) < 33 or plaintext[0] not in (NodeType.FOLDER, NodeType.FILE):
        raise IntegrityError(ErrorCode.MALFORMED, "link secret is malformed")
    node_type = NodeType(plaintext[0])
    raw_key = plaintext[1:33]
    node_key = FolderKey(raw_key) if node_type == NodeType.FOLDER else FileKey(raw_key)
    return LinkSecret(node_type, node_key, decode_metadata(plaintext[33:], node_type))


def plain_fragment(link_key: LinkKey) -> str:
    return PLAIN_TAG + b64url(link_key.secret_bytes())


def _password_keys(password: str, params: KdfParams) -> tuple[bytes, bytes]:
    password_key = PasswordKey(stretch(password, params))
    return derive(password_key, 1, b"sbplinkw"), derive(password_key, 2, b"sbplinkc")


def _commitment(commit_key: bytes, params: KdfParams, link_id: bytes) -> bytes:
    committed = prefix(ObjectType.PASSWORD_LINK) + params.encode() + check_id(link_id)
    return _sodium.blake2b(signed_message(COMMITMENT_LABEL, committed), key=commit_key)


def password_fragment(
    link_key: LinkKey,
    link_id: bytes,
    password: str,
    params: KdfParams,
    rng: RandomSource = system_random,
) -> str:
    wrap_key, commit_key = _password_keys(password, params)
    public = params.encode() + _commitment(commit_key, params, link_id)
    sealed = seal(wrap_key, ObjectType.PASSWORD_LINK, link_key.secret_bytes(), link_id, rng, public)
    return PASSWORD_TAG + b64url(sealed)


@dataclass(frozen=True, slots=True)
class PasswordFragment:
    """A parsed password-link fragment, ready for :func:`unlock`."""

    params: KdfParams
    commitment: bytes
    sealed: bytes


def parse_fragment(fragment: str) -> LinkKey | PasswordFragment:
    """Parse the text after ``#``. Malformed fragments raise ValueError: they come from a person
    pasting a link, not from the server."""
    tag, body = fragment[:1], fragment[1:]
    try:
        raw = from_b64url(body)
        if tag == PLAIN_TAG:
            return LinkKey(raw)
    except ValueError:
        raw = b""
    if tag == PASSWORD_TAG and raw:
        return parse_password_link(raw)
    raise ValueError("the link's key part (after #) is damaged or incomplete")


def parse_password_link(data: bytes) -> PasswordFragment:
    """Parse the object inside a password fragment; a tampered object raises IntegrityError."""
    sealed = parse_sealed(data, ObjectType.PASSWORD_LINK, PARAMS_BYTES + COMMITMENT_BYTES)
    params = KdfParams.decode(sealed.public_fields[:PARAMS_BYTES])
    return PasswordFragment(params, sealed.public_fields[PARAMS_BYTES:], data)


def unlock(fragment: PasswordFragment, password: str, link_id: bytes) -> LinkKey:
    """Derive the link key from the password. A wrong password raises COMMITMENT_MISMATCH before
    any decryption is attempted, so the outcome never depends on a partitioning oracle."""
    wrap_key, commit_key = _password_keys(password, fragment.params)
    if not _sodium.equal(_commitment(commit_key, fragment.params, link_id), fragment.commitment):
        raise IntegrityError(ErrorCode.COMMITMENT_MISMATCH, "wrong password for this link")
    sealed = parse_sealed(
        fragment.sealed, ObjectType.PASSWORD_LINK, PARAMS_BYTES + COMMITMENT_BYTES
    )
    return LinkKey(sealed.open_fixed(wrap_key, check_id(link_id), _sodium.KEY_BYTES))
