# SPDX-License-Identifier: AGPL-3.0-or-later
import itertools
import os
import struct
from collections.abc import Iterator

import pytest

from sealbox.protocol import routes
from sealbox.protocol.listing import parse_listing
from sealbox.protocol.models import b64decode, b64encode
from sealbox.server.db import nodes
from sealbox.testing.http_api import file_put, folder_put, new_id, ok
from tests.server.conftest import Server, stored_chunks

pytestmark = pytest.mark.anyio


async def listing(server: Server, account, folder: bytes) -> dict:  # type: ignore[no-untyped-def]
    return ok(await server.client.get(f"/v1/folders/{b64encode(folder)}", headers=account.headers))


def child_ids(reply: dict) -> set[bytes]:  # type: ignore[type-arg]
    return {b64decode(c["node_id"]) for c in reply["children"]}


async def test_new_account_has_empty_root_and_trash(server: Server) -> None:
    account = await server.api.signup()
    for folder, manifest in ((account.root_id, b"root-v1"), (account.trash_id, b"trash-v1")):
        reply = await listing(server, account, folder)
        assert reply["manifest_version"] == 1
        assert b64decode(reply["manifest"]) == manifest
        assert reply["children"] == []


async def test_create_folder_and_inline_file_then_download(server: Server) -> None:
    account = await server.api.signup()
    folder = await server.api.mkdir(account, account.root_id)
    data = os.urandom(5000)
    node, content = await server.api.put_small_file(account, folder, data, header=b"h" * 40)
    root = await listing(server, account, account.root_id)
    assert root["manifest_version"] == 2 and child_ids(root) == {folder}
    inner = await listing(server, account, folder)
    assert child_ids(inner) == {node}
    child = inner["children"][0]
    assert child["content_id"] == b64encode(content) and child["size"] == 5040
    body = await server.client.get(f"/v1/contents/{b64encode(content)}", headers=account.headers)
    assert body.status_code == 200 and body.content == b"h" * 40 + data


async def test_stale_manifest_version_is_a_409_and_changes_nothing(server: Server) -> None:
    account = await server.api.signup()
    await server.api.mkdir(account, account.root_id)
    account.versions[account.root_id] = 1  # what a second device still believes
    lost = new_id()
    response = await server.api.tx(
        account, manifests=[account.root_id], puts=[folder_put(lost, account.root_id)]
    )
    assert (response.status_code, response.json()["error"]) == (409, "stale_manifest")
    assert "version 2" in response.json()["message"]
    node = await server.client.get(f"/v1/nodes/{b64encode(lost)}", headers=account.headers)
    assert node.status_code == 404


async def test_rename_move_copy_trash_restore(server: Server) -> None:
    account = await server.api.signup()
    a = await server.api.mkdir(account, account.root_id)
    b = await server.api.mkdir(account, account.root_id)
    node, content = await server.api.put_small_file(account, a, b"x" * 100)
    # Rename: a new record, same parent; no manifest needed.
    renamed = file_put(node, a, content)
    ok(await server.api.tx(account, puts=[renamed]))
    got = ok(await server.client.get(f"/v1/nodes/{b64encode(node)}", headers=account.headers))
    assert got["record"] == renamed["record"]
    # Move without updating the old parent is refused.
    response = await server.api.tx(account, manifests=[b], puts=[file_put(node, b, content)])
    assert (response.status_code, response.json()["error"]) == (400, "invalid_transaction")
    ok(await server.api.tx(account, manifests=[a, b], puts=[file_put(node, b, content)]))
    assert child_ids(await listing(server, account, b)) == {node}
    assert child_ids(await listing(server, account, a)) == set()
    # Copy: a new node on the same content, no upload.
    copy = new_id()
    ok(await server.api.tx(account, manifests=[a], puts=[file_put(copy, a, content)]))
    assert child_ids(await listing(server, account, a)) == {copy}
    # Trash is an ordinary move into the trash folder, restore an ordinary move back.
    trash = account.trash_id
    ok(await server.api.tx(account, manifests=[b, trash], puts=[file_put(node, trash, content)]))
    assert child_ids(await listing(server, account, trash)) == {node}
    ok(await server.api.tx(account, manifests=[b, trash], puts=[file_put(node, b, content)]))
    assert child_ids(await listing(server, account, trash)) == set()


