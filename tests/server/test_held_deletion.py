# SPDX-License-Identifier: AGPL-3.0-or-later
"""An account holder deletes their account while a preservation hold is in force
(spec/compliance.md §12.4), on both stacks: to the holder and to everyone else the account is
gone exactly as one deleted without a hold (replies compared byte for byte), its name is free,
yet the operator still discloses everything it held, by user id; once the hold ends the
retention job erases it, blobs included, with no second ``erasure`` entry."""

import json
import os
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from anyio import to_thread
from typer.testing import CliRunner

from sealbox.protocol.models import b64encode
from sealbox.server.cli import app
from sealbox.server.db import census
from sealbox.server.db.engine import read_only
from sealbox.server.db.retention_tables import held_contents, held_deletions
from sealbox.server.db.schema import contents
from sealbox.server.errors import ServiceError
from sealbox.testing.http_api import Account, new_id, ok

from .compliance_world import make_link
from .conftest import Server
from .test_drops import anonymous_upload, make_drop
from .test_retention import chunk_keys
from .test_shares import share

pytestmark = pytest.mark.anyio
e = b64encode


@dataclass
class Life:
    account: Account
    folder: bytes
    content: bytes
    link: bytes
    drop: bytes
    waiting: bytes
    share: bytes


async def a_life(server: Server, name: str, friend: Account) -> Life:
    """A file in a folder, a link to it, a drop with a waiting file, the folder shared with a
    contact."""
    account = await server.api.signup(name)
    folder = await server.api.mkdir(account, account.root_id)
    _, content = await server.api.put_small_file(account, folder, os.urandom(64))
    link = await make_link(server, account, folder)
    drop = await make_drop(server, account, folder)
    waiting, delivered = await anonymous_upload(server, drop, b"w" * 70)
    assert delivered.status_code == 204, delivered.text
    share_id, _ = await share(server, account, folder, friend, 1)
    return Life(account, folder, content, link, drop, waiting, share_id)


async def delete(server: Server, account: Account) -> httpx.Response:
    body = {"auth_key": e(account.auth_key)}
    return await server.client.post("/v1/account/delete", json=body, headers=account.headers)


async def seen(server: Server, life: Life, friend: Account) -> list[tuple[int, bytes]]:
    """What the holder, an anonymous visitor and the former contact now meet, reply by reply."""
    account, link, drop = life.account, e(life.link), e(life.drop)
    client = server.client
    replies = [
        await client.post("/v1/sessions", json={"username": account.username,
                                                "auth_key": e(account.auth_key)}),
        await client.post("/v1/recovery", json={"username": account.username,
                                                "recovery_auth_key": e(account.recovery_auth_key)}),
        await client.get("/v1/account", headers=account.headers),
        await client.post(f"/v1/links/{link}/open"),
        await client.get(f"/v1/links/{link}/folders/{e(life.folder)}"),
        await client.get(f"/v1/links/{link}/contents/{e(life.content)}"),
        (await anonymous_upload(server, life.drop, b"late"))[1],
        await client.post(f"/v1/drops/{drop}/files",
                          json={"content_id": e(life.waiting), "sealed": e(b"s" * 90)}),
        await client.get(f"/v1/users/{account.username}/bundle", headers=friend.headers),
        await client.get(f"/v1/shares/{e(life.share)}/folders/{e(life.folder)}",
                         headers=friend.headers),
        await client.get(f"/v1/shares/{e(life.share)}/contents/{e(life.content)}",
                         headers=friend.headers),
        await client.post("/v1/contacts", json={"username": account.username},
                          headers=friend.headers),
    ]  # fmt: skip
    return [(reply.status_code, reply.content) for reply in replies]


async def friend_sees(server: Server, friend: Account) -> list[bytes]:
    paths = ["/v1/contacts", "/v1/shares", "/v1/rosters"]
    return [(await server.client.get(path, headers=friend.headers)).content for path in paths]


def kinds(server: Server) -> list[str]:
    log = server.services.compliance.log
    return [json.loads(entry)["kind"] for entry in log.entries(0, log.size())]


def rows(server: Server, table: object) -> int:
    with read_only(server.services.engine) as conn:
        return len(conn.execute(table.select()).all())  # type: ignore[attr-defined]


