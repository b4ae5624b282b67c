# SPDX-License-Identifier: AGPL-3.0-or-later
"""Threat catalogue A5 and A6: error oracles.

MEGA's RSA share keys gave a padding oracle (A5), and the sanity checks added against it became
oracles of their own (A6): the attacker learned a secret bit from *which* check failed. Sealbox has
no RSA and no padding; its only private-key decryption is the sealed box (X25519 + an AEAD), used by
share envelopes and drop uploads. These tests send a thousand crafted objects down each of those
paths, and crafted blobs down every branch of the login checks, and show that the outcome a sender
can observe (the error, whether a private-key operation ran, what the client sends afterwards and
how long it takes) does not depend on which check failed. The last test shows the client never
encrypts or signs bytes the server sent it, so there is no encryption oracle to use either.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sealbox.client.sdk import account, drops, files, links, shares
from sealbox.client.sdk.api import Api
from sealbox.client.sdk.drive import Drive
from sealbox.crypto import _sodium
from sealbox.crypto.drops import seal_drop_upload
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.keys import FileKey, FolderKey
from sealbox.crypto.layout import ObjectType, b64url, from_b64url, prefix, u32
from sealbox.crypto.shares import ENVELOPE_LABEL, open_share_envelope
from sealbox.crypto.tree import FileMetadata
from sealbox.testing.hostile import Exchange

from .conftest import PASSWORD, SERVER, Arena, contacts_of

pytestmark = pytest.mark.anyio
SHARES = r"/v1/shares"
# Where the fields of a share envelope lie (spec/sharing.md, "Share envelope").
# The signed head: share, folder, sender and recipient ids, rights (u8) and epoch (u64).
HEAD = slice(6, 79)
SEALED_AT = 83
# A few points of small order on Curve25519 (all-zero, one, and the order-8 point), which make the
# X25519 shared secret degenerate. libsodium refuses them; the sender knows it chose them.
LOW_ORDER = [
    bytes(32),
    (1).to_bytes(32, "little"),
    bytes.fromhex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"),
]


class BoxOpenings:
    """Counts private-key operations: every call of the sealed-box opening."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        original = _sodium.box_seal_open

        def counted(sealed: bytes, public_key: bytes, secret: bytes) -> bytes:
            self.calls += 1
            return original(sealed, public_key, secret)

        monkeypatch.setattr(_sodium, "box_seal_open", counted)


def replace_envelope(envelope: bytes) -> Callable[[Exchange], bytes | None]:
    def rewrite(exchange: Exchange) -> bytes | None:
        body = json.loads(exchange.body)
        body["incoming"][0]["envelope"] = b64url(envelope)
        return json.dumps(body).encode()

    return rewrite


async def shared_folder(arena: Arena) -> tuple[Drive, Drive, bytes]:
    """alice shares /team with bob; returns both drives and the honest envelope."""
    alice, bob = await arena.user("alice"), await arena.user("bob")
    await alice.mkdir("/team")
    await contacts_of(alice, bob)
    await shares.share_folder(alice, "/team", "bob", shares.READ)
    (incoming,) = (await shares.incoming(bob)).shares  # bob pins alice on first sight
    return alice, bob, incoming.view.envelope


def server_forgeries(envelope: bytes, rng: random.Random) -> Iterator[bytes]:
    """What a server can make without the sender's signing key: 700 changed envelopes."""
    for _ in range(400):
        out = bytearray(envelope)
        out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
        yield bytes(out)
    for _ in range(100):
        yield envelope[: rng.randrange(len(envelope))]
    for _ in range(50):
        yield envelope + rng.randbytes(rng.randrange(1, 64))
    sealed_len = len(envelope) - SEALED_AT - 64
    for _ in range(100):
        yield envelope[:SEALED_AT] + rng.randbytes(sealed_len) + envelope[-64:]
    for _ in range(50):
        yield envelope[:6] + rng.randbytes(rng.randrange(0, 400))


def signed_envelope(alice: Drive, head: bytes, sealed: bytes) -> bytes:
    body = prefix(ObjectType.SHARE_ENVELOPE) + head + u32(len(sealed))
    body += sealed
    return body + alice.session.identity.sign(ENVELOPE_LABEL, body)


