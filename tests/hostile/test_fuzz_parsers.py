# SPDX-License-Identifier: AGPL-3.0-or-later
"""Hypothesis over every parser of sealed objects and server responses: arbitrary bytes either
parse or raise the one documented error, never anything else (and never hang or crash)."""

from __future__ import annotations

import os

from hypothesis import given, settings
from hypothesis import strategies as st

from sealbox.crypto import content, drops, identity, links, manifest, shares, tree
from sealbox.crypto.errors import IntegrityError
from sealbox.crypto.keys import FileKey, FolderKey, LinkKey, MasterKey
from sealbox.crypto.layout import MAGIC, ObjectType
from sealbox.crypto.sealed import parse_sealed
from sealbox.protocol.listing import parse_listing

IDENTITY = identity.IdentityKeys.generate()
FOLDER_KEY = FolderKey.generate()
IDS = [os.urandom(16) for _ in range(4)]


def _objects() -> st.SearchStrategy[bytes]:
    """Random bytes, and random bytes behind a valid prefix of every type (to get past it)."""
    prefixed = st.builds(
        lambda t, rest: MAGIC + bytes([1, t]) + rest,
        st.sampled_from(list(ObjectType)),
        st.binary(max_size=600),
    )
    return st.one_of(st.binary(max_size=600), prefixed)


PARSERS = [
    lambda b: parse_sealed(b, ObjectType.NODE_KEY),
    lambda b: content.parse_header(b),
    lambda b: content.ContentDecryptor(FileKey.generate(), b, IDS[0], os.urandom(32), 10),
    lambda b: tree.parse_node_record(b),
    lambda b: tree.decode_metadata(b, tree.NodeType.FILE),
    lambda b: tree.open_metadata(FOLDER_KEY, b, IDS[0], IDS[1], tree.NodeType.FOLDER, 1),
    lambda b: manifest.parse_manifest(b),
    lambda b: manifest.verify_manifest(b, IDS[0], {IDS[1]: IDENTITY.public.sign_public}),
    lambda b: identity.verify_bundle(b, "alice", None),
    lambda b: identity.unwrap_private_keys(MasterKey.generate(), b, IDS[0], IDENTITY.public),
    lambda b: shares.open_share_envelope(
        IDENTITY, IDS[3], b, identity.Pin(IDS[2], IDENTITY.public.sign_public, 1)
    ),
    lambda b: links.open_link_secret(LinkKey.generate(), b, IDS[0], IDS[1]),
    lambda b: links.parse_password_link(b),
    lambda b: drops.open_drop_upload(drops.DropKeys.generate(), b, IDS[0]),
]


@settings(max_examples=300, deadline=None)
@given(data=_objects(), which=st.integers(min_value=0, max_value=len(PARSERS) - 1))
def test_sealed_object_parsers_raise_only_integrity_errors(data: bytes, which: int) -> None:
    try:
        PARSERS[which](data)
    except IntegrityError:
        pass


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=120))
def test_fragment_parsers_raise_only_value_or_integrity_errors(text: str) -> None:
    for parse in (links.parse_fragment, drops.parse_drop_fragment):
        try:
            parse(text)
        except (ValueError, IntegrityError):
            pass


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=400))
def test_listing_parser_raises_only_value_errors(data: bytes) -> None:
    try:
        parse_listing(b"SBL1" + data)
    except ValueError:
        pass
    try:
        parse_listing(data)
    except ValueError:
        pass
