# SPDX-License-Identifier: AGPL-3.0-or-later
"""Unit tests for the checks the vectors and properties do not reach on their own."""

from __future__ import annotations

import io
import os

import pytest

from sealbox.crypto import (
    _sodium,
    content,
    drops,
    identity,
    links,
    manifest,
    recovery,
    shares,
    tree,
)
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.keys import FileKey, FolderKey, LinkKey, MasterKey, SecretKey, derive
from sealbox.crypto.layout import ObjectType, check_id, from_b64url, prefix
from sealbox.crypto.password import KdfParams, derive_salt
from sealbox.crypto.sealed import open_sealed, seal

from .conftest import new_id


def _code(excinfo: pytest.ExceptionInfo[IntegrityError]) -> ErrorCode:
    return excinfo.value.code


def test_keys_never_show_their_bytes() -> None:
    key = MasterKey.generate()
    assert repr(key) == "<MasterKey>"
    assert key.secret_bytes().hex() not in repr(key) + str(key)
    assert repr(identity.IdentityKeys.generate()) == "<IdentityKeys>"
    assert repr(drops.DropKeys.generate()) == "<DropKeys>"
    with pytest.raises(TypeError):
        hash(key)


def test_keys_compare_by_role_and_value() -> None:
    raw = os.urandom(32)
    assert MasterKey(raw) == MasterKey(raw)
    assert MasterKey(raw) != FolderKey(raw)
    assert MasterKey(raw) != MasterKey(os.urandom(32))
    assert MasterKey(raw) != raw


def test_programming_errors_are_value_errors() -> None:
    with pytest.raises(ValueError):
        MasterKey(b"short")
    with pytest.raises(ValueError):
        derive(MasterKey.generate(), 1, b"toolongctx")
    with pytest.raises(ValueError):
        check_id(b"\x00" * 15)
    with pytest.raises(ValueError):
        identity.IdentityKeys(b"\x00" * 31, b"\x00" * 32)
    with pytest.raises(ValueError):
        identity.make_bundle(identity.IdentityKeys.generate(), new_id(), "", 1, 0)
    with pytest.raises(ValueError):
        content.ContentEncryptor(FileKey.generate(), new_id(), chunk_size=5000)


def test_encryptor_refuses_noncanonical_chunking() -> None:
    encryptor = content.ContentEncryptor(FileKey.generate(), new_id(), content.MIN_CHUNK_SIZE)
    full = b"x" * content.MIN_CHUNK_SIZE
    encryptor.encrypt_chunk(0, full, final=False)
    encryptor.encrypt_chunk(0, full, final=True)
    encryptor.encrypt_chunk(0, b"", final=True)
    for index, data, final in ((0, b"short", False), (1, b"", True), (0, full + b"x", True)):
        with pytest.raises(ValueError):
            encryptor.encrypt_chunk(index, data, final)


def test_a_resumed_encryptor_seals_as_the_first_one_did() -> None:
    key, content_id = FileKey.generate(), new_id()
    first = content.ContentEncryptor(key, content_id, content.MIN_CHUNK_SIZE)
    resumed = content.ContentEncryptor.resume(
        key, content_id, first.nonce_prefix, content.MIN_CHUNK_SIZE
    )
    assert resumed.header == first.header and resumed.nonce_prefix == first.nonce_prefix
    chunk = os.urandom(content.MIN_CHUNK_SIZE)
    assert resumed.encrypt_chunk(3, chunk, False) == first.encrypt_chunk(3, chunk, False)
    with pytest.raises(ValueError):
        content.ContentEncryptor.resume(key, content_id, first.nonce_prefix[:-1])


