# SPDX-License-Identifier: AGPL-3.0-or-later
"""Hypothesis properties: round trips for any size, canonical encodings, and tamper detection."""

from __future__ import annotations

import base64
import io
import os
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sealbox.crypto import content, identity, manifest, tree
from sealbox.crypto.errors import IntegrityError
from sealbox.crypto.keys import FileKey, FolderKey
from sealbox.crypto.layout import b64url, canonical_json, from_b64url
from sealbox.crypto.password import KdfParams

CHUNK = content.MIN_CHUNK_SIZE
SIZES = st.one_of(
    st.sampled_from([0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 3 * CHUNK, 3 * CHUNK + 1]),
    st.integers(min_value=0, max_value=5 * CHUNK),
)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _encrypt(data: bytes) -> tuple[FileKey, bytes, content.ContentEncryptor, list[bytes]]:
    key, content_id = FileKey.generate(), os.urandom(16)
    encryptor = content.ContentEncryptor(key, content_id, CHUNK)
    sealed = list(encryptor.encrypt_stream(io.BytesIO(data).read))
    return key, content_id, encryptor, sealed


@FAST
@given(size=SIZES, reads=st.integers(min_value=1, max_value=CHUNK + 7))
def test_content_round_trip_any_size(size: int, reads: int) -> None:
    data = os.urandom(size)
    key, content_id, encryptor, sealed = _encrypt(data)
    assert len(b"".join(sealed)) == content.encrypted_size(size, CHUNK)
    decryptor = content.ContentDecryptor(key, sealed[0], content_id, encryptor.header_hash, size)
    body = io.BytesIO(b"".join(sealed[1:]))

    # A reader that returns short reads, as sockets and pipes do, must not change the outcome.
    def short_read(n: int) -> bytes:
        return body.read(min(n, reads))

    assert b"".join(decryptor.decrypt_stream(short_read)) == data
    # Random access and parallel work: every chunk opens alone, in any order.
    order = list(range(decryptor.chunks))
    random.shuffle(order)
    pieces = {i: decryptor.decrypt_chunk(i, sealed[1 + i]) for i in order}
    assert b"".join(pieces[i] for i in range(decryptor.chunks)) == data


@FAST
@given(size=SIZES)
def test_chunks_encrypted_out_of_order_match_the_stream(size: int) -> None:
    data = os.urandom(size)
    key, content_id, encryptor, sealed = _encrypt(data)
    n = content.chunk_count(size, CHUNK)
    for i in reversed(range(n)):
        piece = data[i * CHUNK : (i + 1) * CHUNK]
        resealed = encryptor.encrypt_chunk(i, piece, i == n - 1)
        decryptor = content.ContentDecryptor(
            key, sealed[0], content_id, encryptor.header_hash, size
        )
        assert decryptor.decrypt_chunk(i, resealed) == piece


@FAST
@given(size=SIZES, data=st.data())
def test_any_single_byte_change_of_content_is_detected(size: int, data: st.DataObject) -> None:
    plaintext = os.urandom(size)
    key, content_id, encryptor, sealed = _encrypt(plaintext)
    whole = bytearray(b"".join(sealed))
    offset = data.draw(st.integers(min_value=0, max_value=len(whole) - 1))
    whole[offset] ^= data.draw(st.integers(min_value=1, max_value=255))
    header, body = (
        bytes(whole[: content.HEADER_BYTES]),
        io.BytesIO(bytes(whole[content.HEADER_BYTES :])),
    )
    try:
        decryptor = content.ContentDecryptor(key, header, content_id, encryptor.header_hash, size)
        list(decryptor.decrypt_stream(body.read))
    except IntegrityError:
        return
    raise AssertionError(f"change at {offset} went unnoticed")


