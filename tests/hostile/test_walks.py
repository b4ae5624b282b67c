# SPDX-License-Identifier: AGPL-3.0-or-later
"""Threat catalogue A25-A27 and A30: what a server (or a colluding writer) does to the walks that
go over many folders, and to the facts those walks must not take from it (issue 12).

A walk is anything that goes down the tree: `get` of a folder, `ls -R`, `tree`, `find`, `du`,
`export --list`, a link's listing and download, `cp` of a folder, an import. Every one checks
`withheld` at every level, refuses to enter a folder already on its own path, and stops at the one
depth limit (spec/metadata.md, "Walking a tree"). Writers take who may sign from the verified path
they walked, never from the server's parent links.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
import tracemalloc
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import replace
from hashlib import blake2b
from pathlib import Path

import httpx
import pytest
import uvicorn

from sealbox.client.sdk import account, files, links
from sealbox.client.sdk import shares as sdk_shares
from sealbox.client.sdk.api import Api
from sealbox.client.sdk.drive import Drive
from sealbox.client.sdk.errors import ApiError, SomeFailed, WithheldError
from sealbox.client.sdk.state import LocalState
from sealbox.client.sdk.tree import Folder
from sealbox.crypto import manifest as mf
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.keys import FolderKey
from sealbox.crypto.layout import b64url, from_b64url
from sealbox.crypto.tree import FolderMetadata, NodeType
from sealbox.protocol import limits
from sealbox.protocol import models as m
from sealbox.protocol.listing import BinaryListing, ListedChild, encode_listing, parse_listing
from sealbox.server.app import build_services, create_app
from sealbox.server.settings import Settings
from sealbox.testing.hostile import Exchange, HostileServer
from sealbox.testing.postgres import free_port
from tests.cli.conftest import Cli

from .conftest import PASSWORD, SERVER, Arena, contacts_of

pytestmark = pytest.mark.anyio
FOLDERS = r"/v1/(links/[^/]+/)?folders/.+"
TRANSACTIONS = "/v1/transactions"


async def put_bytes(drive: Drive, tmp: Path, remote: str, data: bytes) -> None:
    path = tmp / f"upload-{os.urandom(4).hex()}"
    path.write_bytes(data)
    await files.put(drive, [path], remote, files.Reporter())


def folder_id_of(exchange: Exchange) -> bytes:
    return from_b64url(exchange.request.path.rsplit("/", 1)[1])


def withhold_in(folder_id: bytes, name_hash: set[bytes]) -> object:
    """A rule body: the listing of ``folder_id`` loses the records whose node ids are given."""

    def rewrite(exchange: Exchange) -> bytes | None:
        if exchange.status != 200 or folder_id_of(exchange) != folder_id:
            return None
        listing = parse_listing(exchange.body)
        kept = [c for c in listing.children if c.node_id not in name_hash]
        return encode_listing(replace(listing, children=kept))

    return rewrite


def transactions_after(arena: Arena, index: int) -> list[str]:
    return [r.path for r in arena.hostile.requests[index:] if r.path.endswith("/transactions")]


async def docs_with_a_hidden_file(arena: Arena, tmp_path: Path) -> tuple[Drive, Folder]:
    """alice's /docs/sub holds keep.txt and hide.txt; the server then withholds hide.txt."""
    drive = await arena.user("alice")
    await drive.mkdir("/docs/sub", parents=True)
    await put_bytes(drive, tmp_path, "/docs/top.txt", b"top")
    await put_bytes(drive, tmp_path, "/docs/sub/keep.txt", b"kept")
    await put_bytes(drive, tmp_path, "/docs/sub/hide.txt", b"hidden")
    sub = await drive.folder_at("/docs/sub")
    hidden = sub.child("hide.txt")
    assert hidden is not None
    arena.hostile.on("GET", FOLDERS, withhold_in(sub.folder_id, {hidden.node_id}))
    return drive, sub


# A25: a withheld child is invisible to every recursive command -------------------------------