def test_decryptor_ranges_and_bounds() -> None:
    key, content_id = FileKey.generate(), new_id()
    encryptor = content.ContentEncryptor(key, content_id, content.MIN_CHUNK_SIZE)
    size = content.MIN_CHUNK_SIZE + 10
    sealed = list(encryptor.encrypt_stream(io.BytesIO(os.urandom(size)).read))
    decryptor = content.ContentDecryptor(key, sealed[0], content_id, encryptor.header_hash, size)
    whole = b"".join(sealed)
    for index in range(decryptor.chunks):
        start, end = decryptor.chunk_range(index)
        assert whole[start:end] == sealed[1 + index]
    with pytest.raises(ValueError):
        decryptor.chunk_range(2)
    with pytest.raises(ValueError):
        decryptor.chunk_plaintext_size(-1)


@pytest.mark.parametrize("size", [1, content.MIN_CHUNK_SIZE - 1, content.MIN_CHUNK_SIZE])
def test_in_place_chunks_match_the_allocating_calls(size: int) -> None:
    key, content_id = FileKey.generate(), new_id()
    prefix_bytes = os.urandom(content.NONCE_PREFIX_BYTES)
    encryptor = content.ContentEncryptor(
        key, content_id, content.MIN_CHUNK_SIZE, rng=lambda _: prefix_bytes
    )
    plain = os.urandom(size)
    expected = encryptor.encrypt_chunk(0, plain, final=True)
    buffer = bytearray(content.MIN_CHUNK_SIZE + content.TAG_BYTES)
    buffer[:size] = plain
    sealed_size = encryptor.encrypt_chunk_in_place(0, buffer, size, final=True)
    assert buffer[:sealed_size] == expected
    decryptor = content.ContentDecryptor(
        key, encryptor.header, content_id, encryptor.header_hash, size
    )
    view = memoryview(buffer)[:sealed_size]
    assert decryptor.decrypt_chunk_in_place(0, view) == size
    assert view[:size] == plain
    # Tampering raises, and the buffer's plaintext area is cleared rather than half-written.
    tampered = bytearray(expected)
    tampered[0] ^= 1
    with pytest.raises(IntegrityError) as excinfo:
        decryptor.decrypt_chunk_in_place(0, tampered)
    assert excinfo.value.code == ErrorCode.DECRYPT_FAILED
    assert tampered[:size] == bytes(size)
    with pytest.raises(IntegrityError):
        decryptor.decrypt_chunk_in_place(0, bytearray(size))  # one tag short
    with pytest.raises(ValueError):
        encryptor.encrypt_chunk_in_place(0, bytearray(size + 15), size, final=True)
    with pytest.raises(ValueError):  # a short chunk that is not the last one
        encryptor.encrypt_chunk_in_place(0, buffer, content.MIN_CHUNK_SIZE - 1, final=False)