async def test_deleting_one_copy_keeps_the_shared_content(server: Server) -> None:
    account = await server.api.signup()
    node, content = await server.api.put_small_file(account, account.root_id, b"shared" * 10)
    copy = new_id()
    ok(
        await server.api.tx(
            account, manifests=[account.root_id], puts=[file_put(copy, account.root_id, content)]
        )
    )
    ok(await server.api.tx(account, manifests=[account.root_id], removes=[node]))
    body = await server.client.get(f"/v1/contents/{b64encode(content)}", headers=account.headers)
    assert body.status_code == 200 and body.content.endswith(b"shared" * 10)
    ok(await server.api.tx(account, manifests=[account.root_id], removes=[copy]))
    assert await stored_chunks(server) == []
    body = await server.client.get(f"/v1/contents/{b64encode(content)}", headers=account.headers)
    assert body.status_code == 404


async def test_empty_trash_removes_whole_subtrees(server: Server) -> None:
    account = await server.api.signup()
    top = await server.api.mkdir(account, account.root_id)
    inner = await server.api.mkdir(account, top)
    deep, _ = await server.api.put_small_file(account, inner, b"deep" * 8)
    loose, _ = await server.api.put_small_file(account, account.root_id, b"loose" * 8)
    trash = account.trash_id
    listed = await listing(server, account, account.root_id)
    records = {b64decode(c["node_id"]): c for c in listed["children"]}
    loose_content = b64decode(records[loose]["content_id"])
    ok(
        await server.api.tx(
            account,
            manifests=[account.root_id, trash],
            puts=[folder_put(top, trash, None), file_put(loose, trash, loose_content)],
        )
    )
    assert child_ids(await listing(server, account, trash)) == {top, loose}
    ok(await server.api.tx(account, manifests=[trash], removes=[top, loose]))
    assert child_ids(await listing(server, account, trash)) == set()
    for gone in (top, inner, deep, loose):
        response = await server.client.get(f"/v1/nodes/{b64encode(gone)}", headers=account.headers)
        assert response.status_code == 404
    assert await stored_chunks(server) == []


async def test_moving_a_folder_into_its_own_subtree_is_a_cycle(server: Server) -> None:
    account = await server.api.signup()
    a = await server.api.mkdir(account, account.root_id)
    b = await server.api.mkdir(account, a)
    c = await server.api.mkdir(account, b)
    response = await server.api.tx(
        account, manifests=[account.root_id, c], puts=[folder_put(a, c, None)]
    )
    assert (response.status_code, response.json()["error"]) == (400, "cycle")
    response = await server.api.tx(
        account, manifests=[account.root_id], puts=[folder_put(a, a, None)]
    )
    assert (response.status_code, response.json()["error"]) == (400, "cycle")


async def test_root_and_trash_cannot_be_moved_or_removed(server: Server) -> None:
    account = await server.api.signup()
    a = await server.api.mkdir(account, account.root_id)
    for special in (account.root_id, account.trash_id):
        response = await server.api.tx(account, manifests=[a], puts=[folder_put(special, a, None)])
        assert response.status_code == 400
        response = await server.api.tx(account, manifests=[account.root_id], removes=[special])
        assert response.status_code == 400


@pytest.mark.parametrize(
    "mutate, code",
    [
        (lambda a, f: {"puts": [folder_put(f, a), folder_put(f, a)]}, "invalid_transaction"),
        (lambda a, f: {"puts": [folder_put(f, a, None)]}, "invalid_transaction"),
        (lambda a, f: {"puts": [file_put(f, a, None)]}, "invalid_transaction"),
        (lambda a, f: {"puts": [folder_put(f, new_id())]}, "not_found"),
        (lambda a, f: {"puts": [file_put(f, a, new_id())]}, "not_found"),
        (lambda a, f: {"removes": [new_id()]}, "not_found"),
    ],
)
async def test_bad_transactions_are_refused(server: Server, mutate, code: str) -> None:  # type: ignore[no-untyped-def]
    account = await server.api.signup()
    parts = mutate(account.root_id, new_id())
    response = await server.api.tx(account, manifests=[account.root_id], **parts)
    assert response.json()["error"] == code
    assert response.status_code in (400, 404)
    assert (await listing(server, account, account.root_id))["manifest_version"] == 1


