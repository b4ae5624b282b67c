# SPDX-License-Identifier: AGPL-3.0-or-later
"""Links through the SDK against a real server app: making, opening without an account (files,
folders, passwords), verification of what the server returns, and importing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sealbox.client.sdk import drops, files, links
from sealbox.client.sdk.drive import Drive
from sealbox.client.sdk.errors import ApiError, SealboxError
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.layout import b64url

from .conftest import FAST, SERVER, World

pytestmark = pytest.mark.anyio


async def populate(drive: Drive, tmp: Path) -> dict[str, bytes]:
    local = tmp / "src"
    (local / "docs" / "deep").mkdir(parents=True)
    data = {
        "docs/a.txt": b"alpha\n",
        "docs/deep/b.bin": os.urandom(3000),
        "docs/big.bin": os.urandom(1024 * 1024 + 5),  # over the inline size: a chunked upload
    }
    for name, content in data.items():
        (local / name).write_bytes(content)
    await files.put(drive, [local / "docs"], "/", files.Reporter())
    return data


async def visit(world: World, url: str, password: str | None = None) -> links.OpenedLink:
    address = links.parse_link(url)
    key = links.link_key(address, (lambda: password) if password is not None else None)
    return await links.open_link(world.http, world.state("visitor"), address, key)


async def test_file_and_folder_links_open_without_an_account(world: World) -> None:
    alice = await world.user("alice")
    data = await populate(alice, world.tmp)
    url, view = await links.create_link(alice, "/docs/big.bin")
    assert url.startswith(f"{SERVER}/l/") and "#k" in url and view.node_type == "file"
    visitor = await visit(world, url)
    key, metadata = visitor.file()
    out = world.tmp / "out"
    out.mkdir()
    await files.get_file(visitor, key, metadata, out / "big.bin", files.Reporter())
    assert (out / "big.bin").read_bytes() == data["docs/big.bin"]

    url, _ = await links.create_link(alice, "/docs")
    visitor = await visit(world, url)
    assert visitor.is_folder and visitor.name == "docs"
    await files.get_tree(visitor, await visitor.root(), out / "docs", files.Reporter())
    for name, content in data.items():
        assert (out / name).read_bytes() == content
    _, node = await visitor.walk("/deep/b.bin")
    assert node is not None and node.size == 3000
    owned = await links.list_links(alice)
    assert sorted(o.path or "" for o in owned) == ["/docs", "/docs/big.bin"]


async def test_password_links(world: World) -> None:
    alice = await world.user("alice")
    await populate(alice, world.tmp)
    secret = links.PasswordSettings("horse battery staple correct", **FAST)
    url, _ = await links.create_link(alice, "/docs/a.txt", password=secret)
    address = links.parse_link(url)
    assert address.needs_password and "#p" in url
    with pytest.raises(IntegrityError) as wrong:
        links.link_key(address, lambda: "not the password")
    assert wrong.value.code == ErrorCode.COMMITMENT_MISMATCH
    with pytest.raises(SealboxError):
        links.link_key(address, None)
    visitor = await visit(world, url, "horse battery staple correct")
    assert visitor.file()[1].name == "a.txt"


async def test_a_swapped_link_secret_or_node_fails_verification(world: World) -> None:
    alice = await world.user("alice")
    await populate(alice, world.tmp)
    url_a, _ = await links.create_link(alice, "/docs/a.txt")
    url_b, _ = await links.create_link(alice, "/docs/deep/b.bin")
    # A link key used with another link's id (as a server answering with another secret would).
    a, b = links.parse_link(url_a), links.parse_link(url_b)
    forged = links.LinkAddress(a.server, b.link_id, a.fragment)
    with pytest.raises(IntegrityError):
        await links.open_link(
            world.http, world.state("v"), forged, links.link_key(forged)
        )  # fmt: skip


async def test_damaged_urls_are_input_errors(world: World) -> None:
    for bad in (
        "https://host/l/short#kAAAA",
        "https://host/x/AAAAAAAAAAAAAAAAAAAAAA#k" + "A" * 43,
        "https://host/l/AAAAAAAAAAAAAAAAAAAAAA",
        "ftp://host/l/AAAAAAAAAAAAAAAAAAAAAA#k" + "A" * 43,
    ):
        with pytest.raises(ValueError):
            links.link_key(links.parse_link(bad))
    address = links.parse_link("https://host/base/l/AAAAAAAAAAAAAAAAAAAAAA#kAAAA")
    assert address.server == "https://host/base" and "kAAAA" not in repr(address)
    with pytest.raises(ValueError):
        links.link_key(address)


def test_link_and_drop_urls_are_parsed_alike() -> None:
    some_id, public = bytes(range(16)), bytes(range(32))
    link = links.link_url("https://host/base/", some_id, "kAAAA")
    assert link == "https://host/base/l/AAECAwQFBgcICQoLDA0ODw#kAAAA"
    assert links.parse_link(link) == links.LinkAddress("https://host/base", some_id, "kAAAA")
    drop = drops.drop_url("https://host/base", some_id, "d" + b64url(public))
    assert drops.parse_drop_link(drop) == drops.DropAddress("https://host/base", some_id, public)
    for parse, what in ((links.parse_link, "link"), (drops.parse_drop_link, "drop link")):
        path = "/l/" if parse is links.parse_link else "/d/"
        with pytest.raises(ValueError, match=f"^a {what} starts with https://"):
            parse(f"ftp://host{path}AAECAwQFBgcICQoLDA0ODw#k")
        with pytest.raises(ValueError, match=f"^this is not a complete Sealbox {what} "):
            parse(f"https://host{path}AAECAwQFBgcICQoLDA0ODw")
        with pytest.raises(ValueError, match=f"^the {what}'s id part is damaged"):
            parse(f"https://host{path}AAECAw#k")
        assert not (links.is_link if what == "link" else drops.is_drop_link)("/l/d/ a path")


async def test_import_then_original_deleted(world: World) -> None:
    alice = await world.user("alice")
    bob = await world.user("bob")
    data = await populate(alice, world.tmp)
    url, _ = await links.create_link(alice, "/docs")
    visitor = await visit(world, url)
    assert await links.import_link(bob, visitor, "/") == "/docs"
    file_url, _ = await links.create_link(alice, "/docs/a.txt")
    file_visitor = await visit(world, file_url)
    assert await links.import_link(bob, file_visitor, "/renamed.txt") == "/renamed.txt"
    used_before = (await bob.api.account()).used_bytes
    assert used_before > len(data["docs/big.bin"])
    await alice.remove("/docs", permanent=True)
    with pytest.raises(ApiError) as gone:
        await visit(world, url)
    assert gone.value.status == 404
    out = world.tmp / "bob-out"
    out.mkdir()
    await files.get(bob, ["/docs", "/renamed.txt"], out, files.Reporter())
    for name, content in data.items():
        assert (out / name).read_bytes() == content
    assert (out / "renamed.txt").read_bytes() == data["docs/a.txt"]
