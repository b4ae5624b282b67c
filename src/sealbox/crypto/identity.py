# SPDX-License-Identifier: AGPL-3.0-or-later
"""Identity keys, their wrap, the signed bundle and safety numbers (spec/keys.md, spec/sharing.md).

Each account has an Ed25519 signing key and a separate X25519 encryption key. The public halves
travel in a self-signed bundle that names the user; other users pin the signing key on first sight,
so a server that substitutes a bundle is caught unless the new one is endorsed by the pinned key.
"""

from __future__ import annotations

from dataclasses import dataclass

from sealbox.crypto import _sodium
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.keys import MasterKey, RandomSource, derive, system_random
from sealbox.crypto.layout import ID_BYTES, ObjectType, Reader, check_id, prefix, u64
from sealbox.crypto.sealed import parse_sealed, seal

PUBLIC_BYTES = _sodium.PUBLIC_KEY_BYTES
SIGNATURE_BYTES = _sodium.SIGNATURE_BYTES
BUNDLE_LABEL = b"sealbox identity bundle v1"
ROTATION_LABEL = b"sealbox identity rotation v1"
SAFETY_LABEL = b"sealbox safety number v1"
MAX_USERNAME_BYTES = 255


def signed_message(label: bytes, body: bytes) -> bytes:
    """Every signature covers ``label ‖ 0x00 ‖ body`` so no signed object can pass for another."""
    return label + b"\x00" + body


def verify_signature(public_key: bytes, label: bytes, body: bytes, signature: bytes) -> None:
    _sodium.verify(public_key, signed_message(label, body), signature)


@dataclass(frozen=True, slots=True)
class IdentityPublicKeys:
    sign_public: bytes
    box_public: bytes


class IdentityKeys:
    """The secret halves of an identity; ``repr`` never shows them."""

    __slots__ = ("_box_secret", "_sign_secret", "_sign_seed", "public")

    def __init__(self, sign_seed: bytes, box_secret: bytes) -> None:
        if len(sign_seed) != _sodium.KEY_BYTES or len(box_secret) != _sodium.KEY_BYTES:
            raise ValueError("identity secrets are 32 bytes each")
        self._sign_seed = sign_seed
        self._box_secret = box_secret
        # Expanded once: deriving the key pair from the seed costs as much as a signature, and a
        # batch of files signs one record each.
        sign_public, self._sign_secret = _sodium.sign_keypair(sign_seed)
        self.public = IdentityPublicKeys(sign_public, _sodium.box_public_key(box_secret))

    @classmethod
    def generate(cls, rng: RandomSource = system_random) -> IdentityKeys:
        return cls(rng(_sodium.KEY_BYTES), rng(_sodium.KEY_BYTES))

    def sign(self, label: bytes, body: bytes) -> bytes:
        return _sodium.sign(self._sign_secret, signed_message(label, body))

    def open_sealed_box(self, sealed: bytes) -> bytes:
        return _sodium.box_seal_open(sealed, self.public.box_public, self._box_secret)

    def secret_bytes(self) -> bytes:
        return self._sign_seed + self._box_secret

    def __repr__(self) -> str:
        return "<IdentityKeys>"


def wrap_private_keys(
    master_key: MasterKey,
    identity: IdentityKeys,
    user_id: bytes,
    rng: RandomSource = system_random,
) -> bytes:
    context = check_id(user_id) + identity.public.sign_public + identity.public.box_public
    return seal(
        derive(master_key, 1, b"sbprivky"),
        ObjectType.PRIVATE_KEYS,
        identity.secret_bytes(),
        context,
        rng,
    )


def unwrap_private_keys(
    master_key: MasterKey, wrap: bytes, user_id: bytes, expected: IdentityPublicKeys
) -> IdentityKeys:
    """Open the private keys and check they are the secret halves of ``expected``.

    ``expected`` comes from the account's own bundle. The wrap's AD already binds the public keys;
    recomputing them from the secrets also catches a writer that sealed mismatched halves.
    """
    context = check_id(user_id) + expected.sign_public + expected.box_public
    secrets = parse_sealed(wrap, ObjectType.PRIVATE_KEYS).open_fixed(
        derive(master_key, 1, b"sbprivky"), context, 2 * _sodium.KEY_BYTES
    )
    identity = IdentityKeys(secrets[:32], secrets[32:])
    if identity.public != expected:
        raise IntegrityError(ErrorCode.KEY_MISMATCH)
    return identity


@dataclass(frozen=True, slots=True)
class Pin:
    """What a client remembers about another user's identity after first sight or verification."""

    user_id: bytes
    sign_public: bytes
    bundle_version: int


