# SPDX-License-Identifier: AGPL-3.0-or-later
"""Checkpoints as C2SP signed notes, signed and checked with real Ed25519: a checkpoint that was
edited, signed by another key, meant for another log, or malformed is refused with its reason."""

from __future__ import annotations

import base64

import pytest

from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.notes import NoteSigner, verify_note
from sealbox.tlog import Checkpoint, CheckpointError, NoteKey, open_checkpoint, sign_checkpoint
from sealbox.tlog.merkle import leaf_hash, root

ORIGIN = "sealbox.example.org/transparency"
SIGNER = NoteSigner(bytes(range(32)))
KEY = NoteKey("sealbox.example.org", SIGNER.public_key)
CHECKPOINT = Checkpoint(ORIGIN, 5, root([leaf_hash(bytes([i])) for i in range(5)]))


sign = SIGNER.sign
verify = verify_note


def test_a_signed_checkpoint_opens_to_what_was_signed() -> None:
    note = sign_checkpoint(CHECKPOINT, KEY, sign)
    encoded_root = base64.b64encode(CHECKPOINT.root).decode()
    assert note.startswith(f"{ORIGIN}\n5\n{encoded_root}\n\n".encode())
    assert note.decode().splitlines()[-1].startswith("\u2014 sealbox.example.org ")
    assert open_checkpoint(note, KEY, verify, ORIGIN) == CHECKPOINT


def test_the_key_text_round_trips_and_its_hash_is_checked() -> None:
    assert NoteKey.parse(KEY.text()) == KEY
    name, key_hash, encoded = KEY.text().split("+", 2)
    with pytest.raises(CheckpointError, match="hash"):
        NoteKey.parse(f"{name}+{'0' * 8}+{encoded}")
    with pytest.raises(CheckpointError):
        NoteKey.parse(f"{name}+{key_hash}+{base64.b64encode(b'x' * 33).decode()}")
    with pytest.raises(CheckpointError):
        NoteKey.parse("no key here")
    with pytest.raises(CheckpointError, match="damaged"):
        NoteKey.parse(f"{name}+{key_hash}+A")
    not_ed25519 = base64.b64encode(b"\x02" + KEY.public_key).decode()
    with pytest.raises(CheckpointError, match="not an Ed25519 key"):
        NoteKey.parse(f"{name}+{key_hash}+{not_ed25519}")


@pytest.mark.parametrize(
    ("old", "new"),
    [(b"\n5\n", b"\n6\n"), (ORIGIN.encode(), b"sealbox.example.org/other")],
    ids=["size", "origin"],
)
def test_an_edited_checkpoint_is_refused(old: bytes, new: bytes) -> None:
    note = sign_checkpoint(CHECKPOINT, KEY, sign).replace(old, new, 1)
    with pytest.raises(CheckpointError, match="signature does not verify"):
        open_checkpoint(note, KEY, verify, ORIGIN)


def test_a_replaced_root_is_refused() -> None:
    note = sign_checkpoint(CHECKPOINT, KEY, sign)
    other = base64.b64encode(root([leaf_hash(b"rewritten")])).decode().encode()
    edited = note.replace(base64.b64encode(CHECKPOINT.root), other, 1)
    with pytest.raises(CheckpointError, match="signature does not verify"):
        open_checkpoint(edited, KEY, verify, ORIGIN)


def test_a_checkpoint_signed_by_another_key_is_refused() -> None:
    impostor = NoteSigner(bytes(32))
    note = sign_checkpoint(CHECKPOINT, KEY, impostor.sign)
    with pytest.raises(CheckpointError, match="signature does not verify"):
        open_checkpoint(note, KEY, verify, ORIGIN)
    other_key = NoteKey("impostor.example", impostor.public_key)
    note = sign_checkpoint(CHECKPOINT, other_key, impostor.sign)
    with pytest.raises(CheckpointError, match="no signature by the log key"):
        open_checkpoint(note, KEY, verify, ORIGIN)