async def test_A25_server_withholds_a_file_from_a_folder_download(
    arena: Arena, tmp_path: Path
) -> None:
    drive, _ = await docs_with_a_hidden_file(arena, tmp_path)
    out = tmp_path / "out"
    with pytest.raises(WithheldError) as excinfo:
        await files.get(drive, ["/docs"], out, files.Reporter())
    assert excinfo.value.folders == [("/docs/sub", 1)]
    assert "/docs/sub" in str(excinfo.value)
    # Everything the server did deliver was downloaded first.
    assert (out / "top.txt").read_bytes() == b"top"
    assert (out / "sub" / "keep.txt").read_bytes() == b"kept"
    assert not (out / "sub" / "hide.txt").exists()


async def test_A25_server_withholds_a_file_from_a_recursive_listing(
    arena: Arena, tmp_path: Path
) -> None:
    drive, _ = await docs_with_a_hidden_file(arena, tmp_path)
    with pytest.raises(WithheldError):
        await drive.iter_tree(await drive.root())
    found: list[tuple[str, int]] = []
    paths = [p for p, _, _ in await drive.iter_tree(await drive.root(), withheld=found)]
    assert "/docs/sub/keep.txt" in paths and found == [("/docs/sub", 1)]


async def test_A25_server_withholds_the_file_asked_for(arena: Arena, tmp_path: Path) -> None:
    drive, _ = await docs_with_a_hidden_file(arena, tmp_path)
    # Not "no such file": the folder's signed manifest lists an item the server did not deliver.
    with pytest.raises(WithheldError):
        await files.get(drive, ["/docs/sub/hide.txt"], tmp_path / "h.txt", files.Reporter())
    assert not (tmp_path / "h.txt").exists()


async def test_A25_server_withholds_a_file_while_cp_copies_its_folder(
    arena: Arena, tmp_path: Path
) -> None:
    drive, _ = await docs_with_a_hidden_file(arena, tmp_path)
    mark = len(arena.hostile.requests)
    with pytest.raises(WithheldError):
        await drive.copy("/docs", "/copy")
    # Refused before anything was signed: no copy without the file, now or later.
    assert transactions_after(arena, mark) == []
    arena.hostile.clear()
    assert (await drive.root()).child("copy") is None


async def test_A25_server_withholds_a_sibling_while_rm_and_mv_sign(
    arena: Arena, tmp_path: Path
) -> None:
    drive, _ = await docs_with_a_hidden_file(arena, tmp_path)
    mark = len(arena.hostile.requests)
    with pytest.raises(WithheldError):
        await drive.remove("/docs/sub/keep.txt")
    with pytest.raises(WithheldError):
        await drive.move("/docs/sub/keep.txt", "/docs/kept.txt")
    with pytest.raises(WithheldError):
        await put_bytes(drive, tmp_path, "/docs/sub/new.txt", b"new")
    assert transactions_after(arena, mark) == []
    arena.hostile.clear()
    sub = await drive.folder_at("/docs/sub")
    assert sorted(c.name for c in sub.children) == ["hide.txt", "keep.txt"]


async def test_A25_server_withholds_a_file_from_a_link_visitor(
    arena: Arena, tmp_path: Path
) -> None:
    drive, sub = await docs_with_a_hidden_file(arena, tmp_path)
    arena.hostile.clear()
    url, _ = await links.create_link(drive, "/docs")
    hidden = sub.child("hide.txt")
    assert hidden is not None
    arena.hostile.on("GET", FOLDERS, withhold_in(sub.folder_id, {hidden.node_id}))
    address = links.parse_link(url)
    visitor = await links.open_link(
        arena.http, arena.state("visitor"), address, links.link_key(address)
    )
    with pytest.raises(WithheldError) as excinfo:
        await files.get_tree(visitor, await visitor.root(), tmp_path / "v", files.Reporter())
    assert excinfo.value.folders == [("/sub", 1)]
    assert (tmp_path / "v" / "sub" / "keep.txt").read_bytes() == b"kept"
    found: list[tuple[str, int]] = []
    listed = await visitor.iter_tree(await visitor.root(), withheld=found)
    assert [p for p, _, _ in listed] == ["/sub", "/sub/keep.txt", "/top.txt"]
    assert found == [("/sub", 1)]