def _stored_objects(alice: identity.IdentityKeys) -> list[tuple[str, bytes, object]]:
    """One of each stored object kind, with a function that opens it as a reader would."""
    folder_key, parent, node = FolderKey.generate(), os.urandom(16), os.urandom(16)
    file_key = FileKey.generate()
    meta = tree.FileMetadata("a.txt", 1, 5, "text/plain", os.urandom(16), os.urandom(32))
    wrapped = tree.wrap_node_key(folder_key, file_key, node, parent)
    sealed_meta = tree.seal_metadata(folder_key, meta, node, parent, 3)
    writer = os.urandom(16)
    record = tree.make_node_record(
        alice, writer, node, parent, tree.NodeType.FILE, 3, wrapped, sealed_meta
    )
    entry = manifest.ManifestEntry(node, tree.NodeType.FILE, tree.record_hash(record))
    man = manifest.make_manifest(alice, writer, parent, 1, manifest.NO_PREVIOUS, [entry])
    bundle = identity.make_bundle(alice, writer, "alice", 1, 0)
    writers = {writer: alice.public.sign_public}

    def open_record(b: bytes) -> None:
        r = tree.parse_node_record(b)
        r.verify(alice.public.sign_public)

    return [
        (
            "node key",
            wrapped,
            lambda b: tree.unwrap_node_key(folder_key, b, node, parent, tree.NodeType.FILE),
        ),
        (
            "metadata",
            sealed_meta,
            lambda b: tree.open_metadata(folder_key, b, node, parent, tree.NodeType.FILE, 3),
        ),
        ("record", record, open_record),
        ("manifest", man, lambda b: manifest.verify_manifest(b, parent, writers)),
        ("bundle", bundle, lambda b: identity.verify_bundle(b, "alice", None)),
    ]


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_any_single_byte_change_of_any_stored_object_raises(
    alice: identity.IdentityKeys, data: st.DataObject
) -> None:
    objects = _stored_objects(alice)
    name, obj, opener = data.draw(st.sampled_from(objects))
    mutated = bytearray(obj)
    offset = data.draw(st.integers(min_value=0, max_value=len(obj) - 1))
    mutated[offset] ^= data.draw(st.integers(min_value=1, max_value=255))
    try:
        opener(bytes(mutated))  # type: ignore[operator]
    except IntegrityError:
        return
    raise AssertionError(f"{name}: change at {offset} went unnoticed")


names = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/\x00"),
    min_size=1,
    max_size=40,
).filter(lambda s: s not in (".", ".."))


@FAST
@given(
    name=names,
    mtime=st.integers(min_value=-(2**53 - 1), max_value=2**53 - 1),
    size=st.integers(min_value=0, max_value=2**53 - 1),
    trashed=st.booleans(),
)
def test_metadata_encoding_is_canonical(name: str, mtime: int, size: int, trashed: bool) -> None:
    origin = os.urandom(16) if trashed else None
    for meta in (
        tree.FolderMetadata(name, mtime, origin),
        tree.FileMetadata(
            name, mtime, size, "application/octet-stream", os.urandom(16), os.urandom(32), origin
        ),
    ):
        node_type = (
            tree.NodeType.FOLDER if isinstance(meta, tree.FolderMetadata) else tree.NodeType.FILE
        )
        encoded = tree.encode_metadata(meta)
        assert tree.decode_metadata(encoded, node_type) == meta
        assert tree.encode_metadata(tree.decode_metadata(encoded, node_type)) == encoded


@FAST
@given(count=st.integers(min_value=0, max_value=40))
def test_manifest_parse_then_encode_is_identity(alice: identity.IdentityKeys, count: int) -> None:
    entries = [
        manifest.ManifestEntry(os.urandom(16), tree.NodeType(1 + i % 2), os.urandom(32))
        for i in range(count)
    ]
    folder, writer = os.urandom(16), os.urandom(16)
    encoded = manifest.make_manifest(alice, writer, folder, 7, os.urandom(32), entries)
    parsed = manifest.parse_manifest(encoded)
    again = manifest.make_manifest(
        alice, writer, folder, parsed.version, parsed.previous_hash, parsed.entries
    )
    assert again == encoded
    assert list(parsed.entries) == sorted(entries, key=lambda e: e.node_id)


