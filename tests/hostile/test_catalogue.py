# SPDX-License-Identifier: AGPL-3.0-or-later
"""One test per attack of the catalogue (spec/threat-model.md) that the drive, accounts
and transfers can face; the rows about sharing and links join when sharing lands (issue 5).

Each test lets an honest operation happen, turns a hostile rule on, repeats the operation, and
checks that the client raises the specific IntegrityError, writes no plaintext, and sends nothing
afterwards that depends on a secret.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from msgspec.structs import replace as struct_replace

from sealbox.client.sdk import account, files, transfers
from sealbox.client.sdk import shares as sdk_shares
from sealbox.client.sdk.api import Api
from sealbox.client.sdk.drive import Drive
from sealbox.crypto import content
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.identity import IdentityKeys
from sealbox.crypto.layout import b64url, from_b64url
from sealbox.crypto.roster import Roster, RosterMember, make_roster
from sealbox.protocol.listing import BinaryListing, ListedChild, encode_listing, parse_listing
from sealbox.testing.hostile import Exchange

from .conftest import PASSWORD, SERVER, Arena, contacts_of, incoming_rewrite

pytestmark = pytest.mark.anyio
FOLDER = r"/v1/folders/.+"
CONTENT = r"/v1/contents/[^/]+"


def flip(data: bytes, offset: int) -> bytes:
    out = bytearray(data)
    out[offset] ^= 0x01
    return bytes(out)


def account_field(name: str, change: object) -> object:
    """A rule body that rewrites one field of the account view in a login response."""

    def rewrite(exchange: Exchange) -> bytes:
        body = json.loads(exchange.body)
        view = body["account"] if "account" in body else body
        view[name] = change(view[name]) if callable(change) else change  # type: ignore[operator]
        return json.dumps(body).encode()

    return rewrite


def blob_flip(offset: int) -> object:
    return lambda value: b64url(flip(from_b64url(value), offset))


async def login(arena: Arena, name: str) -> account.Session:
    return await account.login(
        Api(arena.http), arena.state(name + "-device2"), SERVER, name, PASSWORD
    )


def requests_after(arena: Arena, index: int) -> list[str]:
    return [f"{r.method} {r.path}" for r in arena.hostile.requests[index:]]


def listing_rewrite(change: object) -> object:
    def rewrite(exchange: Exchange) -> bytes | None:
        if exchange.status != 200:
            return None
        listing = parse_listing(exchange.body)
        return encode_listing(change(listing))  # type: ignore[operator]

    return rewrite


async def put_bytes(drive: Drive, tmp: Path, remote: str, data: bytes) -> None:
    path = tmp / f"upload-{os.urandom(4).hex()}"
    path.write_bytes(data)
    await files.put(drive, [path], remote, files.Reporter())


# Keys and login ----------------------------------------------------------------------------


async def test_A1_tampered_private_key_wrap_is_refused_at_login(arena: Arena) -> None:
    await arena.user("alice")
    arena.hostile.on("POST", "/v1/sessions", account_field("private_keys_wrap", blob_flip(40)))
    mark = len(arena.hostile.requests)
    with pytest.raises(IntegrityError) as excinfo:
        await login(arena, "alice")
    assert excinfo.value.code == ErrorCode.DECRYPT_FAILED
    # Nothing followed the failed unwrap: no private-key operation, no oracle.
    assert requests_after(arena, mark) == ["POST /v1/prelogin", "POST /v1/sessions"]


async def test_A1_truncated_private_key_wrap_is_refused(arena: Arena) -> None:
    await arena.user("alice")
    arena.hostile.on("POST", "/v1/sessions", account_field("private_keys_wrap", lambda v: v[:30]))
    with pytest.raises(IntegrityError):
        await login(arena, "alice")


async def test_A2_another_nodes_wrapped_key_is_refused(arena: Arena, tmp_path: Path) -> None:
    drive = await arena.user("alice")
    await put_bytes(drive, tmp_path, "/a.txt", b"first secret")
    await put_bytes(drive, tmp_path, "/b.txt", b"second secret")
    root = await drive.root()
    a, b = root.child("a.txt"), root.child("b.txt")
    assert a is not None and b is not None
    # Even a key wrap that opens under the right folder key is bound to its node id.
    with pytest.raises(IntegrityError) as excinfo:
        from sealbox.crypto.tree import unwrap_node_key

        unwrap_node_key(
            root.key, b.record.wrapped_key, a.node_id, root.folder_id, a.record.node_type
        )
    assert excinfo.value.code == ErrorCode.DECRYPT_FAILED

    # And the server cannot splice key material between records: a record is shown only with
    # exactly the bytes whose hash the signed manifest lists.
    spliced = a.record.encoded.replace(a.record.wrapped_key, b.record.wrapped_key)

    def splice(listing: BinaryListing) -> BinaryListing:
        children = [
            struct_replace(c, record=spliced) if c.node_id == a.node_id else c
            for c in listing.children
        ]
        return replace(listing, children=children)

    arena.hostile.on("GET", FOLDER, listing_rewrite(splice))
    listed = await drive.root()
    assert [c.name for c in listed.children] == ["b.txt"]
    assert listed.withheld == (a.node_id,) and listed.injected == 1


async def test_A3_injected_file_is_never_shown(arena: Arena, tmp_path: Path) -> None:
    drive = await arena.user("alice")
    await put_bytes(drive, tmp_path, "/real.txt", b"real")
    mallory = await arena.user("mallory")
    await put_bytes(mallory, tmp_path, "/planted.txt", b"incriminating")
    planted = (await mallory.root()).children[0]

    def inject(listing: object) -> object:
        listing.children.append(  # type: ignore[attr-defined]
            ListedChild(
                planted.node_id, "file", planted.metadata.content_id, 100, 0, planted.record.encoded
            )  # type: ignore[union-attr]
        )
        return listing

    arena.hostile.on("GET", FOLDER, listing_rewrite(inject))
    listed = await drive.root()
    assert [c.name for c in listed.children] == ["real.txt"] and listed.injected == 1


async def test_A4_header_committed_to_another_key_is_refused(arena: Arena, tmp_path: Path) -> None:
    drive = await arena.user("alice")
    await put_bytes(drive, tmp_path, "/victim.bin", os.urandom(2 * 1024 * 1024))
    root = await drive.root()
    node = root.children[0]
    key = node.record.open_key(root.key)
    meta = node.metadata
    forged = content.ContentEncryptor(content.FileKey.generate(), meta.content_id)  # type: ignore[union-attr]
    arena.hostile.on("GET", CONTENT, lambda ex: forged.header + ex.body[content.HEADER_BYTES :])
    dest = tmp_path / "out.bin"
    with pytest.raises(IntegrityError) as excinfo:
        await transfers.download(drive.api, drive.session.state, "s", key, meta, dest)  # type: ignore[arg-type]
    # The forged header does not hash to the authenticated header hash, before any commitment check.
    assert excinfo.value.code == ErrorCode.CONTEXT_MISMATCH
    assert not dest.exists()


async def test_A8_substituted_own_public_key_is_refused(arena: Arena) -> None:
    await arena.user("alice")
    evil = await arena.user("evil")
    evil_bundle = b64url(evil.session.bundle.encoded)
    arena.hostile.on("POST", "/v1/sessions", account_field("identity_bundle", evil_bundle))
    with pytest.raises(IntegrityError):
        await login(arena, "alice")


async def test_A8_bundle_swapped_on_a_pinned_device(arena: Arena) -> None:
    drive = await arena.user("alice")
    from sealbox.crypto import identity

    forged = identity.make_bundle(
        identity.IdentityKeys.generate(), drive.session.user_id, "alice", 2, 0
    )
    arena.hostile.on("GET", "/v1/account", account_field("identity_bundle", b64url(forged)))
    with pytest.raises(IntegrityError) as excinfo:
        await account.resume(Api(arena.http), arena.state("alice"))
    assert excinfo.value.code == ErrorCode.KEY_CHANGED


@pytest.mark.parametrize("ops, mem", [(1, 64 * 1024 * 1024), (2, 8 * 1024), (1, 8192)])
async def test_A9_downgraded_kdf_is_refused_before_deriving(
    arena: Arena, ops: int, mem: int
) -> None:
    await arena.user("alice")

    def downgrade(exchange: Exchange) -> bytes:
        body = json.loads(exchange.body)
        body["kdf"].update(opslimit=ops, memlimit=mem)
        return json.dumps(body).encode()

    arena.hostile.on("POST", "/v1/prelogin", downgrade)
    mark = len(arena.hostile.requests)
    with pytest.raises(IntegrityError) as excinfo:
        await login(arena, "alice")
    assert excinfo.value.code == ErrorCode.KDF_BELOW_FLOOR
    assert requests_after(arena, mark) == ["POST /v1/prelogin"]  # no auth key was sent


async def test_A9_swapped_salt_fails_unwrap(arena: Arena) -> None:
    await arena.user("alice")

    def new_salt(exchange: Exchange) -> bytes:
        body = json.loads(exchange.body)
        body["kdf"]["salt"] = b64url(os.urandom(16))
        return json.dumps(body).encode()

    arena.hostile.on("POST", "/v1/prelogin", new_salt)
    mark = len(arena.hostile.requests)
    # A new device accepts only the salt it derives itself (A31), so no auth key is derived under
    # the server's salt. (Were one accepted, the password wrap would still fail to open.)
    with pytest.raises(IntegrityError) as excinfo:
        await login(arena, "alice")
    assert excinfo.value.code == ErrorCode.CONTEXT_MISMATCH
    assert requests_after(arena, mark) == ["POST /v1/prelogin"]


# Contents ---------------------------------------------------------------------------------


async def _victim(
    arena: Arena, tmp: Path, size: int = 9 * 1024 * 1024 + 100
) -> tuple[Drive, object, object]:
    drive = await arena.user("alice")
    await put_bytes(drive, tmp, "/victim.bin", os.urandom(size))
    root = await drive.root()
    node = root.children[0]
    return drive, node.record.open_key(root.key), node.metadata


async def _download(drive: Drive, key: object, meta: object, dest: Path) -> None:
    await transfers.download(drive.api, drive.session.state, "s", key, meta, dest)  # type: ignore[arg-type]


def _assert_nothing_written(tmp: Path, dest: Path) -> None:
    assert not dest.exists()
    assert not list(tmp.glob(".sealbox-*.part"))


RANGE = re.compile(r"bytes=(\d+)-(\d+)")
FULL = content.DEFAULT_CHUNK_SIZE + content.TAG_BYTES


def _range_of(exchange: Exchange) -> tuple[int, int]:
    header = dict(exchange.request.headers).get(b"range", b"").decode()
    match = RANGE.fullmatch(header)
    assert match
    return int(match.group(1)), int(match.group(2)) + 1


async def test_A11_flipped_byte_in_a_chunk_is_refused(arena: Arena, tmp_path: Path) -> None:
    drive, key, meta = await _victim(arena, tmp_path)
    arena.hostile.on(
        "GET", CONTENT, lambda ex: flip(ex.body, 100) if _range_of(ex)[0] > 0 else None
    )
    dest = tmp_path / "out.bin"
    with pytest.raises(IntegrityError) as excinfo:
        await _download(drive, key, meta, dest)
    assert excinfo.value.code == ErrorCode.DECRYPT_FAILED
    _assert_nothing_written(tmp_path, dest)


async def test_A12_chunks_served_out_of_order_are_refused(arena: Arena, tmp_path: Path) -> None:
    drive, key, meta = await _victim(arena, tmp_path)
    cid = meta.content_id  # type: ignore[attr-defined]
    whole = await drive.api.content_range(cid, 0, content.encrypted_size(meta.size))  # type: ignore[attr-defined]

    def serve_other_chunk(exchange: Exchange) -> bytes | None:
        start, end = _range_of(exchange)
        if start == content.HEADER_BYTES:  # asked for chunk 0: answer with chunk 1
            return whole[start + FULL : end + FULL]
        return None

    arena.hostile.on("GET", CONTENT, serve_other_chunk)
    dest = tmp_path / "out.bin"
    with pytest.raises(IntegrityError) as excinfo:
        await _download(drive, key, meta, dest)
    assert excinfo.value.code == ErrorCode.DECRYPT_FAILED
    _assert_nothing_written(tmp_path, dest)


async def test_A12_drop_last_chunk(arena: Arena, tmp_path: Path) -> None:
    drive, key, meta = await _victim(arena, tmp_path)
    total = content.encrypted_size(meta.size)  # type: ignore[attr-defined]
    arena.hostile.on("GET", CONTENT, lambda ex: b"" if _range_of(ex)[1] == total else None)
    dest = tmp_path / "out.bin"
    with pytest.raises(IntegrityError) as excinfo:
        await _download(drive, key, meta, dest)
    assert excinfo.value.code == ErrorCode.CHUNK_LENGTH
    _assert_nothing_written(tmp_path, dest)


async def test_A12_truncated_chunk(arena: Arena, tmp_path: Path) -> None:
    drive, key, meta = await _victim(arena, tmp_path)
    arena.hostile.on("GET", CONTENT, lambda ex: ex.body[:-1] if _range_of(ex)[0] > 0 else None)
    dest = tmp_path / "out.bin"
    with pytest.raises(IntegrityError) as excinfo:
        await _download(drive, key, meta, dest)
    assert excinfo.value.code == ErrorCode.CHUNK_LENGTH
    _assert_nothing_written(tmp_path, dest)


async def test_A12_chunk_of_another_file_is_refused(arena: Arena, tmp_path: Path) -> None:
    drive, key, meta = await _victim(arena, tmp_path)
    await put_bytes(drive, tmp_path, "/other.bin", os.urandom(9 * 1024 * 1024))
    other = (await drive.root()).child("other.bin")
    assert other is not None
    foreign = await drive.api.content_range(
        other.metadata.content_id, 0, content.encrypted_size(other.size)
    )  # type: ignore[union-attr]
    arena.hostile.on(
        "GET",
        CONTENT,
        lambda ex: (
            foreign[slice(*_range_of(ex))] if _range_of(ex)[0] > content.HEADER_BYTES else None
        ),
    )
    dest = tmp_path / "out.bin"
    with pytest.raises(IntegrityError):
        await _download(drive, key, meta, dest)
    _assert_nothing_written(tmp_path, dest)


# Names, places and sizes -------------------------------------------------------------------


async def test_A13_swapped_names_are_refused(arena: Arena, tmp_path: Path) -> None:
    drive = await arena.user("alice")
    await put_bytes(drive, tmp_path, "/a.txt", b"a")
    await put_bytes(drive, tmp_path, "/b.txt", b"b")
    from sealbox.crypto.tree import open_metadata

    root = await drive.root()
    a, b = root.child("a.txt"), root.child("b.txt")
    assert a is not None and b is not None
    with pytest.raises(IntegrityError) as excinfo:
        open_metadata(
            root.key,
            b.record.sealed_metadata,
            a.node_id,
            root.folder_id,
            a.record.node_type,
            a.record.node_version,
        )
    assert excinfo.value.code == ErrorCode.DECRYPT_FAILED


async def test_A13_record_moved_to_another_folder_is_refused(arena: Arena, tmp_path: Path) -> None:
    drive = await arena.user("alice")
    await drive.mkdir("/other")
    await put_bytes(drive, tmp_path, "/doc.txt", b"doc")
    root = await drive.root()
    doc = root.child("doc.txt")
    assert doc is not None

    def move_into_other(listing: object) -> object:
        listing.children.append(  # type: ignore[attr-defined]
            ListedChild(doc.node_id, "file", doc.metadata.content_id, 10, 0, doc.record.encoded)  # type: ignore[union-attr]
        )
        return listing

    other_id = b64url(root.child("other").node_id)  # type: ignore[union-attr]
    arena.hostile.on("GET", f"/v1/folders/{other_id}", listing_rewrite(move_into_other))
    other = await drive.folder_at("/other")
    assert other.children == [] and other.injected == 1


async def test_A13_swapped_contents_are_refused(arena: Arena, tmp_path: Path) -> None:
    drive = await arena.user("alice")
    await put_bytes(drive, tmp_path, "/a.bin", os.urandom(2 * 1024 * 1024))
    await put_bytes(drive, tmp_path, "/b.bin", os.urandom(2 * 1024 * 1024))
    root = await drive.root()
    a, b = root.child("a.bin"), root.child("b.bin")
    assert a is not None and b is not None
    b_object = await drive.api.content_range(
        b.metadata.content_id, 0, content.encrypted_size(b.size)
    )  # type: ignore[union-attr]
    a_path = f"/v1/contents/{b64url(a.metadata.content_id)}"  # type: ignore[union-attr]
    arena.hostile.on("GET", re.escape(a_path), lambda ex: b_object[slice(*_range_of(ex))])
    dest = tmp_path / "a-out.bin"
    with pytest.raises(IntegrityError) as excinfo:
        await _download(drive, a.record.open_key(root.key), a.metadata, dest)
    assert excinfo.value.code == ErrorCode.CONTEXT_MISMATCH
    _assert_nothing_written(tmp_path, dest)


async def test_A14_server_reported_size_is_never_shown(arena: Arena, tmp_path: Path) -> None:
    drive = await arena.user("alice")
    await put_bytes(drive, tmp_path, "/a.txt", b"12345")

    def lie_about_size(listing: BinaryListing) -> BinaryListing:
        return replace(listing, children=[struct_replace(c, size=10**12) for c in listing.children])

    arena.hostile.on("GET", FOLDER, listing_rewrite(lie_about_size))
    child = (await drive.root()).children[0]
    assert child.size == 5 and child.stored_size == 10**12


async def test_A14_server_named_content_must_match_metadata(arena: Arena, tmp_path: Path) -> None:
    drive = await arena.user("alice")
    await put_bytes(drive, tmp_path, "/a.txt", b"12345")

    def other_content(listing: BinaryListing) -> BinaryListing:
        children = [struct_replace(c, content_id=os.urandom(16)) for c in listing.children]
        return replace(listing, children=children)

    arena.hostile.on("GET", FOLDER, listing_rewrite(other_content))
    with pytest.raises(IntegrityError) as excinfo:
        await drive.root()
    assert excinfo.value.code == ErrorCode.CONTEXT_MISMATCH


# Structure and freshness ------------------------------------------------------------------


async def test_A15_injected_folder_with_forged_manifest_is_refused(arena: Arena) -> None:
    drive = await arena.user("alice")
    mallory = await arena.user("mallory")
    from sealbox.crypto import manifest

    forged = manifest.make_manifest(
        mallory.session.identity,
        mallory.session.user_id,
        drive.session.root_id,
        9,
        os.urandom(32),
        [],
    )

    def forge(listing: BinaryListing) -> BinaryListing:
        return replace(listing, manifest=forged, manifest_version=9)

    arena.hostile.on("GET", FOLDER, listing_rewrite(forge))
    with pytest.raises(IntegrityError) as excinfo:
        await drive.root()
    assert excinfo.value.code == ErrorCode.BAD_SIGNATURE


async def test_A16_garbage_folder_key_is_an_error_not_a_new_key(arena: Arena) -> None:
    await arena.user("alice")
    arena.hostile.on("GET", "/v1/account", account_field("root_key_wrap", b64url(b"\x00" * 10)))
    mark = len(arena.hostile.requests)
    with pytest.raises(IntegrityError):
        await account.resume(Api(arena.http), arena.state("alice"))
    # The client neither made nor uploaded a replacement key.
    assert all(r.method == "GET" for r in arena.hostile.requests[mark:])


async def test_A17_replayed_old_manifest_is_a_rollback(arena: Arena, tmp_path: Path) -> None:
    drive = await arena.user("alice")
    old = await drive.api.folder(drive.session.root_id)
    await drive.mkdir("/newer")
    await drive.root()  # this device has now seen version 2
    arena.hostile.on("GET", FOLDER, lambda ex: encode_listing(old))
    with pytest.raises(IntegrityError) as excinfo:
        await drive.root()
    assert excinfo.value.code == ErrorCode.ROLLBACK


async def test_A17_fork_at_the_same_version_is_refused(arena: Arena) -> None:
    drive = await arena.user("alice")
    await drive.mkdir("/a")
    await drive.root()
    from sealbox.crypto import manifest

    listed = await drive.api.folder(drive.session.root_id)
    current = manifest.parse_manifest(listed.manifest)
    fork = manifest.make_manifest(
        drive.session.identity, drive.session.user_id, drive.session.root_id,
        current.version, current.previous_hash, [],
    )  # fmt: skip
    forked = replace(listed, manifest=fork, children=[])
    arena.hostile.on("GET", FOLDER, lambda ex: encode_listing(forked))
    with pytest.raises(IntegrityError) as excinfo:
        await drive.root()
    assert excinfo.value.code == ErrorCode.FORK


async def test_A19_prelogin_does_not_reveal_who_exists(arena: Arena) -> None:
    api = Api(arena.http)
    first, second = await api.prelogin("nobody-here"), await api.prelogin("nobody-here")
    assert first == second and first.kdf.opslimit >= 2


async def test_A21_same_file_twice_gives_unrelated_ciphertext(arena: Arena, tmp_path: Path) -> None:
    drive = await arena.user("alice")
    data = os.urandom(64 * 1024)
    await put_bytes(drive, tmp_path, "/one.bin", data)
    await put_bytes(drive, tmp_path, "/two.bin", data)
    root = await drive.root()
    objects = [
        await drive.api.content_range(n.metadata.content_id, 0, content.encrypted_size(n.size))  # type: ignore[union-attr]
        for n in root.children
    ]
    assert objects[0] != objects[1]
    assert objects[0][: content.HEADER_BYTES] != objects[1][: content.HEADER_BYTES]


@pytest.mark.parametrize(
    ("library", "wrapper"),
    [("nacl", "_sodium.py"), ("cryptography", "_aesgcm.py"), ("blake3", "_blake3.py")],
)
def test_A23_each_crypto_library_is_reached_through_one_wrapper(library: str, wrapper: str) -> None:
    """libsodium, pyca/cryptography (AES-256-GCM for content chunks) and BLAKE3 (the plaintext
    hash) each have one wrapper, which raises on every failure (and clears the output of a
    failed open, spec/object-format.md "Reading"): so each is used one way everywhere, and
    import-linter keeps the wrappers out of the client and protocol layers."""
    src = Path(__file__).resolve().parents[2] / "src" / "sealbox"
    offenders = [
        str(p)
        for p in src.rglob("*.py")
        if re.search(rf"^\s*(from|import) {library}\b", p.read_text(), re.MULTILINE)
        and p.name != wrapper
    ]
    assert offenders == []


async def test_A24_withheld_child_is_reported(arena: Arena, tmp_path: Path) -> None:
    drive = await arena.user("alice")
    await put_bytes(drive, tmp_path, "/keep.txt", b"k")
    await put_bytes(drive, tmp_path, "/hide.txt", b"h")

    def withhold(listing: BinaryListing) -> BinaryListing:
        return replace(listing, children=listing.children[:1])

    arena.hostile.on("GET", FOLDER, listing_rewrite(withhold))
    listed = await drive.root()
    assert len(listed.children) == 1 and len(listed.withheld) == 1


# Sharing and links ------------------------------------------------------------------------


async def test_A7_substituted_contact_key_is_refused(arena: Arena) -> None:
    from sealbox.client.sdk import contacts
    from sealbox.crypto import identity

    alice = await arena.user("alice")
    bob = await arena.user("bob")
    first = await contacts.identity(alice.session, "bob")  # pinned on first sight
    assert first.bundle.keys == bob.session.bundle.keys and not first.verified
    forged = identity.make_bundle(
        identity.IdentityKeys.generate(), bob.session.user_id, "bob", 2, 0
    )

    def substitute(exchange: Exchange) -> bytes:
        body = json.loads(exchange.body)
        body["identity_bundle"] = b64url(forged)
        return json.dumps(body).encode()

    arena.hostile.on("GET", r"/v1/users/bob/bundle", substitute)
    with pytest.raises(IntegrityError) as excinfo:
        await contacts.identity(alice.session, "bob")
    assert excinfo.value.code == ErrorCode.KEY_CHANGED
    # The pin still names bob's real key: nothing was sealed to the server's key.
    pinned = alice.session.state.pin_by_username(alice.session.user_id, "bob")
    assert pinned is not None and pinned[0].sign_public == bob.session.bundle.keys.sign_public


async def test_A10_link_key_never_reaches_the_server(arena: Arena, tmp_path: Path) -> None:
    from sealbox.client.sdk import links

    alice = await arena.user("alice")
    await put_bytes(alice, tmp_path, "/shared.bin", b"linked secret" * 1000)
    url, _ = await links.create_link(alice, "/shared.bin")
    address = links.parse_link(url)
    key = links.link_key(address)
    opened = await links.open_link(arena.http, arena.state("visitor"), address, key)
    assert opened.secret.metadata.name == "shared.bin"
    secret = key.secret_bytes()
    needles = [secret, secret.hex().encode(), b64url(secret).encode(), address.fragment.encode()]
    import base64

    needles += [base64.b64encode(secret), base64.b64encode(secret).rstrip(b"=")]
    for request in arena.hostile.requests:
        wire = request.wire_bytes()
        assert not any(n in wire for n in needles), request.path


async def test_A18_wrong_link_password_fails_locally(arena: Arena, tmp_path: Path) -> None:
    from sealbox.client.sdk import links
    from sealbox.crypto.password import FLOOR_MEMLIMIT, FLOOR_OPSLIMIT

    alice = await arena.user("alice")
    await put_bytes(alice, tmp_path, "/locked.bin", b"behind a password")
    settings = links.PasswordSettings("right password", FLOOR_OPSLIMIT, FLOOR_MEMLIMIT)
    url, _ = await links.create_link(alice, "/locked.bin", password=settings)
    mark = len(arena.hostile.requests)
    with pytest.raises(IntegrityError) as excinfo:
        links.link_key(links.parse_link(url), lambda: "wrong password")
    assert excinfo.value.code == ErrorCode.COMMITMENT_MISMATCH
    assert arena.hostile.requests[mark:] == []  # nothing was sent for the failed attempt
    assert links.link_key(links.parse_link(url), lambda: "right password")


# A22: provider-controlled sharing paths. Members take the writer set from the owner's signed
# roster; the server's member list and its copy of the roster cannot add a writer or go back.

SHARES = "/v1/shares"


def server_db(arena: Arena) -> sqlite3.Connection:
    return sqlite3.connect(arena.tmp / "server" / "sealbox.db")


async def test_A22_server_adds_writer_to_share(arena: Arena, tmp_path: Path) -> None:
    alice, bob, carol = [await arena.user(n) for n in ("alice", "bob", "carol")]
    await alice.mkdir("/team")
    await put_bytes(alice, tmp_path, "/team/plan.txt", b"the plan")
    await contacts_of(alice, bob, carol)
    await sdk_shares.share_folder(alice, "/team", "bob", sdk_shares.READ)
    await sdk_shares.share_folder(alice, "/team", "carol", sdk_shares.READ)
    assert [n.name for n in (await (await sdk_shares.open_shared(bob, "team")).root()).children] \
        == ["plan.txt"]  # fmt: skip
    carol_view = await sdk_shares.open_shared(carol, "team")
    # The server makes carol (a read member it colludes with) a writer: in its access rules, so
    # that her transaction goes through, and in the member list every member is sent.
    db = server_db(arena)
    with db:
        db.execute("UPDATE shares SET rights = 2 WHERE recipient_id = ?", (carol.session.user_id,))
    db.close()

    def promote(view: dict[str, object]) -> None:
        for member in view["members"]:  # type: ignore[attr-defined]
            member["rights"] = 2

    arena.hostile.on("GET", SHARES, incoming_rewrite(promote))
    try:
        await put_bytes(carol_view, tmp_path, "/evil.txt", b"planted by carol")
    except IntegrityError:
        pass  # carol's own client may refuse to list what she wrote: she is no writer
    _, team = await alice.walk("/team")
    assert team is not None
    db = server_db(arena)
    planted = db.execute(
        "SELECT COUNT(*) FROM nodes WHERE parent_id = ?", (team.node_id,)
    ).fetchone()[0]
    db.close()
    assert planted == 2  # the planted file is really there, signed by carol
    bob_view = await sdk_shares.open_shared(bob, "team")
    with pytest.raises(IntegrityError) as refused:
        await bob_view.root()
    assert refused.value.code == ErrorCode.BAD_SIGNATURE


async def test_A22_server_swaps_or_replays_the_roster(arena: Arena, tmp_path: Path) -> None:
    alice, bob, carol = [await arena.user(n) for n in ("alice", "bob", "carol")]
    await alice.mkdir("/team")
    await alice.mkdir("/other")
    await contacts_of(alice, bob, carol)
    await sdk_shares.share_folder(alice, "/team", "bob", sdk_shares.READ)
    first = (await bob.api.shares()).incoming[0].roster
    await sdk_shares.share_folder(alice, "/other", "carol", sdk_shares.WRITE)
    other = (await carol.api.shares()).incoming[0].roster
    await sdk_shares.share_folder(alice, "/team", "carol", sdk_shares.WRITE)
    await sdk_shares.open_shared(bob, "team")  # bob has now seen roster version 2
    assert first is not None and other is not None
    _, team = await alice.walk("/team")
    assert team is not None

    def serve(roster: bytes | None) -> object:
        def change(view: dict[str, object]) -> None:
            view["roster"] = None if roster is None else b64url(roster)

        return incoming_rewrite(change)

    mallory = IdentityKeys.generate()
    forged = make_roster(
        mallory,
        Roster(
            team.node_id,
            9,
            1,
            alice.session.user_id,
            (RosterMember(bob.session.user_id, bob.session.identity.public.sign_public, 1),),
        ),
    )
    for served, code in (
        (first, ErrorCode.ROLLBACK),  # replay of the version before carol joined
        (other, ErrorCode.CONTEXT_MISMATCH),  # another folder's roster
        (None, ErrorCode.ROLLBACK),  # withheld after one was seen
        (forged, ErrorCode.BAD_SIGNATURE),  # signed by someone other than the owner
    ):
        arena.hostile.clear()
        arena.hostile.on("GET", SHARES, serve(served))
        with pytest.raises(IntegrityError) as refused:
            await sdk_shares.open_shared(bob, "team")
        assert refused.value.code == code, served
    arena.hostile.clear()

    # After bob is removed, the server keeps serving him the share: the owner's current roster
    # does not list him, so his client refuses it.
    kept = (await bob.api.shares()).model_dump_json().encode()
    await sdk_shares.unshare(alice, "/team", "bob")
    current = (await carol.api.shares()).incoming
    roster_now = next(v.roster for v in current if v.folder_id == team.node_id)
    assert roster_now is not None

    def resurrect(exchange: Exchange) -> bytes:
        body = json.loads(kept)
        body["incoming"][0]["roster"] = b64url(roster_now)
        return json.dumps(body).encode()

    arena.hostile.on("GET", SHARES, resurrect)
    with pytest.raises(IntegrityError) as refused:
        await sdk_shares.open_shared(bob, "team")
    assert refused.value.code == ErrorCode.CONTEXT_MISMATCH
    assert "does not list you" in str(refused.value)