async def test_trash_empty_still_purges_withheld_trash_entries(
    arena: Arena, tmp_path: Path
) -> None:
    """Deliberate: emptying the trash removes what the server withholds from it too, since
    the person asked for every item in it to go."""
    drive = await arena.user("alice")
    await put_bytes(drive, tmp_path, "/a.txt", b"a")
    await put_bytes(drive, tmp_path, "/b.txt", b"b")
    await drive.remove("/a.txt")
    await drive.remove("/b.txt")
    trash = await drive.trash()
    first = trash.children[0]
    arena.hostile.on("GET", FOLDERS, withhold_in(trash.folder_id, {first.node_id}))
    assert await drive.empty_trash() == 2
    arena.hostile.clear()
    assert (await drive.trash()).children == []


# A26: an old, genuine manifest makes a folder its own descendant -----------------------------


async def reorganised(arena: Arena) -> tuple[Drive, bytes, bytes]:
    drive = await arena.user("alice")
    d_id, old = await reorganise(drive, arena.hostile)
    return drive, d_id, old


async def reorganise(drive: Drive, hostile: HostileServer) -> tuple[bytes, bytes]:
    """/c/D/X becomes /c/X/D; returns D's id and D's listing from before, with its genuine old
    manifest that still lists X."""
    await drive.mkdir("/c/D/X", parents=True)
    d = await drive.folder_at("/c/D")
    old: dict[str, bytes] = {}

    def keep(exchange: Exchange) -> None:
        if exchange.status == 200 and folder_id_of(exchange) == d.folder_id:
            old["listing"] = exchange.body

    hostile.on("GET", FOLDERS, keep)  # type: ignore[arg-type]
    await drive.folder_at("/c/D")
    hostile.clear()
    await drive.move("/c/D/X", "/c/X")
    await drive.move("/c/D", "/c/X/D")
    return d.folder_id, old["listing"]


def replay(folder_id: bytes, listing: bytes) -> object:
    def rewrite(exchange: Exchange) -> bytes | None:
        return listing if folder_id_of(exchange) == folder_id else None

    return rewrite


async def test_A26_server_replays_an_old_manifest_that_lists_an_ancestor(
    arena: Arena, tmp_path: Path
) -> None:
    drive, d_id, old = await reorganised(arena)
    url, _ = await links.create_link(drive, "/c")
    # A fresh device keeps no marks, so the old manifest is first sight there, and it is genuine.
    session = await account.login(
        Api(arena.http), arena.state("alice-device2"), SERVER, "alice", PASSWORD
    )
    fresh = Drive(session)
    arena.hostile.on("GET", FOLDERS, replay(d_id, old))
    with pytest.raises(IntegrityError) as excinfo:
        await fresh.iter_tree(await fresh.root())
    assert excinfo.value.code == ErrorCode.CONTEXT_MISMATCH and "cycle" in str(excinfo.value)
    out = tmp_path / "out"
    # A download names the looping folder, leaves it out and gets the rest (issue 13 item 7).
    with pytest.raises(SomeFailed) as failed:
        await files.get(fresh, ["/c"], out, files.Reporter())
    assert failed.value.integrity and "cycle" in str(failed.value)
    assert len([p for p in out.rglob("*") if p.is_dir()]) <= 3  # c, X, D: no nested copies
    with pytest.raises(IntegrityError):
        await fresh.copy("/c", "/copy")
    # A link visitor keeps no marks either.
    address = links.parse_link(url)
    visitor = await links.open_link(
        arena.http, arena.state("visitor"), address, links.link_key(address)
    )
    with pytest.raises(SomeFailed) as failed:
        await files.get_tree(visitor, await visitor.root(), tmp_path / "v", files.Reporter())
    assert failed.value.integrity and "cycle" in str(failed.value)