@pytest.mark.parametrize("ending", ["released", "expired"])
async def test_a_deletion_under_a_hold_is_a_deletion_to_everyone_but_the_operator(
    server: Server, ending: str
) -> None:
    svc = server.services
    requests = svc.compliance.requests
    victor = await server.api.signup("victor")
    unknown = ok(await server.client.post("/v1/prelogin", json={"username": "hanna"}))
    held = await a_life(server, "hanna", victor)
    gone = await a_life(server, "gina", victor)
    hold = requests.place_hold("hanna", None, "olga")
    with read_only(svc.engine) as conn:
        counted = census.census(conn)
    assert counted == {"accounts": 3, "files": 2, "links": 2}

    held_reply, gone_reply = await delete(server, held.account), await delete(server, gone.account)
    assert (held_reply.status_code, held_reply.content) == (gone_reply.status_code, b"")
    assert held_reply.status_code == 204 and kinds(server).count("erasure") == 2
    # Everyone meets the same replies as for the account deleted without a hold.
    assert await seen(server, held, victor) == await seen(server, gone, victor)
    assert await friend_sees(server, victor) == [
        b'{"incoming":[],"outgoing":[],"accepted":[]}',
        b'{"outgoing":[],"incoming":[]}',
        b'{"rosters":[]}',
    ]
    stranger = ok(await server.client.post("/v1/prelogin", json={"username": "hanna"}))
    assert stranger == unknown
    with read_only(svc.engine) as conn:
        assert census.census(conn) == {"accounts": 1, "files": 0, "links": 0}

    # The held account's blobs outlive a collection and a retention run; the other's are gone.
    await svc.collector.collect()
    assert (await svc.retention.run()).counts["erase_held_deletions"] == 0
    assert await chunk_keys(server, held.content) != []
    assert await chunk_keys(server, held.waiting) != []
    assert await chunk_keys(server, gone.content) == []

    # The name is free for a new signup, whose account is its own.
    newcomer = await server.api.signup("hanna")
    mine = ok(await server.client.get("/v1/account", headers=newcomer.headers))
    assert mine["used_bytes"] == 0 and mine["user_id"] == e(newcomer.user_id)

    # The operator still discloses every row the deletion removed, by user id.
    package = await svc.disclosure.package(e(held.account.user_id))
    data = package.data
    assert package.manifest["account"] == "hanna"
    assert {t: len(data[t]) for t in ("accounts", "links", "drops", "drop_files", "shares",
                                       "contacts", "held_deletions", "held_contents")} == {
        "accounts": 1, "links": 1, "drops": 1, "drop_files": 1, "shares": 1, "contacts": 1,
        "held_deletions": 1, "held_contents": 2,
    }  # fmt: skip
    assert len(data["nodes"]) == 4 and len(data["contents"]) == 2
    assert data["accounts"][0]["user_id"] == e(held.account.user_id)
    assert (await svc.disclosure.package("hanna")).manifest["user_id"] == e(newcomer.user_id)
    with pytest.raises(ServiceError):
        await svc.disclosure.package(e(gone.account.user_id))
    renewed = requests.renew_hold(hold.hold_id, "olga")
    second = requests.place_hold(e(held.account.user_id), None, "olga")

    if ending == "released":
        requests.release_hold(renewed.hold_id, "olga")
        requests.release_hold(second.hold_id, "olga")
        server.clock.advance(1)
    else:
        server.clock.advance(max(renewed.expires_at, second.expires_at) - server.clock.now())
    done = await svc.retention.run()
    assert done.counts["erase_held_deletions"] == 1
    assert done.counts["expire_preservation_holds"] == 2
    assert await chunk_keys(server, held.content) == []
    assert await chunk_keys(server, held.waiting) == []
    assert rows(server, held_deletions) == 0 and rows(server, held_contents) == 0
    assert rows(server, contents) == 0
    assert kinds(server).count("erasure") == 2  # counted once, at the deletion
    with pytest.raises(ServiceError):
        await svc.disclosure.package(e(held.account.user_id))
    assert (await svc.retention.run()).counts["erase_held_deletions"] == 0


@pytest.mark.parametrize("settings_extra", [{"deleted_blob_grace_days": 7}])
async def test_the_blobs_of_a_held_deletion_wait_out_the_grace_period_after_the_hold(
    server: Server, settings_extra: object
) -> None:
    svc = server.services
    victor = await server.api.signup("victor")
    held = await a_life(server, "hanna", victor)
    hold = svc.compliance.requests.place_hold("hanna", None, "olga")
    assert (await delete(server, held.account)).status_code == 204
    svc.compliance.requests.release_hold(hold.hold_id, "olga")
    server.clock.advance(1)
    assert (await svc.retention.run()).counts["erase_held_deletions"] == 1
    # The dropped file was uploaded: its blob waits. The inline file's chunk was a row of the
    # database and went with its content row (a restored backup holds it).
    assert rows(server, contents) == 0 and await chunk_keys(server, held.waiting) != []
    assert await chunk_keys(server, held.content) == []
    server.clock.advance(7 * 86_400)
    assert (await svc.retention.run()).counts["purge_deleted_blobs"] == 2
    assert await chunk_keys(server, held.waiting) == []


async def test_a_hold_placed_after_the_deletion_finds_nothing_to_hold(server: Server) -> None:
    account = await server.api.signup("ida")
    assert (await delete(server, account)).status_code == 204
    with pytest.raises(ServiceError, match="no account is called"):
        server.services.compliance.requests.place_hold(e(account.user_id), None, "olga")
    with pytest.raises(ServiceError):
        await server.services.disclosure.package(e(new_id()))


async def test_the_admin_commands_reach_a_held_deletion_by_user_id(
    server: Server, db_url: str, tmp_path: Path
) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("the commands are the same on both databases; the service tests run both")
    victor = await server.api.signup("victor")
    held = await a_life(server, "hanna", victor)
    server.services.compliance.operators.issue("olga", "operator", "test-setup")
    server.services.compliance.requests.place_hold("hanna", None, "olga")
    assert (await delete(server, held.account)).status_code == 204
    where = ["--data", str(server.data_dir), "--db", db_url]
    user_id = e(held.account.user_id)

    async def admin(*args: str, code: int = 0) -> str:
        cut = args.index("--") if "--" in args else len(args)
        command = ["admin", *args[:cut], *where, *args[cut:]]
        done = await to_thread.run_sync(
            lambda: CliRunner().invoke(app, command, catch_exceptions=False)
        )
        assert done.exit_code == code, done.output
        return str(done.output)

    placed = json.loads(await admin("holds", "add", "--operator", "olga", "--json", "--", user_id))
    assert [hold["account"] for hold in placed] == [user_id]
    assert "no account is called 'hanna'" in await admin(
        "holds", "add", "--operator", "olga", "--", "hanna", code=1
    )
    out = tmp_path / "package"
    await admin("disclose", "--out", str(out), "--", user_id)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["account"] == "hanna" and manifest["user_id"] == user_id
    assert manifest["tables"]["held_deletions"]["rows"] == 1
    assert manifest["tables"]["links"]["rows"] == 1