def _peak_rss_mib(size: int) -> int:
    """Peak RSS of a fresh process that seals and opens ``size`` bytes through the streaming API."""
    import subprocess
    import sys

    code = r"""
import resource, sys
from sealbox.crypto.content import ContentEncryptor, ContentDecryptor
from sealbox.crypto.keys import FileKey
size = int(sys.argv[1])
block = memoryview(bytes(range(256)) * 4096)
left = size
def read(n):
    global left
    take = min(n, left, len(block))
    left -= take
    return block[:take]
key = FileKey.generate()
enc = ContentEncryptor(key, b"\x01" * 16)
stream = enc.encrypt_stream(read)
header = next(stream)
dec = ContentDecryptor(key, header, b"\x01" * 16, enc.header_hash, size)
pending = bytearray()
def sealed_read(n):
    while len(pending) < n:
        try:
            pending.extend(next(stream))
        except StopIteration:
            break
    out = bytes(pending[:n])
    del pending[:n]
    return out
total = sum(len(p) for p in dec.decrypt_stream(sealed_read))
assert total == size, total
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""
    result = subprocess.run(
        [sys.executable, "-c", code, str(size)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return int(result.stdout.strip())


def test_two_gib_stream_keeps_memory_flat() -> None:
    """Sealing and opening 2 GiB needs no more memory than 64 MiB does: memory does not grow
    with the size of the stream (spec/object-format.md)."""
    small = _peak_rss_mib(64 * 1024 * 1024)
    large = _peak_rss_mib(2 * 1024**3)
    assert large <= small + 48, f"peak RSS {small} MiB for 64 MiB but {large} MiB for 2 GiB"


def test_drop_keys_mismatch_and_malformed_upload(alice: identity.IdentityKeys) -> None:
    folder_key, drop_id, folder_id = FolderKey.generate(), new_id(), new_id()
    keys = drops.DropKeys.generate()
    wrap = drops.wrap_drop_keys(folder_key, keys, drop_id, folder_id)
    # The public key the link advertised is bound into the wrap, so another one fails to open.
    with pytest.raises(IntegrityError) as excinfo:
        drops.unwrap_drop_keys(folder_key, wrap, drop_id, folder_id, os.urandom(32))
    assert _code(excinfo) == ErrorCode.DECRYPT_FAILED
    # A writer that sealed a secret not matching the public key it bound.
    other = drops.DropKeys.generate()
    context = drop_id + folder_id + keys.public
    forged = seal(
        derive(folder_key, 1, b"sbdropky"),
        ObjectType.DROP_KEY,
        other._keys.secret_bytes()[32:],
        context,
        os.urandom,
    )
    with pytest.raises(IntegrityError) as excinfo:
        drops.unwrap_drop_keys(folder_key, forged, drop_id, folder_id, keys.public)
    assert _code(excinfo) == ErrorCode.KEY_MISMATCH
    short = prefix(ObjectType.DROP_UPLOAD) + drop_id
    short += _sodium.box_seal(drop_id + b"\x00" * 10, keys.public, os.urandom(32))
    with pytest.raises(IntegrityError) as excinfo:
        drops.open_drop_upload(keys, short, drop_id)
    assert _code(excinfo) == ErrorCode.MALFORMED


def test_bundle_pin_round_trip(alice: identity.IdentityKeys) -> None:
    user_id = new_id()
    bundle = identity.verify_bundle(
        identity.make_bundle(alice, user_id, "alice", 3, 9), "alice", None
    )
    assert bundle.pin() == identity.Pin(user_id, alice.public.sign_public, 3)
    assert identity.safety_number(bundle, bundle.pin()) == identity.safety_number(
        bundle.pin(), bundle
    )


def test_link_secret_too_short() -> None:
    link_key, link_id, node_id = LinkKey.generate(), new_id(), new_id()
    bad = seal(
        derive(link_key, 1, b"sblinkky"),
        ObjectType.LINK_SECRET,
        b"\x02" + b"\x00" * 5,
        link_id + node_id,
        os.urandom,
    )
    with pytest.raises(IntegrityError) as excinfo:
        links.open_link_secret(link_key, bad, link_id, node_id)
    assert _code(excinfo) == ErrorCode.MALFORMED


def test_manifest_builder_refuses_inconsistent_input(alice: identity.IdentityKeys) -> None:
    entry = manifest.ManifestEntry(new_id(), tree.NodeType.FILE, os.urandom(32))
    with pytest.raises(ValueError):
        manifest.make_manifest(alice, new_id(), new_id(), 1, manifest.NO_PREVIOUS, [entry, entry])
    with pytest.raises(ValueError):
        manifest.make_manifest(alice, new_id(), new_id(), 2, manifest.NO_PREVIOUS, [])
    with pytest.raises(ValueError):
        manifest.make_manifest(alice, new_id(), new_id(), 0, manifest.NO_PREVIOUS, [])


def test_freshness_accepts_first_sight_and_progress(alice: identity.IdentityKeys) -> None:
    folder, writer = new_id(), new_id()
    first = manifest.parse_manifest(
        manifest.make_manifest(alice, writer, folder, 1, manifest.NO_PREVIOUS, [])
    )
    mark = manifest.check_freshness(first, None)
    assert manifest.check_freshness(first, mark) == mark
    later = manifest.parse_manifest(
        manifest.make_manifest(alice, writer, folder, 5, os.urandom(32), [])
    )
    assert manifest.check_freshness(later, mark).version == 5


def test_reconcile_refuses_a_signed_manifest_that_lists_a_misplaced_record(
    alice: identity.IdentityKeys,
) -> None:
    folder, elsewhere, writer, node = new_id(), new_id(), new_id(), new_id()
    record = tree.make_node_record(
        alice, writer, node, elsewhere, tree.NodeType.FILE, 1, b"k", b"m"
    )
    entry = manifest.ManifestEntry(node, tree.NodeType.FILE, tree.record_hash(record))
    signed = manifest.parse_manifest(
        manifest.make_manifest(alice, writer, folder, 1, manifest.NO_PREVIOUS, [entry])
    )
    with pytest.raises(IntegrityError) as excinfo:
        manifest.reconcile(signed, [record])
    assert _code(excinfo) == ErrorCode.CONTEXT_MISMATCH


def test_node_record_opens_its_key_and_metadata(alice: identity.IdentityKeys) -> None:
    parent_key, parent, node, writer = FolderKey.generate(), new_id(), new_id(), new_id()
    child_key = FolderKey.generate()
    meta = tree.FolderMetadata("Pictures", 0)
    record = tree.parse_node_record(
        tree.make_node_record(
            alice,
            writer,
            node,
            parent,
            tree.NodeType.FOLDER,
            1,
            tree.wrap_node_key(parent_key, child_key, node, parent),
            tree.seal_metadata(parent_key, meta, node, parent, 1),
        )
    )
    assert record.open_key(parent_key) == child_key
    assert record.open_metadata(parent_key) == meta
    assert record.open_folder_key(parent_key) == child_key
    with pytest.raises(IntegrityError) as excinfo:
        record.open_file_key(parent_key)
    assert _code(excinfo) == ErrorCode.WRONG_TYPE
    with pytest.raises(IntegrityError) as excinfo:
        tree.as_file_metadata(meta)
    assert _code(excinfo) == ErrorCode.WRONG_TYPE
    with pytest.raises(ValueError):
        tree.make_node_record(
            alice, writer, node, parent, tree.NodeType.FOLDER, 1, b"x" * 70000, b""
        )


def test_typed_openers_accept_a_file(alice: identity.IdentityKeys) -> None:
    parent_key, parent, node, writer = FolderKey.generate(), new_id(), new_id(), new_id()
    file_key = FileKey.generate()
    meta = tree.FileMetadata("a.txt", 0, 1, "text/plain", new_id(), bytes(32))
    record = tree.parse_node_record(
        tree.make_node_record(
            alice,
            writer,
            node,
            parent,
            tree.NodeType.FILE,
            1,
            tree.wrap_node_key(parent_key, file_key, node, parent),
            tree.seal_metadata(parent_key, meta, node, parent, 1),
        )
    )
    assert record.open_file_key(parent_key) == file_key
    assert tree.as_file_metadata(record.open_metadata(parent_key)) == meta
    with pytest.raises(IntegrityError) as excinfo:
        record.open_folder_key(parent_key)
    assert _code(excinfo) == ErrorCode.WRONG_TYPE


def test_unknown_node_type_in_record(alice: identity.IdentityKeys) -> None:
    record = bytearray(
        tree.make_node_record(alice, new_id(), new_id(), new_id(), tree.NodeType.FILE, 1, b"", b"")
    )
    record[6 + 32] = 9
    with pytest.raises(IntegrityError) as excinfo:
        tree.parse_node_record(bytes(record))
    assert _code(excinfo) == ErrorCode.MALFORMED


@pytest.mark.parametrize(
    "meta",
    [
        tree.FileMetadata("a", 0, -1, "text/plain", b"\x00" * 16, b"\x00" * 32),
        tree.FileMetadata("a", 0, 1, "tëxt", b"\x00" * 16, b"\x00" * 32),
        tree.FileMetadata("a", 0, 1, "text/plain", b"\x00" * 16, b"\x00" * 31),
        tree.FolderMetadata("a\x00b", 0),
        tree.FolderMetadata("a", 2**63),
        tree.FolderMetadata("x" * 1025, 0),
        tree.FolderMetadata("a", 0, author=b"\x01" * 15),
        tree.FolderMetadata("a", 0, author_name="mallory"),  # a name without an author id
        tree.FolderMetadata("a", 0, author=b"\x01" * 16, author_name=""),
        tree.FolderMetadata("a", 0, author=b"\x01" * 16, author_name="m" * 65),
    ],
)
def test_metadata_writer_refuses_invalid_fields(meta: tree.Metadata) -> None:
    with pytest.raises(ValueError):
        tree.encode_metadata(meta)


def test_metadata_reader_refuses_non_string_ids() -> None:
    with pytest.raises(IntegrityError):
        tree.decode_metadata(b'{"mtime":1,"name":"a","trashed_from":5}', tree.NodeType.FOLDER)


def test_metadata_keeps_an_attested_author() -> None:
    """A record the owner re-signed names who wrote it (spec/sharing.md, "Attribution")."""
    for meta in (
        tree.FileMetadata("a", 0, 1, "", b"\x00" * 16, b"\x00" * 32, None, b"\x07" * 16, "mal"),
        tree.FolderMetadata("a", 0, author=b"\x07" * 16),
    ):
        node_type = tree.NodeType.FOLDER if isinstance(meta, tree.FolderMetadata) else 2
        encoded = tree.encode_metadata(meta)
        assert tree.decode_metadata(encoded, tree.NodeType(node_type)) == meta


@pytest.mark.parametrize(
    "text",
    [
        b'{"author":"AQEBAQEBAQEBAQEBAQEBAQ","author_name":5,"mtime":1,"name":"a"}',
        b'{"author_name":"mal","mtime":1,"name":"a"}',
        b'{"author":7,"mtime":1,"name":"a"}',
    ],
)
def test_metadata_reader_refuses_a_bad_author(text: bytes) -> None:
    with pytest.raises(IntegrityError) as excinfo:
        tree.decode_metadata(text, tree.NodeType.FOLDER)
    assert _code(excinfo) == ErrorCode.MALFORMED


def test_sealed_key_of_wrong_length() -> None:
    key, context = os.urandom(32), b"ctx"
    blob = seal(key, ObjectType.NODE_KEY, b"\x00" * 31, context, os.urandom)
    with pytest.raises(IntegrityError) as excinfo:
        open_sealed(key, blob, ObjectType.NODE_KEY, context, 32)
    assert _code(excinfo) == ErrorCode.MALFORMED


def test_share_envelope_malformed_inside(alice: identity.IdentityKeys) -> None:
    bob = identity.IdentityKeys.generate()
    ids = new_id() + new_id() + new_id() + new_id()
    from sealbox.crypto.layout import u32, u64

    def envelope(rights: int, inner_tail: bytes) -> bytes:
        head = ids + bytes([rights]) + u64(1)
        sealed = _sodium.box_seal(head + inner_tail, bob.public.box_public, os.urandom(32))
        body = prefix(ObjectType.SHARE_ENVELOPE) + head + u32(len(sealed)) + sealed
        return body + alice.sign(shares.ENVELOPE_LABEL, body)

    sender = identity.Pin(ids[32:48], alice.public.sign_public, 1)
    for rights, tail in (
        (7, b"\x00" * 32 + b'{"name":"a"}'),
        (1, b"\x00" * 5),
        (1, b"\x00" * 32 + b'{"name":1}'),
        (1, b"\x00" * 32 + b'{"name":"a/b"}'),
    ):
        with pytest.raises(IntegrityError) as excinfo:
            shares.open_share_envelope(bob, ids[48:], envelope(rights, tail), sender)
        assert _code(excinfo) == ErrorCode.MALFORMED
    # The sender's own check of the signed head refuses unknown rights without opening anything.
    with pytest.raises(IntegrityError) as excinfo:
        shares.envelope_head(envelope(7, b""), sender)
    assert _code(excinfo) == ErrorCode.MALFORMED
    for name, epoch in (("..", 1), ("a", -1), ("a", 2**64)):
        grant = shares.ShareGrant(
            ids[:16],
            ids[16:32],
            ids[32:48],
            ids[48:],
            shares.Rights.READ,
            epoch,
            FolderKey.generate(),
            name,
        )
        with pytest.raises(ValueError):
            shares.make_share_envelope(alice, grant, bob.public.box_public)


def test_share_envelope_head_is_readable_by_its_sender(alice: identity.IdentityKeys) -> None:
    bob = identity.IdentityKeys.generate()
    ids = [new_id() for _ in range(4)]
    grant = shares.ShareGrant(*ids, shares.Rights.WRITE, 5, FolderKey.generate(), "team")
    data = shares.make_share_envelope(alice, grant, bob.public.box_public)
    head = shares.envelope_head(data, identity.Pin(ids[2], alice.public.sign_public, 1))
    assert head == shares.EnvelopeHead(*ids, shares.Rights.WRITE, 5)
    opened = shares.open_share_envelope(
        bob, ids[3], data, identity.Pin(ids[2], alice.public.sign_public, 1)
    )
    assert opened.epoch == 5 and opened == grant


def test_aead_refuses_wrong_sizes_before_calling_libsodium() -> None:
    with pytest.raises(ValueError):
        _sodium.aead_encrypt(b"k" * 31, b"n" * 24, b"", b"")
    with pytest.raises(IntegrityError):
        _sodium.aead_decrypt(b"k" * 32, b"n" * 24, b"short", b"")


def test_an_aead_opener_opens_what_aead_decrypt_opens_and_refuses_the_same() -> None:
    key, nonce, ad = b"k" * 32, b"n" * 24, b"ad"
    sealed = bytes(_sodium.aead_encrypt(key, nonce, b"metadata", ad))
    opener = _sodium.aead_opener(key)
    assert opener(nonce, sealed, ad) == _sodium.aead_decrypt(key, nonce, sealed, ad) == b"metadata"
    tampered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    for args in ((nonce, tampered, ad), (nonce, sealed, b"other"), (nonce, b"short", ad)):
        with pytest.raises(IntegrityError):
            opener(*args)
    with pytest.raises(IntegrityError):
        _sodium.aead_opener(b"j" * 32)(nonce, sealed, ad)
    with pytest.raises(ValueError):
        opener(b"n" * 23, sealed, ad)
    with pytest.raises(ValueError):
        _sodium.aead_opener(b"k" * 31)


def test_recovery_text_rejects_garbage() -> None:
    for text in ("", "not base32 !!", "AAAA" * 3):
        with pytest.raises(ValueError):
            recovery.parse_recovery_key(text)


def test_strict_base64url() -> None:
    for bad in ("A", "AB=", "A+B/", "AB$C", "AR"):
        with pytest.raises(ValueError):
            from_b64url(bad)
    for not_text in ([], {}, 5, None):  # what parsed JSON may hold where an id belongs
        with pytest.raises(TypeError):
            from_b64url(not_text)  # type: ignore[arg-type]


def test_kdf_params_generate_checks() -> None:
    params = KdfParams.generate()
    assert params.opslimit == 3 and len(params.salt) == 16
    with pytest.raises(IntegrityError):
        KdfParams.generate(opslimit=1)


def test_kdf_params_derived_use_the_derived_salt_and_check() -> None:
    server_id = bytes(range(16))
    params = KdfParams.derived(server_id, "alice")
    assert params.opslimit == 3 and params.salt == derive_salt(server_id, "alice")
    assert KdfParams.derived(server_id, "bob").salt != params.salt
    with pytest.raises(IntegrityError):
        KdfParams.derived(server_id, "alice", opslimit=1)


def test_secret_key_subclasses_generate_fresh() -> None:
    assert SecretKey.generate() != SecretKey.generate()