@dataclass(frozen=True, slots=True)
class IdentityBundle:
    user_id: bytes
    username: str
    bundle_version: int
    created: int
    keys: IdentityPublicKeys
    previous_sign_public: bytes | None
    encoded: bytes

    def pin(self) -> Pin:
        return Pin(self.user_id, self.keys.sign_public, self.bundle_version)


def make_bundle(
    identity: IdentityKeys,
    user_id: bytes,
    username: str,
    bundle_version: int,
    created: int,
    previous: IdentityKeys | None = None,
) -> bytes:
    """A bundle signed by ``identity`` and, after a key rotation, endorsed by ``previous``."""
    name = username.encode("utf-8")
    if not 1 <= len(name) <= MAX_USERNAME_BYTES:
        raise ValueError("usernames are 1 to 255 bytes of UTF-8")
    previous_public = previous.public.sign_public if previous else bytes(PUBLIC_BYTES)
    body = (
        prefix(ObjectType.IDENTITY_BUNDLE)
        + check_id(user_id)
        + u64(bundle_version)
        + u64(created)
        + identity.public.sign_public
        + identity.public.box_public
        + previous_public
        + bytes([len(name)])
        + name
    )
    endorsement = previous.sign(ROTATION_LABEL, body) if previous else bytes(SIGNATURE_BYTES)
    return body + identity.sign(BUNDLE_LABEL, body) + endorsement


def verify_bundle(data: bytes, username: str, pinned: Pin | None) -> IdentityBundle:
    """Check a bundle fetched for ``username`` against what the client pinned, if anything.

    With no pin the bundle is accepted on first sight (the caller marks it unverified). With a pin
    it must carry the pinned signing key at the same or a later version, or be endorsed by the
    pinned key; anything else is a key change that the user must verify.
    """
    reader = Reader(data)
    reader.prefix(ObjectType.IDENTITY_BUNDLE)
    user_id = reader.take(ID_BYTES)
    bundle_version = reader.u64()
    created = reader.u64()
    keys = IdentityPublicKeys(reader.take(PUBLIC_BYTES), reader.take(PUBLIC_BYTES))
    previous_public = reader.take(PUBLIC_BYTES)
    name = reader.take(reader.u8())
    body = reader.consumed()
    signature = reader.take(SIGNATURE_BYTES)
    endorsement = reader.take(SIGNATURE_BYTES)
    reader.end()
    if name != username.encode("utf-8"):
        raise IntegrityError(ErrorCode.CONTEXT_MISMATCH, "the bundle names another user")
    verify_signature(keys.sign_public, BUNDLE_LABEL, body, signature)
    rotated = previous_public != bytes(PUBLIC_BYTES)
    if rotated:
        verify_signature(previous_public, ROTATION_LABEL, body, endorsement)
    elif endorsement != bytes(SIGNATURE_BYTES):
        raise IntegrityError(ErrorCode.MALFORMED, "an endorsement without a previous key")
    bundle = IdentityBundle(
        user_id,
        username,
        bundle_version,
        created,
        keys,
        previous_public if rotated else None,
        data,
    )
    if pinned is None:
        return bundle
    if user_id != pinned.user_id:
        raise IntegrityError(ErrorCode.KEY_CHANGED, "the bundle belongs to another account")
    if keys.sign_public == pinned.sign_public:
        if bundle_version < pinned.bundle_version:
            raise IntegrityError(ErrorCode.ROLLBACK, "an older identity bundle")
        return bundle
    # The endorsement by previous_public was verified above.
    if previous_public != pinned.sign_public or bundle_version <= pinned.bundle_version:
        raise IntegrityError(ErrorCode.KEY_CHANGED)
    return bundle


def safety_number(a: IdentityBundle | Pin, b: IdentityBundle | Pin) -> str:
    """Sixty digits two users compare out of band; the same for both, whoever computes it."""
    halves = sorted(_fingerprint_digits(x.user_id, _sign_public(x)) for x in (a, b))
    digits = "".join(halves)
    return " ".join(digits[i : i + 5] for i in range(0, 60, 5))


def _sign_public(x: IdentityBundle | Pin) -> bytes:
    return x.keys.sign_public if isinstance(x, IdentityBundle) else x.sign_public


def _fingerprint_digits(user_id: bytes, sign_public: bytes) -> str:
    digest = _sodium.blake2b(signed_message(SAFETY_LABEL, user_id + sign_public), size=30)
    return "".join(
        f"{int.from_bytes(digest[i : i + 5], 'big') % 100000:05d}" for i in range(0, 30, 5)
    )