async def test_a_file_cannot_be_a_parent_and_types_cannot_change(server: Server) -> None:
    account = await server.api.signup()
    node, _ = await server.api.put_small_file(account, account.root_id, b"f" * 20)
    response = await server.api.tx(account, manifests=[node], puts=[folder_put(new_id(), node)])
    assert response.status_code == 404
    response = await server.api.tx(account, puts=[folder_put(node, account.root_id, None)])
    assert response.status_code == 400


async def test_a_batch_of_many_files_in_one_transaction(server: Server) -> None:
    account = await server.api.signup()
    folder = await server.api.mkdir(account, account.root_id)
    puts = [
        file_put(new_id(), folder, None, inline=(new_id(), b"h", os.urandom(16 + n % 50)))
        for n in range(300)
    ]
    reply = ok(await server.api.tx(account, manifests=[folder], puts=puts))
    assert reply["manifest_versions"] == {b64encode(folder): 2}
    assert len((await listing(server, account, folder))["children"]) == 300


async def test_binary_listing_matches_json(server: Server) -> None:
    account = await server.api.signup()
    sub = await server.api.mkdir(account, account.root_id)
    node, content = await server.api.put_small_file(account, account.root_id, b"z" * 33)
    as_json = await listing(server, account, account.root_id)
    response = await server.client.get(
        f"/v1/folders/{b64encode(account.root_id)}",
        headers={**account.headers, "Accept": routes.LISTING_MEDIA_TYPE},
    )
    assert response.headers["content-type"] == routes.LISTING_MEDIA_TYPE
    data = response.content
    assert data[:4] == b"SBL1"
    version, manifest_len = struct.unpack(">QI", data[4:16])
    pos = 16 + manifest_len
    assert version == as_json["manifest_version"]
    assert data[16:pos] == b64decode(as_json["manifest"])
    (count,) = struct.unpack(">I", data[pos : pos + 4])
    pos += 4
    children = {}
    for _ in range(count):
        node_id = data[pos : pos + 16]
        kind, flags = data[pos + 16], data[pos + 17]
        cid = data[pos + 18 : pos + 34]
        size, mversion, rlen = struct.unpack(">QQI", data[pos + 34 : pos + 54])
        record = data[pos + 54 : pos + 54 + rlen]
        pos += 54 + rlen
        children[node_id] = (kind, flags, cid, size, mversion, record)
    assert pos == len(data)
    assert children[node][:4] == (0, 1, content, 33 + 40)
    assert children[sub][0] == 1 and children[sub][4] == 1
    for child in as_json["children"]:
        assert children[b64decode(child["node_id"])][5] == b64decode(child["record"])


async def test_a_large_binary_listing_is_sent_in_pieces_in_node_id_order(server: Server) -> None:
    """Past SMALL_LISTING children the listing is sent as it is read (nodes.framing_rows, in the
    index's node id order): the same children, records and sizes as the JSON listing."""
    account = await server.api.signup()
    folder = await server.api.mkdir(account, account.root_id)
    puts = [
        file_put(new_id(), folder, None, inline=(new_id(), b"h", os.urandom(16 + n % 50)))
        for n in range(300)
    ]
    ok(await server.api.tx(account, manifests=[folder], puts=puts))
    as_json = await listing(server, account, folder)
    response = await server.client.get(
        f"/v1/folders/{b64encode(folder)}",
        headers={**account.headers, "Accept": routes.LISTING_MEDIA_TYPE},
    )
    assert response.status_code == 200 and "content-length" not in response.headers
    parsed = parse_listing(response.content)
    ids = [c.node_id for c in parsed.children]
    assert ids == sorted(ids) == [b64decode(c["node_id"]) for c in as_json["children"]]
    assert [(c.record, c.size) for c in parsed.children] == [
        (b64decode(c["record"]), c["size"]) for c in as_json["children"]
    ]
    assert parsed.manifest_version == as_json["manifest_version"] == 2


