# SPDX-License-Identifier: AGPL-3.0-or-later
"""A thin client of the raw HTTP API for tests and benchmarks (no crypto: blobs are random bytes).

It speaks the wire format directly so tests exercise exactly what the spec says, independent of the
SDK. Every helper returns the httpx response and asserts nothing; ``ok`` raises on a non-2xx reply.
"""

import os
import secrets
from dataclasses import dataclass, field
from typing import Any

import httpx

from sealbox.protocol import routes
from sealbox.protocol.models import b64decode, b64encode

FAST_KDF = {"alg": "argon2id13", "opslimit": 1, "memlimit": 8192}


def new_id() -> bytes:
    return secrets.token_bytes(16)


def ok(response: httpx.Response) -> Any:
    if response.status_code >= 300:
        raise AssertionError(
            f"{response.request.method} {response.request.url.path}: "
            f"{response.status_code} {response.text[:500]}"
        )
    return response.json() if response.content else None


@dataclass
class Account:
    username: str
    user_id: bytes
    auth_key: bytes
    recovery_auth_key: bytes
    root_id: bytes
    trash_id: bytes
    token: str = ""
    session_id: str = ""
    versions: dict[bytes, int] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def signup_body(username: str) -> tuple[dict[str, Any], Account]:
    account = Account(
        username=username,
        user_id=new_id(),
        auth_key=os.urandom(32),
        recovery_auth_key=os.urandom(32),
        root_id=new_id(),
        trash_id=new_id(),
    )
    body = {
        "username": username,
        "user_id": b64encode(account.user_id),
        "kdf": {**FAST_KDF, "salt": b64encode(os.urandom(16))},
        "auth_key": b64encode(account.auth_key),
        "recovery_auth_key": b64encode(account.recovery_auth_key),
        "master_key_wrap": b64encode(os.urandom(72)),
        "recovery_wrap": b64encode(os.urandom(72)),
        "private_keys_wrap": b64encode(os.urandom(120)),
        "identity_bundle": b64encode(os.urandom(96)),
        "root_key_wrap": b64encode(os.urandom(72)),
        "trash_key_wrap": b64encode(os.urandom(72)),
        "root": {"node_id": b64encode(account.root_id), "manifest": b64encode(b"root-v1")},
        "trash": {"node_id": b64encode(account.trash_id), "manifest": b64encode(b"trash-v1")},
    }
    return body, account


class RawApi:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def signup(self, username: str | None = None) -> Account:
        body, account = signup_body(username or f"user-{secrets.token_hex(6)}")
        ok(await self.client.post(routes.ACCOUNTS, json=body))
        await self.login(account)
        account.versions = {account.root_id: 1, account.trash_id: 1}
        return account

    async def login(self, account: Account) -> dict[str, Any]:
        reply: dict[str, Any] = ok(
            await self.client.post(
                routes.SESSIONS,
                json={"username": account.username, "auth_key": b64encode(account.auth_key)},
            )
        )
        account.token = reply["token"]
        account.session_id = reply["session_id"]
        return reply

    async def tx(
        self,
        account: Account,
        *,
        manifests: list[bytes] | None = None,
        puts: list[dict[str, Any]] | None = None,
        removes: list[bytes] | None = None,
    ) -> httpx.Response:
        """Send a folder transaction, updating the given folders' manifests from known versions."""
        body = {
            "manifests": [
                {
                    "folder_id": b64encode(folder),
                    "expected_version": account.versions.get(folder, 1),
                    "manifest": b64encode(os.urandom(49)),
                }
                for folder in manifests or []
            ],
            "puts": puts or [],
            "removes": [b64encode(n) for n in removes or []],
        }
        response = await self.client.post(routes.TRANSACTIONS, json=body, headers=account.headers)
        if response.status_code == 200:
            for key, version in response.json()["manifest_versions"].items():
                account.versions[b64decode(key)] = version
        return response

    async def mkdir(self, account: Account, parent: bytes) -> bytes:
        folder = new_id()
        ok(await self.tx(account, manifests=[parent], puts=[folder_put(folder, parent)]))
        return folder

    async def put_small_file(
        self, account: Account, parent: bytes, data: bytes, header: bytes = b"H" * 40
    ) -> tuple[bytes, bytes]:
        """Create a file with inline content (data is its single chunk); returns (node, content)."""
        node, content = new_id(), new_id()
        ok(
            await self.tx(
                account,
                manifests=[parent],
                puts=[file_put(node, parent, content_id=None, inline=(content, header, data))],
            )
        )
        return node, content


def folder_put(node: bytes, parent: bytes, manifest: bytes | None = b"m-v1") -> dict[str, Any]:
    put: dict[str, Any] = {
        "node_id": b64encode(node),
        "parent_id": b64encode(parent),
        "node_type": "folder",
        "record": b64encode(os.urandom(80)),
    }
    if manifest is not None:
        put["manifest"] = b64encode(manifest)
    return put


def file_put(
    node: bytes,
    parent: bytes,
    content_id: bytes | None,
    inline: tuple[bytes, bytes, bytes] | None = None,
    chunk_size: int = 4 * 1024 * 1024,
) -> dict[str, Any]:
    put: dict[str, Any] = {
        "node_id": b64encode(node),
        "parent_id": b64encode(parent),
        "node_type": "file",
        "record": b64encode(os.urandom(100)),
    }
    if content_id is not None:
        put["content_id"] = b64encode(content_id)
    if inline is not None:
        content, header, chunk = inline
        put["inline"] = {
            "content_id": b64encode(content),
            "header": b64encode(header),
            "chunk_size": chunk_size,
            "chunk": b64encode(chunk),
        }
    return put