# A27: deep trees ------------------------------------------------------------------------------


class DeepChain:
    """A chain of folders DEPTH deep below a real folder, made up by a server that colludes with
    a writer (who signs every manifest and record): each folder lists the next one. Listings are
    made on demand, so only the folders a client asks for cost anything."""

    DEPTH = 10_000

    def __init__(self, drive: Drive, top: Folder) -> None:
        self.drive, self.top = drive, top
        self.asked = 0
        self.made: dict[int, bytes] = {}  # the same bytes every time, as a stored tree would be
        self.levels = {self.node_id(i): i for i in range(1, self.DEPTH + 1)}

    def node_id(self, level: int) -> bytes:
        return blake2b(b"deep %d" % level, digest_size=16).digest()

    def key(self, level: int) -> FolderKey:
        return FolderKey(blake2b(b"key %d" % level, digest_size=32).digest())

    def listing(self, level: int, version: int, previous: bytes) -> bytes:
        s = self.drive.session
        folder_id = self.top.folder_id if level == 0 else self.node_id(level)
        key = self.top.key if level == 0 else self.key(level)
        parent = Folder(folder_id, key, self.top.manifest, [])
        children, entries = [], []
        if level < self.DEPTH:
            child_id = self.node_id(level + 1)
            record = self.drive.record_for(
                parent, child_id, self.key(level + 1), FolderMetadata(f"d{level + 1}", 0), 1
            )
            children.append(ListedChild(child_id, "folder", None, 0, 1, record))
            entries.append(mf.ManifestEntry(child_id, NodeType.FOLDER, mf.record_hash(record)))
        manifest = mf.make_manifest(s.identity, s.user_id, folder_id, version, previous, entries)
        return encode_listing(BinaryListing(version, manifest, children))

    def rewrite(self, exchange: Exchange) -> bytes | None:
        asked = folder_id_of(exchange)
        if asked == self.top.folder_id:
            level, version, previous = 0, self.top.manifest.version + 1, self.top.manifest.hash
        else:
            level = self.levels.get(asked, -1)
            if level < 0:
                return None
            version, previous = 1, mf.NO_PREVIOUS
        self.asked += 1
        exchange.status = 200
        if level not in self.made:
            self.made[level] = self.listing(level, version, previous)
        return self.made[level]


