# SPDX-License-Identifier: AGPL-3.0-or-later
"""A small world for the compliance tests: alice's file, linked and copied, imported by bob, who
links his copy on (shares it on); notices and operators against it."""

import os
from dataclasses import dataclass
from typing import Any

from sealbox.protocol.models import b64decode, b64encode
from sealbox.testing.http_api import Account, file_put, new_id, ok
from tests.server.conftest import Server

e = b64encode
KEY = "k" + "SECRETLINKKEY" * 3


@dataclass
class World:
    alice: Account
    bob: Account
    folder: bytes
    file: bytes
    copy: bytes
    content: bytes
    file_link: bytes
    folder_link: bytes
    bob_node: bytes
    bob_link: bytes
    op: dict[str, str]


async def make_link(server: Server, owner: Account, node: bytes) -> bytes:
    link = new_id()
    body = {"link_id": e(link), "node_id": e(node), "secret": e(os.urandom(90))}
    ok(await server.client.post("/v1/links", json=body, headers=owner.headers))
    return link


def url(link: bytes) -> str:
    return f"https://sealbox.test/l/{e(link)}#{KEY}"


async def build(server: Server) -> World:
    alice = await server.api.signup("alice")
    bob = await server.api.signup("bob")
    folder = await server.api.mkdir(alice, alice.root_id)
    file, content = await server.api.put_small_file(alice, folder, b"x" * 64)
    copy = new_id()
    ok(await server.api.tx(alice, manifests=[folder], puts=[file_put(copy, folder, content)]))
    file_link = await make_link(server, alice, file)
    folder_link = await make_link(server, alice, folder)
    bob_node = new_id()
    put = {**file_put(bob_node, bob.root_id, content), "via_link": e(file_link)}
    ok(await server.api.tx(bob, manifests=[bob.root_id], puts=[put]))
    bob_link = await make_link(server, bob, bob_node)
    token = server.services.compliance.operators.issue("olga", "operator", "test-setup")
    op = {"Authorization": f"Operator {token}"}
    return World(alice, bob, folder, file, copy, content, file_link, folder_link, bob_node,
                 bob_link, op)  # fmt: skip


def notice(links: list[bytes], scope: str, **extra: Any) -> dict[str, Any]:
    return {
        "notifier": {"name": "Rights Co", "contact": "legal@rights.example", "role": "agent"},
        "signature": "Jane Doe", "works": ["Our Song (2026)"],
        "locators": [url(link) for link in links], "explanation": "an unlicensed copy",
        "good_faith": True, "accurate_under_penalty": True, "misrepresentation_acknowledged": True,
        "scope": scope, **extra,
    }  # fmt: skip


async def file_notice(server: Server, world: World, links: list[bytes], scope: str) -> bytes:
    """Send a notice and have the operator act on it; returns the case id."""
    receipt = ok(await server.client.post("/v1/notices", json=notice(links, scope)))
    assert receipt["state"] == "received", receipt
    case = receipt["notice_id"]
    acted = ok(await server.client.post(f"/v1/admin/cases/{case}/act", headers=world.op))
    assert acted["state"] == "actioned" and acted["decision"]["puid"]
    return b64decode(case)


async def link_status(server: Server, link: bytes) -> tuple[int, dict[str, Any]]:
    got = await server.client.post(f"/v1/links/{e(link)}/open")
    return got.status_code, got.json()