def sender_forgeries(alice: Drive, honest: bytes, rng: random.Random) -> dict[str, list[bytes]]:
    """What a malicious sender can make: validly signed envelopes around crafted sealed boxes.

    This is the GaP-Bleichenbacher position: the attacker chooses ciphertexts for the victim's
    private key and watches the victim's behaviour. Each category aims at a different stage of the
    sealed-box opening (key agreement, the MAC, the ciphertext)."""
    head, sealed = honest[HEAD], honest[SEALED_AT:-64]

    def flipped(lo: int, hi: int) -> bytes:
        out = bytearray(sealed)
        out[rng.randrange(lo, hi)] ^= 1 << rng.randrange(8)
        return bytes(out)

    other = FolderKey.generate().secret_bytes()
    stranger = _sodium.box_public_key(os.urandom(32))
    inner = head + other + b'{"name":"team"}'
    return {
        "ephemeral key flipped": [flipped(0, 32) for _ in range(175)],
        "MAC flipped": [flipped(32, 48) for _ in range(175)],
        "ciphertext flipped": [flipped(48, len(sealed)) for _ in range(175)],
        "random bytes": [rng.randbytes(rng.randrange(0, 300)) for _ in range(150)],
        "low-order ephemeral key": [p + sealed[32:] for p in LOW_ORDER] * 10,
        "sealed to someone else": [
            _sodium.box_seal(inner, stranger, os.urandom(32)) for _ in range(100)
        ],
    }