async def test_A27_server_serves_a_tree_10000_deep(arena: Arena, tmp_path: Path) -> None:
    drive = await arena.user("alice")
    await drive.mkdir("/deep")
    chain = DeepChain(drive, await drive.folder_at("/deep"))
    arena.hostile.on("GET", FOLDERS, chain.rewrite)
    tracemalloc.start()
    try:
        with pytest.raises(IntegrityError) as excinfo:
            await drive.iter_tree(await drive.root())
        assert "deeper than" in str(excinfo.value)
        with pytest.raises(SomeFailed) as failed:
            await files.get(drive, ["/deep"], tmp_path / "out", files.Reporter())
        assert failed.value.integrity and "deeper than" in str(failed.value)
        with pytest.raises(IntegrityError):
            await drive.walk("/deep" + "".join(f"/d{i}" for i in range(1, 400)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024 * 1024
    # The walks stopped at the limit: a few hundred listings, not ten thousand.
    assert chain.asked < 4 * (limits.MAX_FOLDER_DEPTH + 2)


def nested_folders(parent: bytes, count: int) -> list[m.NodePut]:
    """``count`` new folders, each inside the one before, the first inside ``parent``. The server
    cannot read records or manifests, so these need not be real ones."""
    puts, above = [], parent
    for _ in range(count):
        node_id = os.urandom(16)
        puts.append(
            m.NodePut(
                node_id=node_id, parent_id=above, node_type="folder", record=b"r", manifest=b"m"
            )
        )
        above = node_id
    return puts


async def test_A27_server_refuses_folders_deeper_than_the_limit(arena: Arena) -> None:
    drive = await arena.user("alice")
    api, root = drive.api, drive.session.root_id

    async def create(puts: list[m.NodePut], version: int) -> None:
        update = m.ManifestUpdate(folder_id=root, expected_version=version, manifest=b"m")
        await api.transaction(m.TransactionRequest(manifests=[update], puts=puts))

    deepest = nested_folders(root, limits.MAX_FOLDER_DEPTH)
    await create(deepest, 1)
    with pytest.raises(ApiError) as excinfo:
        await create(nested_folders(root, limits.MAX_FOLDER_DEPTH + 1), 2)
    assert excinfo.value.status == 400 and "deep" in str(excinfo.value)
    # One level more below the deepest folder is refused too ...
    below = nested_folders(deepest[-1].node_id, 1)
    update = m.ManifestUpdate(folder_id=deepest[-1].node_id, expected_version=1, manifest=b"m")
    with pytest.raises(ApiError):
        await api.transaction(m.TransactionRequest(manifests=[update], puts=below))
    # ... and so is moving a two-level subtree under the 255th.
    pair = nested_folders(root, 2)
    await create(pair, 2)
    move = replace_parent(pair[0], deepest[-2].node_id)
    updates = [
        m.ManifestUpdate(folder_id=root, expected_version=3, manifest=b"m"),
        m.ManifestUpdate(folder_id=deepest[-2].node_id, expected_version=1, manifest=b"m"),
    ]
    with pytest.raises(ApiError) as excinfo:
        await api.transaction(m.TransactionRequest(manifests=updates, puts=[move]))
    assert "deep" in str(excinfo.value)


def replace_parent(put: m.NodePut, parent: bytes) -> m.NodePut:
    return m.NodePut(node_id=put.node_id, parent_id=parent, node_type="folder", record=b"moved")


# A30: ancestry from the server decides who may sign ------------------------------------------


async def test_A30_server_claims_a_private_folder_lies_inside_a_share(
    arena: Arena, tmp_path: Path
) -> None:
    alice, bob = await arena.user("alice"), await arena.user("bob")
    await alice.mkdir("/team")
    await alice.mkdir("/private")
    await put_bytes(alice, tmp_path, "/private/a.txt", b"a")
    await put_bytes(alice, tmp_path, "/private/b.txt", b"b")
    await contacts_of(alice, bob)
    await sdk_shares.share_folder(alice, "/team", "bob", sdk_shares.WRITE)
    team, private = await alice.folder_at("/team"), await alice.folder_at("/private")
    # bob, a write member of /team, signs a correctly chained successor of /private's manifest
    # that drops b.txt (a hidden file, or an older record: a per-file rollback).
    kept = [e for e in private.manifest.entries if e.node_id == private.children[0].node_id]
    forged = mf.make_manifest(
        bob.session.identity, bob.session.user_id, private.folder_id,
        private.manifest.version + 1, private.manifest.hash, kept,
    )  # fmt: skip

    def serve_forged(exchange: Exchange) -> bytes | None:
        if folder_id_of(exchange) != private.folder_id:
            return None
        listing = parse_listing(exchange.body)
        children = [c for c in listing.children if c.node_id == kept[0].node_id]
        return encode_listing(BinaryListing(listing.manifest_version + 1, forged, children))

    def claim_parent(exchange: Exchange) -> bytes | None:
        if folder_id_of(exchange) != private.folder_id:
            return None
        body = json.loads(exchange.body)
        body["parent_id"] = b64url(team.folder_id)
        return json.dumps(body).encode()

    arena.hostile.on("GET", FOLDERS, serve_forged)
    arena.hostile.on("GET", r"/v1/nodes/[^/]+", claim_parent)
    session = alice.session
    before = session.state.mark(session.user_id, private.folder_id)
    with pytest.raises(IntegrityError) as excinfo:
        await alice.folder_at("/private")
    assert excinfo.value.code == ErrorCode.BAD_SIGNATURE
    assert session.state.mark(session.user_id, private.folder_id) == before
    # bob's signature is still good inside /team, the folder he was given.
    arena.hostile.clear()
    shared = await sdk_shares.open_shared(bob, "team")
    await put_bytes(shared, tmp_path, "/from-bob.txt", b"bob")
    assert (await alice.folder_at("/team")).child("from-bob.txt") is not None


# Smaller leaks (issue 12, item 12) ------------------------------------------------------------


async def test_write_member_learns_no_version_of_a_folder_outside_the_share(
    arena: Arena,
) -> None:
    alice, bob = await arena.user("alice"), await arena.user("bob")
    await alice.mkdir("/team")
    await alice.mkdir("/private")
    await contacts_of(alice, bob)
    await sdk_shares.share_folder(alice, "/team", "bob", sdk_shares.WRITE)
    private = await alice.folder_at("/private")
    shared = await sdk_shares.open_shared(bob, "team")
    update = m.ManifestUpdate(folder_id=private.folder_id, expected_version=99, manifest=b"m")
    with pytest.raises(ApiError) as excinfo:
        await shared.api.transaction(m.TransactionRequest(manifests=[update]))
    assert excinfo.value.status == 404
    assert str(private.manifest.version) not in str(excinfo.value)


async def test_versions_show_the_signed_node_version(arena: Arena, tmp_path: Path) -> None:
    drive = await arena.user("alice")
    await put_bytes(drive, tmp_path, "/a.txt", b"one")  # node version 1
    await drive.move("/a.txt", "/b.txt")  # 2: a rename keeps no version
    await put_bytes(drive, tmp_path, "/b.txt", b"two")  # 3; version kept: node version 2
    await put_bytes(drive, tmp_path, "/b.txt", b"three")  # 4; kept: 3
    found = await drive.versions("/b.txt")
    assert [number for number, _ in found] == [3, 2]
    assert [node.record.node_version for _, node in found] == [3, 2]

    def renumber(change: object) -> object:
        def rewrite(exchange: Exchange) -> bytes:
            body = json.loads(exchange.body)
            change(body["versions"])  # type: ignore[operator]
            return json.dumps(body).encode()

        return rewrite

    for lie in (
        lambda vs: vs[0].update(version=7),  # a number the record does not carry
        lambda vs: vs.append(dict(vs[0])),  # the same version twice
    ):
        arena.hostile.clear()
        arena.hostile.on("GET", r"/v1/nodes/[^/]+/versions", renumber(lie))
        with pytest.raises(IntegrityError):
            await drive.versions("/b.txt")
    # The server's order is not trusted either: newest signed version first, whatever it sends.
    arena.hostile.clear()
    arena.hostile.on("GET", r"/v1/nodes/[^/]+/versions", renumber(lambda vs: vs.reverse()))
    assert [number for number, _ in await drive.versions("/b.txt")] == [3, 2]


# The real CLI against a hostile server -------------------------------------------------------


class HostileProcess:
    """The real server app behind the hostile wrapper, served over TCP from a thread, so that the
    real `sealbox` command (tests/cli) talks to it like to any server."""

    def __init__(self, tmp: Path) -> None:
        settings = Settings(data_dir=tmp / "server", secret=bytes(range(32)))
        self.hostile = HostileServer(create_app(build_services(settings), background_jobs=False))
        self.port = free_port()
        config = uvicorn.Config(self.hostile, host="127.0.0.1", port=self.port, log_level="error")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> HostileProcess:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert time.monotonic() < deadline, "the hostile server did not start"
            time.sleep(0.05)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(15)

    def sdk(self, work: Callable[[Drive], Awaitable[object]], home: Path) -> object:
        """Run ``work`` with alice's drive on a device of the test's own (the colluding writer,
        or simply the setup), with the password the CLI fixtures use."""

        async def run() -> object:
            async with httpx.AsyncClient(base_url=self.url, timeout=60) as http:
                session = await account.login(
                    Api(http), LocalState(home), self.url, "alice", CLI_PASSWORD
                )
                return await work(Drive(session))

        return asyncio.run(run())


CLI_PASSWORD = "a long and correct password"  # what tests/cli's Cli gives every command


@pytest.fixture
def hostile_cli(tmp_path: Path) -> Iterator[tuple[HostileProcess, Cli]]:
    with HostileProcess(tmp_path) as served:
        cli = Cli(served, tmp_path / "alice-home")  # type: ignore[arg-type]  # needs only .url
        cli("signup", "alice")
        yield served, cli


def refused(result: object, *words: str) -> None:
    assert result.returncode == 3, (result.args, result.stderr)  # type: ignore[attr-defined]
    for word in words:
        assert word in result.stderr, (result.args, result.stderr)  # type: ignore[attr-defined]
    assert "Traceback" not in result.stderr  # type: ignore[attr-defined]


def test_A25_server_withholds_a_file_from_every_cli_walk(
    hostile_cli: tuple[HostileProcess, Cli], tmp_path: Path
) -> None:
    served, cli = hostile_cli
    (tmp_path / "keep.txt").write_bytes(b"kept")
    (tmp_path / "hide.txt").write_bytes(b"hidden")
    cli("mkdir", "-p", "/docs/sub")
    cli("put", str(tmp_path / "keep.txt"), str(tmp_path / "hide.txt"), "/docs/sub")
    url = cli("export", "/docs").stdout.strip()

    async def hide(drive: Drive) -> None:
        sub = await drive.folder_at("/docs/sub")
        hidden = sub.child("hide.txt")
        assert hidden is not None
        served.hostile.on("GET", FOLDERS, withhold_in(sub.folder_id, {hidden.node_id}))

    served.sdk(hide, tmp_path / "setup-home")
    for args in (
        ("ls", "-R", "/"),
        ("tree", "/"),
        ("find", "*.txt"),
        ("du", "/"),
        ("export", "--list"),
        ("get", "/docs", str(tmp_path / "out")),
    ):
        refused(cli(*args, check=False), "withheld", "/docs/sub")
    assert (tmp_path / "out" / "sub" / "keep.txt").read_bytes() == b"kept"
    refused(cli("ls", "-R", url, check=False), "withheld", "/sub")
    refused(cli("get", url, str(tmp_path / "link-out"), check=False), "withheld", "/sub")
    refused(cli("cp", "/docs", "/copy", check=False), "withheld", "nothing was signed")
    served.hostile.clear()
    assert "copy" not in cli("ls", "/").stdout


def test_A27_a_10000_deep_tree_and_A26_a_cycle_end_cli_walks_cleanly(
    hostile_cli: tuple[HostileProcess, Cli], tmp_path: Path
) -> None:
    served, cli = hostile_cli

    async def plant(drive: Drive) -> tuple[DeepChain, bytes, bytes]:
        await drive.mkdir("/deep")
        d_id, old = await reorganise(drive, served.hostile)
        return DeepChain(drive, await drive.folder_at("/deep")), d_id, old

    chain, d_id, old = served.sdk(plant, tmp_path / "setup-home")  # type: ignore[misc]
    served.hostile.on("GET", FOLDERS, chain.rewrite)
    out = tmp_path / "deep-out"
    for args in (
        ("ls", "-R", "/deep"),
        ("tree", "/deep"),
        ("du", "/deep"),
        ("find", "*", "--in", "/deep"),
        ("get", "/deep", str(out)),
    ):
        refused(cli(*args, check=False), f"deeper than {limits.MAX_FOLDER_DEPTH} folders")
    served.hostile.clear()
    # The CLI's device never saw D's newer manifest: the old one is first sight there.
    served.hostile.on("GET", FOLDERS, replay(d_id, old))
    out = tmp_path / "cycle-out"
    for args in (("ls", "-R", "/c"), ("tree", "/c"), ("get", "/c", str(out))):
        refused(cli(*args, check=False), "cycle")
    assert len([p for p in out.rglob("*") if p.is_dir()]) <= 2  # X and D: no nested copies
