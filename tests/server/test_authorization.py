# SPDX-License-Identifier: AGPL-3.0-or-later
"""User A can neither read, list, change nor learn of user B's nodes, uploads, contents or sessions.

Every probe must answer exactly like the same request for an id that exists nowhere: 404 with the
same body, so the response says nothing about whether B's object exists.
"""

import json
import os

import pytest

from sealbox.protocol.models import b64decode, b64encode
from sealbox.testing.http_api import Account, file_put, folder_put, new_id, ok
from tests.server.conftest import Server

pytestmark = pytest.mark.anyio


async def setup_victim(server: Server) -> dict[str, bytes]:
    victim = await server.api.signup()
    folder = await server.api.mkdir(victim, victim.root_id)
    node, content = await server.api.put_small_file(victim, folder, os.urandom(64))
    upload = new_id()
    ok(
        await server.client.post(
            "/v1/uploads",
            json={
                "content_id": b64encode(upload),
                "header": "",
                "chunk_size": 1024,
                "chunk_count": 2,
                "total_size": 1040 + 100,
            },
            headers=victim.headers,
        )
    )
    ok(
        await server.client.put(
            f"/v1/uploads/{b64encode(upload)}/chunks/0",
            content=os.urandom(1040),
            headers=victim.headers,
        )
    )
    sessions = ok(await server.client.get("/v1/sessions", headers=victim.headers))["sessions"]
    return {
        "root": victim.root_id,
        "trash": victim.trash_id,
        "folder": folder,
        "file": node,
        "content": content,
        "upload": upload,
        "session": b64decode(sessions[0]["session_id"]),
    }


def probes(attacker: Account, ids: dict[str, bytes]) -> list[tuple[str, str, dict]]:  # type: ignore[type-arg]
    e = b64encode
    probes: list[tuple[str, str, dict]] = []  # type: ignore[type-arg]
    for name in ("root", "trash", "folder", "file"):
        probes += [
            ("GET", f"/v1/folders/{e(ids[name])}", {}),
            ("GET", f"/v1/nodes/{e(ids[name])}", {}),
            ("GET", f"/v1/nodes/{e(ids[name])}/versions", {}),
        ]
    probes += [
        ("GET", f"/v1/contents/{e(ids['content'])}", {}),
        ("HEAD", f"/v1/contents/{e(ids['content'])}", {}),
        ("GET", f"/v1/contents/{e(ids['content'])}/chunks/0", {}),
        ("GET", f"/v1/uploads/{e(ids['upload'])}", {}),
        ("PUT", f"/v1/uploads/{e(ids['upload'])}/chunks/1", {"content": os.urandom(100)}),
        ("DELETE", f"/v1/uploads/{e(ids['upload'])}", {}),
        ("DELETE", f"/v1/sessions/{e(ids['session'])}", {}),
    ]
    root = attacker.root_id
    tx = "/v1/transactions"
    probes += [
        # Change B's folder manifest.
        (
            "POST",
            tx,
            {
                "json": {
                    "manifests": [
                        {"folder_id": e(ids["folder"]), "expected_version": 2, "manifest": e(b"x")}
                    ]
                }
            },
        ),
        # Remove B's file.
        (
            "POST",
            tx,
            {
                "json": {
                    "manifests": [
                        {"folder_id": e(ids["folder"]), "expected_version": 2, "manifest": e(b"x")}
                    ],
                    "removes": [e(ids["file"])],
                }
            },
        ),
        # Create a node inside B's folder.
        (
            "POST",
            tx,
            {
                "json": {
                    "manifests": [
                        {"folder_id": e(ids["folder"]), "expected_version": 2, "manifest": e(b"x")}
                    ],
                    "puts": [folder_put(new_id(), ids["folder"])],
                }
            },
        ),
        # Adopt B's content (a copy without the right to read it).
        (
            "POST",
            tx,
            {
                "json": {
                    "manifests": [
                        {"folder_id": e(root), "expected_version": 1, "manifest": e(b"x")}
                    ],
                    "puts": [file_put(new_id(), root, ids["content"])],
                }
            },
        ),
        # Commit B's upload into A's drive.
        (
            "POST",
            tx,
            {
                "json": {
                    "manifests": [
                        {"folder_id": e(root), "expected_version": 1, "manifest": e(b"x")}
                    ],
                    "puts": [file_put(new_id(), root, ids["upload"])],
                }
            },
        ),
        # Move B's file into A's root.
        (
            "POST",
            tx,
            {
                "json": {
                    "manifests": [
                        {"folder_id": e(root), "expected_version": 1, "manifest": e(b"x")}
                    ],
                    "puts": [file_put(ids["file"], root, ids["content"])],
                }
            },
        ),
    ]
    return probes


