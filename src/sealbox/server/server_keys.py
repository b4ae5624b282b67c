# SPDX-License-Identifier: AGPL-3.0-or-later
"""The server's own secret and the keyed hashes derived from it.

The secret never leaves the server. It keys the hashes of auth keys and session tokens (so a stolen
database cannot be used to log in, and offline guessing needs the secret too) and the fake pre-login
answers for unknown usernames. It is read from SEALBOX_SERVER_SECRET (hex; for multi-server
deployments) or from a file under the data directory created on first start with mode 0600.
"""

import hashlib
import hmac
import os
import secrets
from pathlib import Path

SECRET_FILE = "server-secret"  # noqa: S105 - a file name, not a secret.
SECRET_ENV = "SEALBOX_SERVER_SECRET"  # noqa: S105 - an environment variable name.
SECRET_BYTES = 32


def load_or_create_secret(data_dir: Path) -> bytes:
    from_env = os.environ.get(SECRET_ENV)
    if from_env:
        secret = bytes.fromhex(from_env)
        if len(secret) < SECRET_BYTES:
            raise ValueError(f"{SECRET_ENV} must hold at least {SECRET_BYTES} bytes in hex")
        return secret
    path = data_dir / SECRET_FILE
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        secret = bytes.fromhex(path.read_text().strip())
        if len(secret) < SECRET_BYTES:
            raise ValueError(f"{path} is damaged: expected {SECRET_BYTES} bytes in hex") from None
        return secret
    secret = secrets.token_bytes(SECRET_BYTES)
    with os.fdopen(fd, "w") as handle:
        handle.write(secret.hex() + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return secret


class ServerKeys:
    def __init__(self, secret: bytes) -> None:
        self._auth = _derive(secret, b"auth-key-hash")
        self._token = _derive(secret, b"session-token")
        self._fake = _derive(secret, b"fake-prelogin")
        # Public: declared in every pre-login answer, and stable while the secret is (spec/keys.md,
        # "Derived salt"). The secret cannot be rotated anyway: the stored auth-key hashes are
        # keyed with it, so a new secret would lock every account out, derived salts or not.
        self.server_id = _derive(secret, b"server-id")[:16]
        # The seed of the transparency log's Ed25519 key (spec/transparency.md): derived, so
        # every server of one service signs with the same key. It opens nothing.
        self.log_seed = _derive(secret, b"transparency-log-key")

    def auth_hash(self, auth_key: bytes) -> bytes:
        return hashlib.blake2b(auth_key, key=self._auth, digest_size=32).digest()

    def token_hash(self, token: bytes) -> bytes:
        return hashlib.blake2b(token, key=self._token, digest_size=32).digest()

    def fake(self, label: bytes, username: str, size: int) -> bytes:
        mac = hmac.new(self._fake, label + b"\0" + username.encode(), hashlib.sha256).digest()
        return mac[:size]


def _derive(secret: bytes, purpose: bytes) -> bytes:
    return hashlib.blake2b(purpose, key=secret[:64], digest_size=32).digest()