async def test_a_listing_whose_reading_fails_midway_never_ends_as_a_whole_answer(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once the first piece is sent, a failure can no longer become an error status: the answer
    must then break off, never end as if whole (a client refuses a body cut short)."""
    account = await server.api.signup()
    folder = await server.api.mkdir(account, account.root_id)
    puts = [
        file_put(new_id(), folder, None, inline=(new_id(), b"h", os.urandom(20)))
        for _ in range(300)
    ]
    ok(await server.api.tx(account, manifests=[folder], puts=puts))
    read = nodes.framing_rows

    def breaks_off(*args: object) -> Iterator[object]:
        rows = read(*args)  # type: ignore[arg-type]
        yield from itertools.islice(rows, 100)
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(nodes, "framing_rows", breaks_off)
    with pytest.raises(RuntimeError, match="the disk went away"):
        await server.client.get(
            f"/v1/folders/{b64encode(folder)}",
            headers={**account.headers, "Accept": routes.LISTING_MEDIA_TYPE},
        )


async def test_a_binary_listing_of_no_such_folder_is_refused_before_anything_is_sent(
    server: Server,
) -> None:
    account = await server.api.signup()
    response = await server.client.get(
        f"/v1/folders/{b64encode(new_id())}",
        headers={**account.headers, "Accept": routes.LISTING_MEDIA_TYPE},
    )
    assert response.status_code == 404 and response.json()["error"] == "not_found"


@pytest.mark.parametrize("settings_extra", [{"keep_versions": 2}])
async def test_file_versions_are_kept_up_to_the_setting(
    server: Server, settings_extra: object
) -> None:
    account = await server.api.signup()
    node, first = await server.api.put_small_file(account, account.root_id, b"v1" * 10)
    contents = [first]
    for n in range(2, 5):
        content = new_id()
        contents.append(content)
        put = file_put(node, account.root_id, None, inline=(content, b"h", f"v{n}".encode() * 10))
        ok(await server.api.tx(account, puts=[put]))
    versions = ok(
        await server.client.get(f"/v1/nodes/{b64encode(node)}/versions", headers=account.headers)
    )["versions"]
    assert [b64decode(v["content_id"]) for v in versions] == [contents[2], contents[1]]
    # The oldest version fell out and its content went with it.
    gone = await server.client.get(f"/v1/contents/{b64encode(first)}", headers=account.headers)
    assert gone.status_code == 404
    # Restoring a version is a put of its content id.
    ok(await server.api.tx(account, puts=[file_put(node, account.root_id, contents[1])]))
    current = ok(await server.client.get(f"/v1/nodes/{b64encode(node)}", headers=account.headers))
    assert b64decode(current["content_id"]) == contents[1]


@pytest.mark.parametrize("settings_extra", [{"default_quota": 10_000}])
async def test_quota_counts_versions_and_refuses_before_storing(
    server: Server, settings_extra: object
) -> None:
    account = await server.api.signup()
    node, _ = await server.api.put_small_file(account, account.root_id, os.urandom(4000))
    put = file_put(node, account.root_id, None, inline=(new_id(), b"h", os.urandom(4000)))
    ok(await server.api.tx(account, puts=[put]))
    info = ok(await server.client.get("/v1/account", headers=account.headers))
    assert info["used_bytes"] == 4040 + 4001 and info["quota_bytes"] == 10_000
    put = file_put(new_id(), account.root_id, None, inline=(new_id(), b"h", os.urandom(4000)))
    response = await server.api.tx(account, manifests=[account.root_id], puts=[put])
    assert (response.status_code, response.json()["error"]) == (507, "quota_exceeded")
    opened = await server.client.post(
        "/v1/uploads",
        json={
            "content_id": b64encode(new_id()),
            "header": "",
            "chunk_size": 4096,
            "chunk_count": 1,
            "total_size": 4000,
        },
        headers=account.headers,
    )
    assert (opened.status_code, opened.json()["error"]) == (507, "quota_exceeded")
    assert len(await stored_chunks(server)) == 2


async def test_two_new_nodes_may_share_an_upload_committed_in_the_same_transaction(
    server: Server,
) -> None:
    account = await server.api.signup()
    content = new_id()
    chunk = os.urandom(100)
    ok(
        await server.client.post(
            "/v1/uploads",
            json={
                "content_id": b64encode(content),
                "header": "",
                "chunk_size": 1024,
                "chunk_count": 1,
                "total_size": 100,
            },
            headers=account.headers,
        )
    )
    ok(
        await server.client.put(
            f"/v1/uploads/{b64encode(content)}/chunks/0", content=chunk, headers=account.headers
        )
    )
    first, second = new_id(), new_id()
    puts = [file_put(first, account.root_id, content), file_put(second, account.root_id, content)]
    ok(await server.api.tx(account, manifests=[account.root_id], puts=puts))
    assert child_ids(await listing(server, account, account.root_id)) == {first, second}


async def test_concurrent_writers_on_one_folder_exactly_one_wins(server: Server) -> None:
    import anyio

    account = await server.api.signup()
    results: list[int] = []

    async def writer() -> None:
        body = {
            "manifests": [
                {
                    "folder_id": b64encode(account.root_id),
                    "expected_version": 1,
                    "manifest": b64encode(os.urandom(49)),
                }
            ],
            "puts": [folder_put(new_id(), account.root_id)],
        }
        response = await server.client.post("/v1/transactions", json=body, headers=account.headers)
        results.append(response.status_code)

    async with anyio.create_task_group() as group:
        for _ in range(8):
            group.start_soon(writer)
    assert sorted(results) == [200] + [409] * 7
    root = await listing(server, account, account.root_id)
    assert root["manifest_version"] == 2 and len(root["children"]) == 1
    feed = ok(await server.client.get("/v1/feed", headers=account.headers))
    assert {e["seq"] for e in feed["entries"]} == {1}


async def test_a_kept_version_can_be_deleted_and_its_content_goes_with_it(server: Server) -> None:
    account = await server.api.signup()
    node, first = await server.api.put_small_file(account, account.root_id, b"v1" * 10)
    put = file_put(node, account.root_id, None, inline=(new_id(), b"h", b"v2" * 10))
    ok(await server.api.tx(account, puts=[put]))
    versions_url = f"/v1/nodes/{b64encode(node)}/versions"
    kept = ok(await server.client.get(versions_url, headers=account.headers))["versions"]
    assert [b64decode(v["content_id"]) for v in kept] == [first]
    number = kept[0]["version"]
    used = ok(await server.client.get("/v1/account", headers=account.headers))["used_bytes"]
    gone = await server.client.delete(f"{versions_url}/{number}", headers=account.headers)
    assert gone.status_code == 204, gone.text
    assert ok(await server.client.get(versions_url, headers=account.headers))["versions"] == []
    content = await server.client.get(f"/v1/contents/{b64encode(first)}", headers=account.headers)
    assert content.status_code == 404
    after = ok(await server.client.get("/v1/account", headers=account.headers))["used_bytes"]
    assert after < used
    again = await server.client.delete(f"{versions_url}/{number}", headers=account.headers)
    assert (again.status_code, again.json()["error"]) == (404, "not_found")
    other = await server.api.signup()
    foreign = await server.client.delete(f"{versions_url}/{number}", headers=other.headers)
    assert foreign.status_code == 404


async def test_a_listing_gives_the_children_in_node_id_order_in_both_framings(
    server: Server,
) -> None:
    """The children are read without ORDER BY (the folder's index finds them; db/nodes.py) and
    sorted by the server: made in random id order, they are listed by node id, with the same
    values in the JSON and the binary framing. Fails if the sort is left out."""
    account = await server.api.signup()
    folder = await server.api.mkdir(account, account.root_id)
    made = [await server.api.mkdir(account, folder) for _ in range(6)]
    node, content = await server.api.put_small_file(account, folder, os.urandom(100))
    made.append(node)
    while made == sorted(made):  # the point is an order the database would not give sorted
        made.append(await server.api.mkdir(account, folder))
    reply = await listing(server, account, folder)
    assert [b64decode(c["node_id"]) for c in reply["children"]] == sorted(made)
    binary = await server.client.get(
        f"/v1/folders/{b64encode(folder)}",
        headers={**account.headers, "Accept": routes.LISTING_MEDIA_TYPE},
    )
    framed = parse_listing(binary.content)
    assert [c.node_id for c in framed.children] == sorted(made)
    assert framed.manifest_version == reply["manifest_version"]
    for child, view in zip(framed.children, reply["children"], strict=True):
        assert child.record == b64decode(view["record"])
        assert child.node_type == view["node_type"]
        assert child.content_id == (content if child.node_id == node else None)
        assert child.size == (view["size"] or 0)
