# SPDX-License-Identifier: AGPL-3.0-or-later
"""Blob collection never deletes an object still referenced, and removes every unreferenced one
(issue 7 acceptance): Hypothesis drives random sequences of uploads, copies, new versions,
deletions, trash and empty-trash, abandoned uploads, and imports of alice's files into bob's drive
through public links (which reference alice's content objects from another account), against the
in-process app, and checks the blob store after every collection.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import anyio
import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from sealbox.protocol.models import b64decode, b64encode
from sealbox.server.app import build_services, create_app
from sealbox.server.blobs.filesystem import FilesystemBlobStore
from sealbox.server.blobs.keys import CHUNK_PREFIX, content_of_chunk_key
from sealbox.server.db.engine import read_only, sqlite_url
from sealbox.server.db.inline_chunks import inline_chunks
from sealbox.server.settings import Settings
from sealbox.testing.http_api import Account, RawApi, file_put, new_id, ok
from tests.server.conftest import SECRET, FakeClock
from tests.server.test_transfers import CHUNK, HEADER, open_body

UPLOAD_TTL = 3600
KEEP_VERSIONS = 2  # small, so that old versions fall out and their contents become garbage

pick = st.integers(min_value=0, max_value=1000)
operation = st.one_of(
    st.tuples(st.just("upload"), st.integers(min_value=1, max_value=3)),
    st.tuples(st.just("inline"), st.integers(min_value=1, max_value=300)),
    st.tuples(st.just("copy"), pick),
    st.tuples(st.just("version"), pick),
    st.tuples(st.just("restore"), pick),
    st.tuples(st.just("delete"), pick),
    st.tuples(st.just("trash"), pick),
    st.tuples(st.just("empty_trash"), st.just(0)),
    st.tuples(st.just("abandon"), st.integers(min_value=1, max_value=2)),
    st.tuples(st.just("collect"), st.just(0)),
    st.tuples(st.just("import"), pick),
    st.tuples(st.just("bob_delete"), pick),
)


@dataclass
class Model:
    raw: RawApi
    client: httpx.AsyncClient
    account: Account
    bob: Account
    # bob's imported files: node id -> content id (all in his root folder)
    bob_files: dict[bytes, bytes] = field(default_factory=dict)
    # node id -> (folder it is in, content id)
    files: dict[bytes, tuple[bytes, bytes]] = field(default_factory=dict)
    # What every content object must read back as, for as long as anything references it.
    bytes_of: dict[bytes, bytes] = field(default_factory=dict)

    def choose(self, index: int, folder: bytes | None = None) -> bytes | None:
        nodes = sorted(n for n, (f, _) in self.files.items() if folder is None or f == folder)
        return nodes[index % len(nodes)] if nodes else None

    async def uploaded(self, chunk_count: int) -> bytes:
        content = new_id()
        chunks = [os.urandom(CHUNK + 16) for _ in range(chunk_count - 1)] + [os.urandom(77)]
        headers = self.account.headers
        ok(await self.client.post("/v1/uploads", json=open_body(content, chunks), headers=headers))
        for index, chunk in enumerate(chunks):
            path = f"/v1/uploads/{b64encode(content)}/chunks/{index}"
            ok(await self.client.put(path, content=chunk, headers=headers))
        self.bytes_of[content] = HEADER + b"".join(chunks)
        return content

    async def put_file(self, node: bytes, folder: bytes, content: bytes, *, new: bool) -> None:
        manifests = [folder] if new else []
        put = file_put(node, folder, content, chunk_size=CHUNK)
        ok(await self.raw.tx(self.account, manifests=manifests, puts=[put]))
        self.files[node] = (folder, content)

    async def references(self) -> tuple[set[bytes], set[bytes]]:
        """Every content id alice, and every one bob, can still read: nodes' and versions'."""
        referenced = set()
        for node, (_folder, content) in self.files.items():
            referenced.add(content)
            reply = ok(
                await self.client.get(
                    f"/v1/nodes/{b64encode(node)}/versions", headers=self.account.headers
                )
            )
            referenced.update(b64decode(v["content_id"]) for v in reply["versions"])
        return referenced, set(self.bob_files.values())

    async def apply(self, name: str, arg: int) -> None:
        root, trash = self.account.root_id, self.account.trash_id
        if name == "upload":
            await self.put_file(new_id(), root, await self.uploaded(arg), new=True)
        elif name == "inline":
            data = os.urandom(16 + arg)  # a sealed chunk: at least its 16-byte tag
            node, content = await self.raw.put_small_file(self.account, root, data, header=HEADER)
            self.files[node] = (root, content)
            self.bytes_of[content] = HEADER + data
        elif name == "copy" and (source := self.choose(arg)) is not None:
            await self.put_file(new_id(), root, self.files[source][1], new=True)
        elif name == "version" and (node := self.choose(arg, root)) is not None:
            await self.put_file(node, root, await self.uploaded(1 + arg % 2), new=False)
        elif name == "restore" and (node := self.choose(arg, root)) is not None:
            reply = ok(
                await self.client.get(
                    f"/v1/nodes/{b64encode(node)}/versions", headers=self.account.headers
                )
            )
            if reply["versions"]:
                old = b64decode(reply["versions"][arg % len(reply["versions"])]["content_id"])
                await self.put_file(node, root, old, new=False)
        elif name == "delete" and (node := self.choose(arg)) is not None:
            folder = self.files.pop(node)[0]
            ok(await self.raw.tx(self.account, manifests=[folder], removes=[node]))
        elif name == "trash" and (node := self.choose(arg, root)) is not None:
            content = self.files[node][1]
            put = file_put(node, trash, content, chunk_size=CHUNK)
            ok(await self.raw.tx(self.account, manifests=[root, trash], puts=[put]))
            self.files[node] = (trash, content)
        elif name == "empty_trash":
            binned = [n for n, (f, _) in self.files.items() if f == trash]
            if binned:
                ok(await self.raw.tx(self.account, manifests=[trash], removes=binned))
                for node in binned:
                    del self.files[node]
        elif name == "import" and (node := self.choose(arg, root)) is not None:
            link = new_id()
            body = {"link_id": b64encode(link), "node_id": b64encode(node)}
            body["secret"] = b64encode(os.urandom(90))
            ok(await self.client.post("/v1/links", json=body, headers=self.account.headers))
            mine = new_id()
            put = file_put(mine, self.bob.root_id, self.files[node][1], chunk_size=CHUNK)
            put["via_link"] = b64encode(link)
            ok(await self.raw.tx(self.bob, manifests=[self.bob.root_id], puts=[put]))
            self.bob_files[mine] = self.files[node][1]
        elif name == "bob_delete" and self.bob_files:
            node = sorted(self.bob_files)[arg % len(self.bob_files)]
            ok(await self.raw.tx(self.bob, manifests=[self.bob.root_id], removes=[node]))
            del self.bob_files[node]
        elif name == "abandon":
            content = new_id()
            chunks = [os.urandom(CHUNK + 16) for _ in range(arg)] + [os.urandom(77)]
            headers = self.account.headers
            body = open_body(content, chunks)
            ok(await self.client.post("/v1/uploads", json=body, headers=headers))
            path = f"/v1/uploads/{b64encode(content)}/chunks/0"
            ok(await self.client.put(path, content=chunks[0], headers=headers))


async def check_after_collection(model: Model, blobs: FilesystemBlobStore, engine: Engine) -> None:
    alices, bobs = await model.references()
    with read_only(engine) as conn:  # inline contents' chunks
        stored = set(conn.execute(select(inline_chunks.c.content_id)).scalars())
    async for info in blobs.list(CHUNK_PREFIX):
        content = content_of_chunk_key(info.key)
        assert content is not None, info.key
        stored.add(content)
    # Nothing unreferenced survives (abandoned uploads have expired by now)...
    assert stored <= alices | bobs, "unreferenced blobs remain"
    # ...and everything referenced is still whole, for whoever references it.
    for owner, contents in ((model.account, alices), (model.bob, bobs)):
        for content in contents:
            response = await model.client.get(
                f"/v1/contents/{b64encode(content)}", headers=owner.headers
            )
            assert response.status_code == 200, response.text
            assert response.content == model.bytes_of[content]


async def run_sequence(ops: list[tuple[str, int]], template: Path, work: Path) -> None:
    shutil.copy(template, work / "sealbox.db")
    clock = FakeClock()
    blobs = FilesystemBlobStore(work / "blobs")
    services = build_services(_settings(work), clock=clock, blobs=blobs, migrate=False)
    app = create_app(services, background_jobs=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sealbox.test") as http:
            raw = RawApi(http)
            model = Model(raw, http, await raw.signup("alice"), await raw.signup("bob"))
            for name, arg in [*ops, ("collect", 0)]:
                if name == "collect":
                    clock.advance(UPLOAD_TTL + 1)
                    report = await services.collector.collect()
                    assert not report.skipped
                    await check_after_collection(model, blobs, services.engine)
                else:
                    await model.apply(name, arg)


def _settings(work: Path) -> Settings:
    return Settings(
        data_dir=work,
        db_url=sqlite_url(work / "sealbox.db"),
        secret=SECRET,
        keep_versions=KEEP_VERSIONS,
        upload_ttl_seconds=UPLOAD_TTL,
    )


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(operation, min_size=1, max_size=25))
def test_collection_keeps_every_referenced_blob_and_only_those(
    ops: list[tuple[str, int]], sqlite_template: Path
) -> None:
    with tempfile.TemporaryDirectory() as work:
        anyio.run(run_sequence, ops, sqlite_template, Path(work))