@FAST
@given(raw=st.one_of(st.binary(max_size=64), st.binary(min_size=140, max_size=700)))
def test_base64url_is_strict_and_round_trips(raw: bytes) -> None:
    text = b64url(raw)
    assert from_b64url(text) == raw
    assert "=" not in text


URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
B64URL_TEXT = st.text(alphabet=st.sampled_from(URL_ALPHABET + "+/= .é"), max_size=48)


@settings(max_examples=2000, deadline=None)
@given(text=B64URL_TEXT)
def test_base64url_accepts_only_what_the_encoder_writes(text: str) -> None:
    """from_b64url checks the spec's rules on the text instead of re-encoding what it decoded:
    whatever it accepts is exactly b64url of the bytes it returns; what it refuses, no bytes
    encode to."""
    _accepts_only_encodings(text)


@settings(max_examples=1500, deadline=None)
@given(
    raw=st.binary(min_size=100, max_size=400),
    at=st.integers(min_value=0),
    char=st.sampled_from(URL_ALPHABET + "+/= .é\n"),
)
def test_long_base64url_accepts_only_what_the_encoder_writes(
    raw: bytes, at: int, char: str
) -> None:
    """Texts of 200 characters and more are decoded another way (pybase64, sealbox.base64url):
    an encoding with one character replaced anywhere by any other is held to the same rule."""
    text = b64url(raw)
    at %= len(text)
    _accepts_only_encodings(text[:at] + char + text[at + 1 :])


def _accepts_only_encodings(text: str) -> None:
    try:
        raw = from_b64url(text)
    except ValueError:
        if len(text) % 4 == 1 or not set(text) <= set(URL_ALPHABET):
            return
        # The encoder's alphabet and a possible length: no bytes may encode to it.
        decoded = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        assert b64url(decoded) != text
        return
    assert b64url(raw) == text


@FAST
@given(
    ops=st.integers(min_value=2, max_value=16), kib=st.integers(min_value=65536, max_value=2097152)
)
def test_kdf_params_round_trip(ops: int, kib: int) -> None:
    params = KdfParams(ops, kib * 1024, os.urandom(16))
    params.check()
    assert KdfParams.decode(params.encode()) == params


@FAST
@given(value=st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=5), max_size=4))
def test_canonical_json_is_stable(value: dict[str, object]) -> None:
    from sealbox.crypto.layout import parse_canonical_json

    encoded = canonical_json(value)
    assert parse_canonical_json(encoded) == value