def with_fresh_ids(path: str, ids: dict[str, bytes]) -> str:
    for value in ids.values():
        path = path.replace(b64encode(value), b64encode(new_id()))
    return path


async def test_authorization_matrix(server: Server) -> None:
    ids = await setup_victim(server)
    attacker = await server.api.signup()
    for method, path, kwargs in probes(attacker, ids):
        kwargs = dict(kwargs)
        reply = await server.client.request(method, path, headers=attacker.headers, **kwargs)
        # The same request naming ids that exist nowhere.
        if "json" in kwargs:
            text = json.dumps(kwargs["json"])
            for value in ids.values():
                text = text.replace(b64encode(value), b64encode(new_id()))
            control_kwargs = {"json": json.loads(text)}
        else:
            control_kwargs = kwargs
        control = await server.client.request(
            method, with_fresh_ids(path, ids), headers=attacker.headers, **control_kwargs
        )
        assert reply.status_code == 404, (method, path, reply.text)
        assert control.status_code == 404, (method, path, control.text)
        if method != "HEAD":
            assert reply.json() == control.json(), (method, path)
    # B's data is untouched and B's session still works.
    victim_view = await server.client.get(
        f"/v1/nodes/{b64encode(ids['file'])}", headers=attacker.headers
    )
    assert victim_view.status_code == 404


async def test_victim_data_is_intact_after_the_attack(server: Server) -> None:
    victim = await server.api.signup()
    folder = await server.api.mkdir(victim, victim.root_id)
    node, content = await server.api.put_small_file(victim, folder, b"secret" * 10)
    attacker = await server.api.signup()
    ids = {
        "root": victim.root_id,
        "trash": victim.trash_id,
        "folder": folder,
        "file": node,
        "content": content,
        "upload": new_id(),
        "session": new_id(),
    }
    for method, path, kwargs in probes(attacker, ids):
        await server.client.request(method, path, headers=attacker.headers, **kwargs)
    listing = ok(
        await server.client.get(f"/v1/folders/{b64encode(folder)}", headers=victim.headers)
    )
    assert listing["manifest_version"] == 2
    assert [c["node_id"] for c in listing["children"]] == [b64encode(node)]
    body = await server.client.get(f"/v1/contents/{b64encode(content)}", headers=victim.headers)
    assert body.content.endswith(b"secret" * 10)
    assert ok(await server.client.get("/v1/account", headers=victim.headers))


async def test_unauthenticated_requests_get_401(server: Server) -> None:
    for method, path in [
        ("GET", "/v1/account"),
        ("GET", "/v1/sessions"),
        ("POST", "/v1/transactions"),
        ("GET", f"/v1/folders/{b64encode(new_id())}"),
        ("GET", f"/v1/contents/{b64encode(new_id())}"),
        ("GET", "/v1/feed"),
    ]:
        for headers in (
            {},
            {"Authorization": "Bearer nonsense"},
            {"Authorization": "Basic abc"},
            {"Authorization": f"Bearer {b64encode(os.urandom(32))}"},
        ):
            response = await server.client.request(method, path, headers=headers)
            assert response.status_code == 401, (method, path, headers)
            assert response.json()["error"] == "unauthorized"