def test_a_checkpoint_of_another_log_is_refused() -> None:
    note = sign_checkpoint(Checkpoint("elsewhere.example/log", 5, CHECKPOINT.root), KEY, sign)
    with pytest.raises(CheckpointError, match=r"of log 'elsewhere\.example/log'"):
        open_checkpoint(note, KEY, verify, ORIGIN)


def test_a_witness_cosignature_beside_the_log_key_is_allowed() -> None:
    witness = NoteSigner(bytes([7]) * 32)
    witness_key = NoteKey("witness.example", witness.public_key)
    note = sign_checkpoint(CHECKPOINT, KEY, sign)
    cosigned = sign_checkpoint(CHECKPOINT, witness_key, witness.sign)
    note += cosigned.split(b"\n\n", 1)[1]
    assert open_checkpoint(note, KEY, verify, ORIGIN) == CHECKPOINT


@pytest.mark.parametrize(
    "note",
    [
        b"",
        b"\xff\xfe",
        b"origin\n5\nAAAA\n",
        f"{ORIGIN}\n5\n{'A' * 44}\n\n\u2014 sealbox.example.org\n".encode(),
        f"{ORIGIN}\n5\n{'A' * 44}\n\n- sealbox.example.org AAAA\n".encode(),
        f"{ORIGIN}\n5\n{'A' * 44}\n\n\u2014 sealbox.example.org !!!!\n".encode(),
        f"{ORIGIN}\r\n5\n{'A' * 44}\n\n\u2014 sealbox.example.org AAAA\n".encode(),
    ],
    ids=["empty", "not-utf8", "unsigned", "two-fields", "hyphen", "not-base64", "carriage-return"],
)
def test_malformed_notes_are_refused(note: bytes) -> None:
    with pytest.raises(CheckpointError):
        open_checkpoint(note, KEY, verify, ORIGIN)


@pytest.mark.parametrize(
    "body",
    [f"{ORIGIN}\n05\n{{root}}\n", f"{ORIGIN}\n5\n{{root}}=\n", f"{ORIGIN}\n5\nAAAA\n",
     f"{ORIGIN}\n-1\n{{root}}\n", "\n5\n{root}\n", f"{ORIGIN}\n5\n{{root}}\n\n"],
    ids=["leading-zero", "bad-base64", "short-root", "negative", "no-origin", "empty-extension"],
)  # fmt: skip
def test_a_signed_but_malformed_body_is_refused(body: str) -> None:
    text = body.replace("{root}", base64.b64encode(CHECKPOINT.root).decode()).encode()
    signature = base64.b64encode(KEY.key_hash + sign(text)).decode()
    note = text + f"\n\u2014 {KEY.name} {signature}\n".encode()
    with pytest.raises(CheckpointError):
        open_checkpoint(note, KEY, verify, ORIGIN)


def test_a_verifier_that_raises_anything_is_a_refusal() -> None:
    def broken(public_key: bytes, message: bytes, signature: bytes) -> None:
        raise IntegrityError(ErrorCode.BAD_SIGNATURE)

    with pytest.raises(CheckpointError, match="signature does not verify"):
        open_checkpoint(sign_checkpoint(CHECKPOINT, KEY, sign), KEY, broken, ORIGIN)


def test_a_log_key_seed_is_32_bytes() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        NoteSigner(b"short")


def test_nothing_malformed_is_signed() -> None:
    with pytest.raises(ValueError, match="one-line origin"):
        Checkpoint("two\nlines", 1, CHECKPOINT.root).body()
    with pytest.raises(ValueError, match="one-line origin"):
        Checkpoint(ORIGIN, 1, b"short").body()
    with pytest.raises(ValueError, match="64 bytes"):
        sign_checkpoint(CHECKPOINT, KEY, lambda message: b"short")


def test_a_signature_line_by_the_log_key_of_the_wrong_length_is_refused() -> None:
    short = base64.b64encode(KEY.key_hash + b"x" * 10).decode()
    note = CHECKPOINT.body() + f"\n\u2014 {KEY.name} {short}\n".encode()
    with pytest.raises(CheckpointError, match="wrong length"):
        open_checkpoint(note, KEY, verify, ORIGIN)
