# SPDX-License-Identifier: AGPL-3.0-or-later
"""Checkpoints of the log in the C2SP formats: a tlog-checkpoint body, signed as a signed note
(c2sp.org/tlog-checkpoint, c2sp.org/signed-note), so tools made for transparency logs can read
them and anyone can check a Sealbox log with them.

    <origin>\\n<size>\\n<base64 root>\\n[extension lines]\\n
    \\n
    — <key name> <base64(key hash ‖ Ed25519 signature)>\\n

The key hash is the first 4 bytes of SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ public key). The signature
covers the body, final newline included. Signing and verifying are injected (the client passes
``sealbox.crypto``'s Ed25519, the operator's signer its own), so this module imports nothing of
Sealbox's and holds no key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from sealbox.tlog.merkle import HASH_BYTES, ProofError

ED25519 = 0x01
SIGNATURE_BYTES = 64
EM_DASH = "\u2014"
# Public key text in the signed-note "vkey" form: <name>+<hex key hash>+<base64(0x01 ‖ key)>.
_VKEY = re.compile(r"^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$")
_SIZE = re.compile(r"^(0|[1-9][0-9]{0,19})$")

Sign = Callable[[bytes], bytes]  # message -> 64-byte Ed25519 signature
Verify = Callable[[bytes, bytes, bytes], None]  # (public key, message, signature); raises


class CheckpointError(ProofError):
    """A checkpoint that does not parse, is not signed by the pinned key, or does not verify."""


@dataclass(frozen=True)
class Checkpoint:
    origin: str  # the log's unique name, e.g. "sealbox.example.org/transparency"
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def body(self) -> bytes:
        if not self.origin or "\n" in self.origin or len(self.root) != HASH_BYTES:
            raise ValueError("a checkpoint needs a one-line origin and a 32-byte root")
        encoded_root = base64.b64encode(self.root).decode()
        lines = [self.origin, str(self.size), encoded_root, *self.extensions]
        return ("\n".join(lines) + "\n").encode()


@dataclass(frozen=True)
class NoteKey:
    """A log's public key as a signed note names it."""

    name: str
    public_key: bytes

    @property
    def key_hash(self) -> bytes:
        material = self.name.encode() + b"\n" + bytes([ED25519]) + self.public_key
        return hashlib.sha256(material).digest()[:4]

    def text(self) -> str:
        encoded = base64.b64encode(bytes([ED25519]) + self.public_key).decode()
        return f"{self.name}+{self.key_hash.hex()}+{encoded}"

    @classmethod
    def parse(cls, text: str) -> NoteKey:
        match = _VKEY.match(text.strip())
        if not match:
            raise CheckpointError("a log key reads <name>+<8 hex digits>+<base64 key>")
        try:
            raw = base64.b64decode(match[3], validate=True)
        except binascii.Error:
            raise CheckpointError("the log key's base64 part is damaged") from None
        if len(raw) != 33 or raw[0] != ED25519:
            raise CheckpointError("the log key is not an Ed25519 key")
        key = cls(match[1], raw[1:])
        if key.key_hash.hex() != match[2]:
            raise CheckpointError("the log key's hash does not match its name and key")
        return key


def sign_checkpoint(checkpoint: Checkpoint, key: NoteKey, sign: Sign) -> bytes:
    """The signed note of ``checkpoint``, with one signature line by ``key``."""
    body = checkpoint.body()
    signature = sign(body)
    if len(signature) != SIGNATURE_BYTES:
        raise ValueError("an Ed25519 signature is 64 bytes")
    encoded = base64.b64encode(key.key_hash + signature).decode()
    return body + f"\n{EM_DASH} {key.name} {encoded}\n".encode()


def open_checkpoint(note: bytes, key: NoteKey, verify: Verify, origin: str) -> Checkpoint:
    """Parse a signed checkpoint and check it: signed by the pinned ``key`` (other signers'
    lines are ignored, as the signed-note format allows) and naming the expected ``origin``.
    Raises ``CheckpointError`` with the reason."""
    text = _text(note)
    body, sep, signatures = text.rpartition("\n\n")
    if not sep or not signatures.endswith("\n"):
        raise CheckpointError("the checkpoint is not a signed note")
    body += "\n"
    found = [_signature(line, key) for line in signatures[:-1].split("\n")]
    mine = [signature for signature in found if signature is not None]
    if not mine:
        raise CheckpointError(f"the checkpoint carries no signature by the log key {key.name!r}")
    for signature in mine:
        try:
            verify(key.public_key, body.encode(), signature)
        except Exception as exc:
            raise CheckpointError("the checkpoint's signature does not verify") from exc
    checkpoint = _parse_body(body)
    if checkpoint.origin != origin:
        raise CheckpointError(f"the checkpoint is of log {checkpoint.origin!r}, not {origin!r}")
    return checkpoint


def _text(note: bytes) -> str:
    try:
        text = note.decode("utf-8")
    except UnicodeDecodeError:
        raise CheckpointError("the checkpoint is not UTF-8 text") from None
    if "\r" in text or any(ord(c) < 0x20 and c != "\n" for c in text):
        raise CheckpointError("the checkpoint holds control characters")
    return text


def _signature(line: str, key: NoteKey) -> bytes | None:
    """The signature on a line if it is by ``key``; None for another signer's line."""
    parts = line.split(" ")
    if len(parts) != 3 or parts[0] != EM_DASH:
        raise CheckpointError("a signature line of the checkpoint is malformed")
    try:
        raw = base64.b64decode(parts[2], validate=True)
    except binascii.Error:
        raise CheckpointError("a signature of the checkpoint is not base64") from None
    if parts[1] != key.name or raw[:4] != key.key_hash:
        return None
    if len(raw) != 4 + SIGNATURE_BYTES:
        raise CheckpointError("the log key's signature has the wrong length")
    return raw[4:]


def _parse_body(body: str) -> Checkpoint:
    lines = body[:-1].split("\n")
    if len(lines) < 3 or not lines[0]:
        raise CheckpointError("a checkpoint names its origin, size and root on three lines")
    if not _SIZE.match(lines[1]):
        raise CheckpointError("the checkpoint's size is not a decimal number")
    try:
        root = base64.b64decode(lines[2], validate=True)
    except binascii.Error:
        raise CheckpointError("the checkpoint's root is not base64") from None
    if len(root) != HASH_BYTES:
        raise CheckpointError("the checkpoint's root is not 32 bytes")
    if any(not line for line in lines[3:]):
        raise CheckpointError("the checkpoint has an empty extension line")
    return Checkpoint(lines[0], int(lines[1]), root, tuple(lines[3:]))