async def test_A5_server_forged_share_envelopes_never_reach_the_private_key(
    arena: Arena, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice, bob, honest = await shared_folder(arena)
    openings = BoxOpenings(monkeypatch)
    pin, me, my_id = alice.session.bundle.pin(), bob.session.identity, bob.session.user_id
    codes: set[ErrorCode] = set()
    after: set[tuple[str, ...]] = set()
    forgeries = [f for f in server_forgeries(honest, random.Random(5)) if f != honest]
    assert len(forgeries) >= 690
    for index, forged in enumerate(forgeries):
        # Every forgery goes through the envelope check bob's client runs; every seventh also goes
        # through the whole client, to see what it sends afterwards.
        with pytest.raises(IntegrityError) as excinfo:
            open_share_envelope(me, my_id, forged, pin)
        codes.add(excinfo.value.code)
        if index % 7 == 0:
            arena.hostile.clear()
            arena.hostile.on("GET", SHARES, replace_envelope(forged))
            mark = len(arena.hostile.requests)
            listed = await shares.incoming(bob)
            assert listed.shares == [] and len(listed.refused) == 1
            after.add(tuple(f"{r.method} {r.path}" for r in arena.hostile.requests[mark:]))
    # The signature is checked before anything else touches the envelope's contents, so no forged
    # envelope ever reached bob's private key: there is no decryption whose outcome could leak.
    assert openings.calls == 0
    assert codes <= {
        ErrorCode.BAD_SIGNATURE,
        ErrorCode.MALFORMED,
        ErrorCode.BAD_MAGIC,
        ErrorCode.UNSUPPORTED_VERSION,
        ErrorCode.WRONG_TYPE,
    }
    # What bob's client sends is the same for every forgery: the listing, the sender's bundle for
    # the pin check, and nothing more.
    assert after == {("GET /v1/shares", "GET /v1/contacts", "GET /v1/users/alice/bundle")}


async def test_A5_sender_crafted_sealed_boxes_fail_alike(
    arena: Arena, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice, bob, honest = await shared_folder(arena)
    rng = random.Random(55)
    categories = sender_forgeries(alice, honest, rng)
    openings = BoxOpenings(monkeypatch)
    head = honest[HEAD]
    pin, me, my_id = alice.session.bundle.pin(), bob.session.identity, bob.session.user_id
    outcomes: set[tuple[ErrorCode, str]] = set()
    after: set[tuple[str, ...]] = set()
    total = 0
    for boxes in categories.values():
        for index, sealed in enumerate(boxes):
            envelope = signed_envelope(alice, head, sealed)
            with pytest.raises(IntegrityError) as excinfo:
                open_share_envelope(me, my_id, envelope, pin)
            outcomes.add((excinfo.value.code, str(excinfo.value)))
            total += 1
            if index % 10 == 0:
                arena.hostile.clear()
                arena.hostile.on("GET", SHARES, replace_envelope(envelope))
                mark = len(arena.hostile.requests)
                (refused,) = (await shares.incoming(bob)).refused
                outcomes.add((refused.error.code, str(refused.error)))
                after.add(tuple(f"{r.method} {r.path}" for r in arena.hostile.requests[mark:]))
                total += 1
    assert total >= 880 and openings.calls == total
    # One outcome for every crafted box: the same code and the same words, whatever was changed,
    # and the same requests afterwards.
    assert outcomes == {(ErrorCode.DECRYPT_FAILED, "decrypt failed")}
    assert after == {("GET /v1/shares", "GET /v1/contacts", "GET /v1/users/alice/bundle")}

    # Timing: rejecting a box costs the same whether the change sits in the key, the MAC or the
    # ciphertext (the MAC is checked over everything before anything is decrypted). Categories are
    # interleaved so that load from other processes falls on all of them alike; the bound is loose
    # because this is a soft, statistical check, not a benchmark.
    timed = ["ephemeral key flipped", "MAC flipped", "ciphertext flipped", "sealed to someone else"]
    samples: dict[str, list[float]] = {c: [] for c in timed}
    envelopes = {c: [signed_envelope(alice, head, b) for b in categories[c]] for c in timed}
    for round_ in range(300):
        for category in timed:
            envelope = envelopes[category][round_ % len(envelopes[category])]
            start = time.perf_counter()
            with pytest.raises(IntegrityError):
                open_share_envelope(me, my_id, envelope, pin)
            samples[category].append(time.perf_counter() - start)
    medians = {c: statistics.median(s) for c, s in samples.items()}
    assert max(medians.values()) < 1.5 * min(medians.values()), medians


def drop_forgeries(drop_public: bytes, drop_id: bytes, rng: random.Random) -> list[bytes]:
    """What anyone holding the drop link (or the server) can send: 1,000 damaged drop uploads."""
    head = prefix(ObjectType.DROP_UPLOAD) + drop_id
    meta = FileMetadata("x.txt", 0, 1, "text/plain", os.urandom(16), os.urandom(32))
    honest = seal_drop_upload(drop_public, drop_id, FileKey.generate(), meta)
    sealed = honest[len(head) :]
    out = []
    for _ in range(400):
        changed = bytearray(sealed)
        changed[rng.randrange(len(changed))] ^= 1 << rng.randrange(8)
        out.append(bytes(changed))
    out += [rng.randbytes(rng.randrange(0, 300)) for _ in range(300)]
    out += [p + sealed[32:] for p in LOW_ORDER] * 20
    out += [sealed[: rng.randrange(len(sealed))] for _ in range(120)]
    # Validly sealed to the drop, but with contents that fail after opening: another drop's id,
    # too short, not metadata.
    for inner in (
        os.urandom(16) + bytes(32) + b"{}",
        drop_id + bytes(8),
        drop_id + bytes(32) + b"[]",
    ):
        out += [_sodium.box_seal(inner, drop_public, os.urandom(32)) for _ in range(40)]
    return [head + o for o in out]


async def test_A5_damaged_drop_uploads_look_alike_and_spare_the_others(
    arena: Arena, tmp_path: Path
) -> None:
    alice = await arena.user("alice")
    await alice.mkdir("/inbox")
    url, view = await drops.create_drop(alice, "/inbox")
    address = drops.parse_drop_link(url)
    sent = tmp_path / "report.txt"
    sent.write_text("an honest upload")
    assert await drops.drop_files(arena.http, arena.state("anon"), address, [sent]) == 1
    forged = drop_forgeries(view.public_key, view.drop_id, random.Random(7))
    assert len(forged) >= 1000

    def inject(exchange: Exchange) -> bytes:
        body = json.loads(exchange.body)
        (real,) = body["files"]
        fakes = [dict(real, content_id=b64url(os.urandom(16)), sealed=b64url(f)) for f in forged]
        body["files"] = [*fakes[:500], real, *fakes[500:]]
        return json.dumps(body).encode()

    arena.hostile.on("GET", r"/v1/drops/[^/]+/files", inject)
    mark = len(arena.hostile.requests)
    (owned,) = await drops.list_drops(alice)
    listing_requests = [f"{r.method} {r.path}" for r in arena.hostile.requests[mark:]]
    opened = [p for p in owned.pending if p.dropped is not None]
    damaged = [p for p in owned.pending if p.dropped is None]
    assert [p.opened().metadata.name for p in opened] == ["report.txt"]
    assert len(damaged) == len(forged)
    # Every damaged upload gets the same refusal, and accepting one sends nothing at all.
    messages = set()
    for item in damaged[:: len(damaged) // 20]:
        mark = len(arena.hostile.requests)
        with pytest.raises(IntegrityError) as excinfo:
            await drops.accept(alice, item)
        messages.add((excinfo.value.code, str(excinfo.value)))
        assert arena.hostile.requests[mark:] == []
    assert messages == {
        (ErrorCode.DECRYPT_FAILED, str(IntegrityError(ErrorCode.DECRYPT_FAILED, drops.DAMAGED)))
    }
    # The honest file is still accepted, and listing made no request per item.
    assert await drops.accept(alice, opened[0]) == "/inbox/report.txt"
    assert len(listing_requests) <= 4


# A6 ----------------------------------------------------------------------------------------


def blob_variants(blob: bytes, other: bytes) -> dict[str, bytes]:
    """One crafted blob per validation branch of a sealed or signed object."""
    flip = lambda i: blob[:i] + bytes([blob[i] ^ 1]) + blob[i + 1 :]  # noqa: E731
    return {
        "magic": flip(0),
        "format version": flip(4),
        "object type": flip(5),
        "first field": flip(6),
        "middle": flip(len(blob) // 2),
        "tag": flip(len(blob) - 1),
        "truncated": blob[:-1],
        "truncated to the prefix": blob[:6],
        "extended": blob + b"\x00",
        "empty": b"",
        "another slot's blob": other,
    }


async def test_A6_login_checks_look_alike_from_outside(arena: Arena) -> None:
    await arena.user("alice")
    fields = [
        "master_key_wrap",
        "private_keys_wrap",
        "identity_bundle",
        "root_key_wrap",
        "trash_key_wrap",
    ]
    honest: dict[str, bytes] = {}

    def capture(exchange: Exchange) -> None:
        view = json.loads(exchange.body)["account"]
        honest.update({f: from_b64url(view[f]) for f in fields})

    arena.hostile.on("POST", "/v1/sessions", capture)  # type: ignore[arg-type]
    await account.login(Api(arena.http), arena.state("probe"), SERVER, "alice", PASSWORD)
    arena.hostile.clear()
    outcomes: set[tuple[str, ...]] = set()
    codes: set[ErrorCode] = set()
    tried = 0
    for field in fields:
        other = honest[fields[(fields.index(field) + 1) % len(fields)]]
        for variant in blob_variants(honest[field], other).values():

            def rewrite(exchange: Exchange, field: str = field, variant: bytes = variant) -> bytes:
                body = json.loads(exchange.body)
                body["account"][field] = b64url(variant)
                return json.dumps(body).encode()

            arena.hostile.clear()
            arena.hostile.on("POST", "/v1/sessions", rewrite)
            device = arena.state(f"device-{tried}")
            mark = len(arena.hostile.requests)
            with pytest.raises(IntegrityError) as excinfo:
                await account.login(Api(arena.http), device, SERVER, "alice", PASSWORD)
            codes.add(excinfo.value.code)
            outcomes.add(tuple(f"{r.method} {r.path}" for r in arena.hostile.requests[mark:]))
            assert device.load_session() is None  # nothing usable was kept
            tried += 1
    assert tried == 55
    # The checks fail for different reasons (the codes are for the user's eyes and stay on the
    # device), but what the server sees is the same for every one: the two login requests and then
    # silence. No retry, no follow-up request, no logout that only some branches send.
    assert outcomes == {("POST /v1/prelogin", "POST /v1/sessions")}
    assert len(codes) >= 4


def _blobs_in(value: Any) -> Iterator[bytes]:
    """Every byte string a JSON response carries, decoded the ways the client decodes them."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _blobs_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _blobs_in(item)
    elif isinstance(value, str) and len(value) >= 16:
        yield value.encode()
        try:
            yield from_b64url(value)
        except ValueError:
            pass


async def test_A6_client_never_encrypts_or_signs_what_the_server_sent(
    arena: Arena, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    received: list[bytes] = []

    def remember(exchange: Exchange) -> None:
        received.append(exchange.body)
        try:
            received.extend(_blobs_in(json.loads(exchange.body)))
        except ValueError:
            pass

    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        arena.hostile.on(method, r".*", remember)  # type: ignore[arg-type]
    inputs: list[tuple[str, bytes, int]] = []
    aead, seal, sign = _sodium.aead_encrypt, _sodium.box_seal, _sodium.sign

    def spy_aead(key: bytes, nonce: bytes, plaintext: Any, ad: bytes) -> bytearray:
        inputs.append(("aead", bytes(plaintext), len(received)))
        return aead(key, nonce, plaintext, ad)

    def spy_seal(message: bytes, public_key: bytes, ephemeral: bytes) -> bytes:
        inputs.append(("seal", bytes(message), len(received)))
        return seal(message, public_key, ephemeral)

    def spy_sign(seed: bytes, message: bytes) -> bytes:
        inputs.append(("sign", bytes(message), len(received)))
        return sign(seed, message)

    monkeypatch.setattr(_sodium, "aead_encrypt", spy_aead)
    monkeypatch.setattr(_sodium, "box_seal", spy_seal)
    monkeypatch.setattr(_sodium, "sign", spy_sign)

    # Every flow that writes: sign-up, uploads, folders, moves, copies, trash, a share and its
    # removal, a link and an import, a drop, a password change.
    alice, bob = await arena.user("alice"), await arena.user("bob")
    local = tmp_path / "local"
    (local / "sub").mkdir(parents=True)
    (local / "a.txt").write_bytes(os.urandom(3000))
    (local / "sub" / "b.bin").write_bytes(os.urandom(300_000))
    await files.put(alice, [local], "/", files.Reporter())
    await alice.mkdir("/team")
    await alice.move("/local/a.txt", "/team/a.txt")
    await alice.copy("/team/a.txt", "/team/copy.txt")
    await alice.remove("/local/sub/b.bin")
    await contacts_of(alice, bob)
    await shares.share_folder(alice, "/team", "bob", shares.WRITE)
    bob_view = await shares.open_shared(bob, "team")
    (tmp_path / "from-bob.txt").write_text("bob writes")
    await files.put(bob_view, [tmp_path / "from-bob.txt"], "/", files.Reporter())
    link, _ = await links.create_link(alice, "/team/a.txt")
    address = links.parse_link(link)
    opened = await links.open_link(arena.http, bob.session.state, address, links.link_key(address))
    await links.import_link(bob, opened, "/")
    url, _ = await drops.create_drop(alice, "/team")
    await drops.drop_files(
        arena.http, arena.state("anon"), drops.parse_drop_link(url), [tmp_path / "from-bob.txt"]
    )
    (owned,) = await drops.list_drops(alice)
    await drops.accept(alice, owned.pending[0])
    await shares.unshare(alice, "/team", "bob")
    await account.change_password(alice.session, PASSWORD, "a new password", opslimit=2,
                                  memlimit=64 * 1024 * 1024)  # fmt: skip

    kinds = {kind for kind, _, _ in inputs}
    assert kinds == {"aead", "seal", "sign"} and len(inputs) > 80
    for kind, plaintext, seen in inputs:
        if len(plaintext) < 16:
            continue  # too short to say anything (no such input exists today)
        for body in received[:seen]:
            assert plaintext not in body, (kind, plaintext[:40])