JSON_TEXT = st.one_of(
    st.text(alphabet=st.sampled_from('{}[]":,0123456789-.e aAz\\u/\x00\x1f\x7f\u2028\ud800'),
            max_size=40),
    st.dictionaries(st.text(max_size=4), st.integers() | st.text(max_size=4) | st.booleans()
                    | st.none() | st.floats(), max_size=4).map(lambda v: canonical_json(v).decode())
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(text=JSON_TEXT, cut=st.integers(min_value=0, max_value=40), extra=st.sampled_from(
    ["", " ", "\n", ",", "}", '"', "\\", "\ud800", "\x80", "é", "{}", "0"]))  # fmt: skip
def test_canonical_json_fast_path_agrees_with_the_checked_parser(
    text: str, cut: int, extra: str
) -> None:
    """parse_canonical_json's shortcut through the C scanner and encoder accepts exactly the
    texts the checked parser accepts, with the same value; the rest gets the checked refusal."""
    from sealbox.crypto.layout import _parse_canonical_json_checked, parse_canonical_json

    data = (text[:cut] + extra + text[cut:]).encode("utf-8", "surrogatepass")
    for candidate in (data, text.encode("utf-8", "surrogatepass")):
        fast = _parse_outcome(parse_canonical_json, candidate)
        checked = _parse_outcome(_parse_canonical_json_checked, candidate)
        assert fast == checked
        assert type(fast) is type(checked)


def test_msgspec_escapes_every_code_point_as_canonical_json_does() -> None:
    """The short way of parse_canonical_json takes a text only if msgspec re-encodes its value
    to the same bytes, so it may only take canonical texts if msgspec writes every string as
    the spec's canonical form does. Escaping is per code point, so one string holding every code
    point a str can carry in UTF-8 (all but the surrogates) checks all of them."""
    import json

    import msgspec

    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    assert msgspec.json.encode(every) == json.dumps(every, ensure_ascii=False).encode()
    for number in (0, 1, -1, 2**53 - 1, -(2**53 - 1), 2**63, -(2**64), 10**30):
        assert msgspec.json.encode(number) == json.dumps(number).encode()


def test_a_flat_object_takes_the_short_way(monkeypatch: pytest.MonkeyPatch) -> None:
    """Strings and integers only (a file's metadata) never reach the json module; anything else
    still does, and a non-canonical flat text is still refused."""
    from sealbox.crypto import layout

    def no_json_module(*_args: object) -> object:
        raise AssertionError("went the json module's way")

    monkeypatch.setattr(layout, "_SCAN", no_json_module)
    flat = canonical_json({"name": "é\n\u2028/", "mtime": -5, "size": 2**53 - 1})
    assert layout.parse_canonical_json(flat) == {
        "mtime": -5,
        "name": "é\n\u2028/",
        "size": 2**53 - 1,
    }
    with pytest.raises(AssertionError):
        layout.parse_canonical_json(canonical_json({"earlier_keys": [{"k": 1}], "name": "a"}))
    monkeypatch.undo()
    for text in (b'{"b":1,"a":2}', b'{"a":"\\u0041"}', b'{"a":-0}', b'{"a":1,"a":1}', b' {"a":1}'):
        with pytest.raises(IntegrityError):
            layout.parse_canonical_json(text)


METADATA_KEYS = (
    "author",
    "author_name",
    "content_id",
    "earlier_keys",
    "header_hash",
    "mime",
    "mtime",
    "name",
    "plaintext_hash",
    "size",
    "thumbnail",
    "trashed_from",
    "x",
)
METADATA_VALUES = st.one_of(
    st.binary(min_size=16, max_size=16).map(b64url),
    st.binary(min_size=32, max_size=32).map(b64url),
    st.binary(max_size=20).map(b64url),
    st.text(max_size=6),
    st.sampled_from(["a.txt", "text/plain"]),
    st.integers(min_value=-(2**64), max_value=2**64), st.booleans(), st.none(),
    st.lists(st.integers(), max_size=2),
)  # fmt: skip
FILE_SHAPE = {"content_id": b64url(bytes(16)), "header_hash": b64url(bytes(32)), "mime": "a/b",
              "mtime": 1, "name": "a", "size": 0}  # fmt: skip


@settings(max_examples=600, deadline=None)
@given(
    changes=st.dictionaries(st.sampled_from(METADATA_KEYS), METADATA_VALUES, max_size=4),
    dropped=st.lists(st.sampled_from(sorted(FILE_SHAPE)), max_size=2),
    extra=st.sampled_from([b"", b" ", b"}"]),
)
def test_metadata_read_in_one_call_agrees_with_the_field_by_field_reader(
    changes: dict[str, object], dropped: list[str], extra: bytes
) -> None:
    """decode_metadata's one-call reading (metadata_fields.py) accepts exactly the metadata the
    field-by-field reader accepts, with the same value, and the rest gets the same refusal."""
    fields: dict[str, object] = {**FILE_SHAPE, **changes}
    for key in dropped:
        fields.pop(key, None)
    for shape in (fields, {k: v for k, v in fields.items() if k in ("mtime", "name", *changes)}):
        data = canonical_json(shape) + extra
        for node_type in tree.NodeType:
            fast = _metadata_outcome(tree.decode_metadata, data, node_type)
            checked = _metadata_outcome(tree._decode_metadata_checked, data, node_type)
            assert fast == checked


def test_the_one_call_reader_spells_the_fields_in_canonical_order() -> None:
    """metadata_fields takes a text only if its struct encodes to it, and a struct encodes its
    fields in the order they are defined: sorted, or it would take a text whose keys are not."""
    from sealbox.crypto.metadata_fields import FileFields, FolderFields

    for fields in (FileFields, FolderFields):
        assert list(fields.__struct_fields__) == sorted(fields.__struct_fields__)
    unsorted = b'{"name":"a","mtime":1}'
    assert tree.decode_metadata(b'{"mtime":1,"name":"a"}', tree.NodeType.FOLDER).name == "a"
    with pytest.raises(IntegrityError):
        tree.decode_metadata(unsorted, tree.NodeType.FOLDER)


def _metadata_outcome(decode: object, data: bytes, node_type: tree.NodeType) -> object:
    try:
        return decode(data, node_type)  # type: ignore[operator]
    except IntegrityError as exc:
        return exc.code


def _parse_outcome(parse: object, data: bytes) -> object:
    try:
        return parse(data)  # type: ignore[operator]
    except IntegrityError as exc:
        return exc.code


@FAST
@given(data=st.data())
def test_fast_record_parser_agrees_with_the_field_reader(data: st.DataObject) -> None:
    """The one-struct fast path of parse_node_record accepts exactly what the field-by-field
    reader accepts, with the same fields, and refuses the rest with the reader's error."""
    alice = identity.IdentityKeys.generate()
    record = tree.make_node_record(
        alice, os.urandom(16), os.urandom(16), os.urandom(16), tree.NodeType.FILE,
        data.draw(st.integers(min_value=0, max_value=2**64 - 1)),
        data.draw(st.binary(max_size=80)), data.draw(st.binary(max_size=80)),
    )  # fmt: skip
    mutated = bytearray(record)
    for _ in range(data.draw(st.integers(min_value=0, max_value=3))):
        if not mutated:
            break
        at = data.draw(st.integers(min_value=0, max_value=len(mutated) - 1))
        action = data.draw(st.sampled_from(["flip", "cut", "grow", "length"]))
        if action == "flip":
            mutated[at] ^= data.draw(st.integers(min_value=1, max_value=255))
        elif action == "cut":
            del mutated[at:]
        elif action == "grow":
            mutated[at:at] = data.draw(st.binary(min_size=1, max_size=8))
        else:  # a length field or the node type: where the fast path does its own arithmetic
            target = data.draw(st.sampled_from([38, 63, 67 + record[63]]))
            if target < len(mutated):
                mutated[target] = data.draw(st.integers(min_value=0, max_value=255))
    blob = bytes(mutated)
    assert _parse_outcome(tree.parse_node_record, blob) == _parse_outcome(
        tree._read_node_record, blob
    )
    assert tree.parse_node_record(record) == tree._read_node_record(record)


@FAST
@given(name=st.text(min_size=1, max_size=30).filter(lambda n: "/" not in n and "\x00" not in n))
def test_metadata_opener_matches_opening_one_by_one(name: str) -> None:
    folder_key, parent = FolderKey.generate(), os.urandom(16)
    if name in (".", ".."):
        return
    opener = tree.MetadataOpener(folder_key)
    for version, node_type in ((1, tree.NodeType.FOLDER), (7, tree.NodeType.FILE)):
        node = os.urandom(16)
        meta: tree.Metadata = (
            tree.FolderMetadata(name, 5)
            if node_type == tree.NodeType.FOLDER
            else tree.FileMetadata(name, 5, 10, "text/plain", os.urandom(16), os.urandom(32))
        )
        sealed = tree.seal_metadata(folder_key, meta, node, parent, version)
        record = tree.parse_node_record(
            tree.make_node_record(
                identity.IdentityKeys.generate(), os.urandom(16), node, parent, node_type,
                version, b"", sealed,
            )
        )  # fmt: skip
        assert opener.open(record) == record.open_metadata(folder_key) == meta
        try:
            tree.MetadataOpener(FolderKey.generate()).open(record)
        except IntegrityError:
            pass
        else:
            raise AssertionError("another folder's key opened the metadata")
