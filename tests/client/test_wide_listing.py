# SPDX-License-Identifier: AGPL-3.0-or-later
"""A wide folder through the listing's fast paths (issue 20, item 5): the framing parsed and the
listing verified with the garbage collector paused, metadata through the canonical-JSON
shortcut and the one-call AD. One bad child among thousands is still refused, or left out,
exactly as spec/metadata.md ("Listing a folder") says; each test fails if its check is dropped."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import pytest
from msgspec.structs import replace as struct_replace

from sealbox.client.sdk.tree import verify_listing
from sealbox.crypto import manifest as mf
from sealbox.crypto import tree
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.identity import IdentityKeys
from sealbox.crypto.keys import FileKey, FolderKey
from sealbox.crypto.layout import ObjectType
from sealbox.crypto.sealed import seal
from sealbox.protocol.listing import (
    BinaryListing,
    ListedChild,
    collection_paused,
    encode_listing,
    parse_listing,
)

COUNT = 3000
BAD = 1789  # the one child a test spoils, somewhere in the middle


@dataclass
class Wide:
    folder_id: bytes
    key: FolderKey
    owner: IdentityKeys
    owner_id: bytes
    content_id: bytes
    children: list[ListedChild]
    entries: list[mf.ManifestEntry]

    @property
    def writers(self) -> dict[bytes, bytes]:
        return {self.owner_id: self.owner.public.sign_public}

    def record(
        self,
        node_id: bytes,
        name: str,
        signer: tuple[IdentityKeys, bytes] | None = None,
        sealed: bytes | None = None,
    ) -> bytes:
        meta = tree.FileMetadata(name, 1_764_000_000_000, 100, "text/plain", self.content_id,
                                 bytes(32))  # fmt: skip
        keys, writer_id = signer or (self.owner, self.owner_id)
        return tree.make_node_record(
            keys, writer_id, node_id, self.folder_id, tree.NodeType.FILE, 1,
            tree.wrap_node_key(self.key, FileKey.generate(), node_id, self.folder_id),
            sealed or tree.seal_metadata(self.key, meta, node_id, self.folder_id, 1),
        )  # fmt: skip

    def put(self, index: int, record: bytes, *, listed: bool = True, hashed: bool = True) -> None:
        """Child ``index`` as the server lists it (``listed``) and the manifest hashes it."""
        child = self.children[index]
        if listed:
            self.children[index] = struct_replace(child, record=record)
        if hashed:
            entry = self.entries[index]
            self.entries[index] = struct_replace(entry, record_hash=tree.record_hash(record))

    def listing(self) -> BinaryListing:
        manifest = mf.make_manifest(
            self.owner, self.owner_id, self.folder_id, 1, mf.NO_PREVIOUS, self.entries
        )
        return parse_listing(encode_listing(BinaryListing(1, manifest, self.children)))

    def verify(self, writers: dict[bytes, bytes] | None = None) -> list[str]:
        folder, _ = verify_listing(
            self.listing(), self.folder_id, self.key, writers or self.writers, None
        )
        return [child.name for child in folder.children]


@pytest.fixture(scope="module")
def template() -> Wide:
    wide = Wide(os.urandom(16), FolderKey.generate(), IdentityKeys.generate(), os.urandom(16),
                os.urandom(16), [], [])  # fmt: skip
    for i, node_id in enumerate(sorted(os.urandom(16) for _ in range(COUNT))):
        record = wide.record(node_id, f"file{i:05}.txt")
        wide.children.append(ListedChild(node_id, "file", wide.content_id, 200, 0, record))
        wide.entries.append(mf.ManifestEntry(node_id, tree.NodeType.FILE, tree.record_hash(record)))
    return wide


@pytest.fixture
def wide(template: Wide) -> Wide:
    return replace(template, children=list(template.children), entries=list(template.entries))


def refused(wide: Wide, code: ErrorCode) -> None:
    with pytest.raises(IntegrityError) as caught:
        wide.verify()
    assert caught.value.code == code
    assert gc.isenabled()  # the collector runs again after a refusal


def test_every_child_of_a_wide_folder_verifies_in_order(wide: Wide) -> None:
    assert wide.verify() == [f"file{i:05}.txt" for i in range(COUNT)]
    assert gc.isenabled()


def test_one_child_with_non_canonical_metadata_is_refused(wide: Wide) -> None:
    # Sealed and signed by the folder's own writer, so only the canonical-JSON check stops it.
    node_id = wide.children[BAD].node_id
    context = tree._metadata_context(node_id, wide.folder_id, tree.NodeType.FILE, 1)
    good = tree.encode_metadata(
        tree.FileMetadata("x.txt", 1, 100, "text/plain", wide.content_id, bytes(32))
    )
    spaced = good.replace(b'"mtime":1', b'"mtime": 1')
    sealed = seal(tree._metadata_key(wide.key), ObjectType.METADATA, spaced, context, os.urandom)
    wide.put(BAD, wide.record(node_id, "x.txt", sealed=sealed))
    refused(wide, ErrorCode.MALFORMED)


def test_one_child_whose_metadata_was_sealed_for_another_node_is_refused(wide: Wide) -> None:
    # The record is signed and hashed by the manifest, but its metadata's AD names another node.
    node_id, other = wide.children[BAD].node_id, wide.children[BAD + 1].node_id
    meta = tree.FileMetadata("moved.txt", 1, 100, "text/plain", wide.content_id, bytes(32))
    sealed = tree.seal_metadata(wide.key, meta, other, wide.folder_id, 1)
    wide.put(BAD, wide.record(node_id, "moved.txt", sealed=sealed))
    refused(wide, ErrorCode.DECRYPT_FAILED)


def test_one_child_by_another_writer_with_a_bad_signature_is_refused(wide: Wide) -> None:
    member, member_id = IdentityKeys.generate(), os.urandom(16)
    record = bytearray(wide.record(wide.children[BAD].node_id, "member.txt", (member, member_id)))
    record[-1] ^= 1  # the signature, which the manifest's hash does not vouch for
    wide.put(BAD, bytes(record))
    writers = {**wide.writers, member_id: member.public.sign_public}
    with pytest.raises(IntegrityError) as caught:
        wide.verify(writers)
    assert caught.value.code == ErrorCode.BAD_SIGNATURE


def test_one_child_the_server_names_with_other_content_is_refused(wide: Wide) -> None:
    wide.children[BAD] = struct_replace(wide.children[BAD], content_id=os.urandom(16))
    refused(wide, ErrorCode.CONTEXT_MISMATCH)


def test_one_swapped_record_is_left_out_and_reported(wide: Wide) -> None:
    # The server lists a record the manifest does not hash: not shown, and counted.
    node_id = wide.children[BAD].node_id
    wide.put(BAD, wide.record(node_id, "swapped.txt"), hashed=False)
    folder, _ = verify_listing(wide.listing(), wide.folder_id, wide.key, wide.writers, None)
    names = [child.name for child in folder.children]
    assert len(names) == COUNT - 1 and "swapped.txt" not in names
    assert folder.withheld == (node_id,) and folder.injected == 1


def _states() -> Iterator[tuple[bool, Callable[[], None]]]:
    yield True, gc.enable
    yield False, gc.disable


@pytest.mark.parametrize(("enabled", "set_state"), list(_states()))
def test_the_collector_is_left_as_it_was(enabled: bool, set_state: Callable[[], None]) -> None:
    set_state()
    try:
        with collection_paused():
            assert not gc.isenabled()
        assert gc.isenabled() == enabled
        with pytest.raises(ValueError), collection_paused():
            raise ValueError("a refusal inside")
        assert gc.isenabled() == enabled
    finally:
        gc.enable()


def test_labels_shortcut_agrees_with_the_full_rule() -> None:
    """A name held by one child and without ``@`` labels itself; every other child still gets
    the label the full rule gives, including ``NAME@REF`` names that select another child."""
    from types import SimpleNamespace

    from sealbox.client.sdk import duplicates
    from sealbox.crypto.layout import b64url

    ids = [os.urandom(16) for _ in range(6)]
    ref = b64url(ids[0])
    names = ["a", f"a@{ref[:4]}", "b", "b", f"c@{ref[:8]}", "d@x"]
    nodes = [SimpleNamespace(node_id=i, name=n) for i, n in zip(ids, names, strict=True)]
    by_name = duplicates.group(nodes)  # type: ignore[arg-type]
    full = {n.node_id: duplicates._label(by_name, n.name, n) for n in nodes}  # type: ignore[arg-type]
    assert duplicates.labels(by_name) == full  # type: ignore[arg-type]
    # "a@REF" as a path also selects the child called "a", so it needs a longer label.
    assert full[ids[1]] != names[1] and full[ids[0]] == "a"


def test_rows_framed_as_the_children_they_announce(template: Wide) -> None:
    from sealbox.protocol.listing import iter_framed

    listing = template.listing()
    rows = [(c.node_id, c.node_type, c.content_id, c.size, c.manifest_version, c.record)
            for c in listing.children]  # fmt: skip
    framed = b"".join(iter_framed(1, listing.manifest, COUNT, rows))
    assert framed == encode_listing(listing)
    with pytest.raises(ValueError, match="announced"):
        b"".join(iter_framed(1, listing.manifest, COUNT + 1, rows))
