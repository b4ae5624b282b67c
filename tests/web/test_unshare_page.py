# SPDX-License-Identifier: AGPL-3.0-or-later
"""Removing a member from a shared folder in a real browser (issue 18; spec/sharing.md, "Removing a
member"): the owner's page ends the share, gives the folder and every folder below it new keys and
sends the remaining members new envelopes with a new roster, as the SDK's unshare does. Checked
both ways against the SDK (the CLI's code): the page's rotation is read by the SDK owner and a
remaining SDK member, and a removal by the SDK is seen in the removed member's page. A server
that lies during the removal (a swapped share, a stale roster, a withheld item: A32, A22, A36) is
refused before anything is ended, signed or rotated, and a removal it broke off half-way completes
when run again."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from sealbox.client.sdk import contacts, drops, files, links, shares
from sealbox.client.sdk.drive import Drive
from sealbox.client.sdk.errors import NotFoundError
from sealbox.crypto.errors import IntegrityError
from sealbox.crypto.identity import IdentityKeys, make_bundle
from sealbox.crypto.layout import b64url
from sealbox.protocol.listing import encode_listing, parse_listing
from sealbox.testing.hostile import Exchange

from .browser import (
    CHROMIUM,
    PASSWORDS,
    Live,
    Owner,
    Visit,
    logged_in,
    make_member,
    share_form,
    share_from_page,
)

pytest.importorskip("playwright.async_api")
pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium: scripts/system-deps"
    ),
]


@pytest.fixture
async def http(live: Live) -> AsyncIterator[httpx.AsyncClient]:
    """The members' SDK connection, open for the whole test."""
    async with httpx.AsyncClient(base_url=live.url, timeout=60) as client:
        yield client


async def as_user(browser: Any, live: Live, path: str, username: str) -> Visit:
    return await logged_in(browser, live, path, username, PASSWORDS[username])


async def remove(page: Any, folder: str, username: str) -> str:
    """Remove `username` from `folder` in the drive page; answers what the form said."""
    row = await share_form(page, folder)
    entry = row.locator(f".members li[data-member='{username}']")
    await entry.locator("button", has_text="Remove").click()
    note = await entry.locator("[role=note]").inner_text()
    assert "keep whatever they already downloaded" in note
    await entry.locator(f"text=Remove {username} and replace the keys").click()
    await page.wait_for_selector("#drive-status")  # shown once the drive was listed again
    return str(await page.inner_text("#drive-status"))


async def owner_page_with_members(
    live: Live, browser: Any, alice: Owner, http: httpx.AsyncClient, tmp: Path
) -> tuple[Visit, Drive, Drive]:
    """alice's page, /docs shared from it with bob (read) and carol (write), both SDK accounts."""
    bob = await make_member(live, http, tmp, "bob")
    carol = await make_member(live, http, tmp, "carol")
    a = await as_user(browser, live, "/app/contacts", "alice")
    for name, drive in (("bob", bob), ("carol", carol)):
        await a.page.fill("#contact-username", name)
        await a.page.click("#invite")
        await a.page.wait_for_selector(f"#contact-{name}[data-state='invited']")
        await contacts.accept(drive.session, "alice")
    await a.page.click("#open-drive")
    await a.page.wait_for_selector("#listing >> text=docs/")
    await share_from_page(a.page, "docs", "bob", "1")
    await share_from_page(a.page, "docs", "carol", "2")
    return a, bob, carol


async def test_the_page_removes_a_member_and_the_sdk_sees_new_keys(
    live: Live, browser: Any, alice: Owner, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    alice_drive, data = alice
    a, bob, carol = await owner_page_with_members(live, browser, alice, http, tmp_path)
    old = (await shares.open_shared(bob, "docs")).share.grant.folder_key
    # deep/ is also shared on its own with carol (its own roster), and both folders have links.
    await shares.share_folder(alice_drive, "/docs/deep", "carol", shares.READ)
    for path in ("/docs", "/docs/deep", "/docs/a.txt"):
        await links.create_link(alice_drive, path)
    carol_share = await shares.open_shared(carol, "docs")
    (tmp_path / "by-carol.txt").write_bytes(b"carol wrote this\n")
    await files.put(carol_share, [tmp_path / "by-carol.txt"], "/deep", files.Reporter())
    # bob's page shows the share before.
    b = await as_user(browser, live, "/app/contacts", "bob")
    await b.page.click("#accept-alice")
    await b.page.wait_for_selector("#contact-alice[data-state='contact']")
    await b.page.click("#open-drive")
    await b.page.click("#open-shares")
    await b.page.wait_for_selector("#incoming >> text=docs/")

    said = await remove(a.page, "docs", "bob")
    assert said == "Removed bob from docs; the folder has new keys."
    await share_form(a.page, "docs")
    await a.page.wait_for_selector(".members >> text=carol · read and write")
    assert await a.page.locator(".members li[data-member='bob']").count() == 0

    # bob's page: the share is gone; the SDK refuses him too.
    await b.page.click("#open-drive")
    await b.page.click("#open-shares")
    await b.page.wait_for_selector("#incoming >> text=No folder is shared with you.")
    with pytest.raises(NotFoundError):
        await shares.open_shared(bob, "docs")
    # The SDK owner reads the rotated tree: every record verifies, the authors are kept, and the
    # folder's record keeps the replaced key with carol as its writer.
    out = tmp_path / "got"
    await files.get(alice_drive, ["/docs"], out, files.Reporter())
    assert (out / "a.txt").read_bytes() == data["a.txt"]
    assert (out / "deep" / "b.bin").read_bytes() == data["deep/b.bin"]
    assert (out / "deep" / "by-carol.txt").read_bytes() == b"carol wrote this\n"
    chain, docs = await alice_drive.walk("/docs")
    assert docs is not None
    earlier = docs.metadata.earlier_keys  # type: ignore[union-attr]
    assert earlier[0].key == old.secret_bytes()
    assert earlier[0].writer_keys() == {
        carol.session.user_id: carol.session.bundle.keys.sign_public
    }
    folder = await alice_drive.open_folder(chain[-1], docs)
    assert folder.key != old
    deep = await alice_drive.open_folder(
        folder, next(c for c in folder.children if c.name == "deep")
    )
    by_carol = next(c for c in deep.children if c.name == "by-carol.txt")
    assert by_carol.record.writer_id == alice_drive.session.user_id
    assert by_carol.metadata.author == carol.session.user_id
    roster = await shares.rosters.own_roster(alice_drive.session, docs.node_id)
    assert roster is not None and [m.user_id for m in roster.members] == [carol.session.user_id]
    assert roster.key_epoch == roster.version == 3
    # What is written after the removal is sealed under a key bob never had.
    (tmp_path / "after.txt").write_bytes(os.urandom(300))
    await files.put(alice_drive, [tmp_path / "after.txt"], "/docs", files.Reporter())
    _, after = await alice_drive.walk("/docs/after.txt")
    assert after is not None
    with pytest.raises(IntegrityError):
        after.record.open_key(old)
    # Links to the rotated folders are revoked (their secrets hold old keys); a file's stays.
    [kept] = (await alice_drive.api.links()).links
    assert kept.node_id == (await alice_drive.walk("/docs/a.txt"))[1].node_id  # type: ignore[union-attr]
    # deep/'s own roster went out again with a new key epoch and carol's new envelope.
    deep_share = await shares.open_shared(carol, "deep")
    assert deep_share.share.grant.folder_key == deep.key
    deep_roster = await shares.rosters.own_roster(alice_drive.session, deep.folder_id)
    assert deep_roster is not None and deep_roster.key_epoch == deep_roster.version == 2
    # carol, who stays, opens the share with her new envelope and reads the new file.
    carol_share = await shares.open_shared(carol, "docs")
    assert carol_share.share.grant.folder_key == folder.key
    await files.get(carol_share, ["/after.txt"], tmp_path / "carol-got", files.Reporter())
    assert (tmp_path / "carol-got").read_bytes() == (tmp_path / "after.txt").read_bytes()
    assert not a.errors and not b.errors


async def test_kept_versions_open_in_the_page_after_the_removal(
    live: Live, browser: Any, alice: Owner, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    alice_drive, data = alice
    a, _, _ = await owner_page_with_members(live, browser, alice, http, tmp_path)
    edited = tmp_path / "b.bin"
    edited.write_bytes(b"b, edited before the removal\n")
    await files.put(alice_drive, [edited], "/docs/deep/b.bin", files.Reporter())
    await remove(a.page, "docs", "bob")
    # The kept version is sealed under deep/'s replaced key, which deep/'s new record keeps.
    await a.page.click("#listing >> text=docs/")
    await a.page.wait_for_selector("nav.crumbs >> text=docs")
    await a.page.click("#listing >> text=deep/")
    await a.page.wait_for_selector("nav.crumbs >> text=deep")
    row = a.page.locator("#listing li", has_text="b.bin")
    await row.get_by_role("button", name="Earlier versions of b.bin").click()
    versions = a.page.get_by_role("list", name="Earlier versions of b.bin")
    await versions.locator("#version-1").wait_for()
    assert await a.download("#version-1") == data["deep/b.bin"]
    assert not a.errors


async def test_a_removal_by_the_sdk_shows_in_the_members_pages(
    live: Live, browser: Any, alice: Owner, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    alice_drive, _ = alice
    bob = await make_member(live, http, tmp_path, "bob")
    carol = await make_member(live, http, tmp_path, "carol")
    for drive in (bob, carol):
        await contacts.invite(drive.session, "alice")
        await contacts.accept(alice_drive.session, drive.session.username)
    await shares.share_folder(alice_drive, "/docs", "bob", shares.READ)
    await shares.share_folder(alice_drive, "/docs", "carol", shares.READ)
    pages = {}
    for name in ("bob", "carol"):
        page = await as_user(browser, live, "/app/contacts", name)
        await page.page.click("#accept-alice")
        await page.page.wait_for_selector("#contact-alice[data-state='contact']")
        await page.page.click("#open-drive")
        await page.page.click("#open-shares")
        await page.page.click("#incoming >> text=docs/")
        await page.page.wait_for_selector("#listing >> text=a.txt")
        pages[name] = page
    await shares.unshare(alice_drive, "/docs", "bob")
    (tmp_path / "after.txt").write_bytes(b"after bob left\n")
    await files.put(alice_drive, [tmp_path / "after.txt"], "/docs", files.Reporter())
    b, c = pages["bob"].page, pages["carol"].page
    await b.click("#open-shares")
    await b.wait_for_selector("#incoming >> text=No folder is shared with you.")
    # carol's page takes the new roster and envelope (a new key epoch) and reads the new file.
    await c.click("#open-shares")
    await c.click("#incoming >> text=docs/")
    row = c.locator("#listing li", has_text="after.txt")
    async with c.expect_download() as info:
        await row.locator("text=Download").click()
    assert Path(await (await info.value).path()).read_bytes() == b"after bob left\n"
    assert not pages["bob"].errors and not pages["carol"].errors


async def test_a_stale_roster_or_a_swapped_share_changes_nothing(
    live: Live, browser: Any, alice: Owner, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    alice_drive, _ = alice
    a, bob, _ = await owner_page_with_members(live, browser, alice, http, tmp_path)
    _, docs = await alice_drive.walk("/docs")
    assert docs is not None

    # The server lists carol's envelope as bob's share: the share id it would end is not the one
    # alice signed for bob.
    def swapped(exchange: Exchange) -> bytes:
        body = json.loads(exchange.body)
        mine = {view["recipient_username"]: view for view in body["outgoing"]}
        mine["bob"]["envelope"], mine["carol"]["envelope"] = (
            mine["carol"]["envelope"],
            mine["bob"]["envelope"],
        )
        return json.dumps(body).encode()

    live.hostile.on("GET", "/v1/shares", swapped)
    said = await remove(a.page, "docs", "bob")
    assert "does not match the envelope you signed" in said
    live.hostile.rules.clear()

    # The server answers with the first roster of /docs (bob alone, version 1), which alice signed.
    stored = await alice_drive.api.rosters()
    now = next(r.roster for r in stored.rosters if r.folder_id == docs.node_id)
    stale = _first_roster(alice_drive, docs.node_id, bob)

    def rolled_back(exchange: Exchange) -> bytes:
        body = json.loads(exchange.body)
        for item in body["rosters"]:
            item["roster"] = base64.urlsafe_b64encode(stale).rstrip(b"=").decode()
        return json.dumps(body).encode()

    row = await share_form(a.page, "docs")  # the members, listed before the server lies
    await row.locator(".members li[data-member='bob']").wait_for()
    live.hostile.on("GET", "/v1/rosters", rolled_back)
    said = await remove(a.page, "docs", "bob")
    assert "(a rollback)" in said
    live.hostile.rules.clear()
    outgoing = (await alice_drive.api.shares()).outgoing
    assert sorted(v.recipient_username for v in outgoing) == ["bob", "carol"]
    stored = await alice_drive.api.rosters()
    assert next(r.roster for r in stored.rosters if r.folder_id == docs.node_id) == now
    _, same = await alice_drive.walk("/docs")  # no key was replaced
    assert same is not None and same.record.node_version == docs.record.node_version
    assert await shares.open_shared(bob, "docs")  # bob still has the folder and its key


async def test_a_withheld_item_in_the_subtree_changes_nothing(
    live: Live, browser: Any, alice: Owner, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    alice_drive, _ = alice
    a, bob, _ = await owner_page_with_members(live, browser, alice, http, tmp_path)
    _, deep = await alice_drive.walk("/docs/deep")
    assert deep is not None
    # The server leaves b.bin out of deep/'s listing: a rotated manifest would name a record
    # still sealed under the key being discarded (A36).
    live.hostile.on("GET", f"/v1/folders/{b64url(deep.node_id)}", without_children)
    said = await remove(a.page, "docs", "bob")
    assert 'The server withheld items of "deep"' in said and "Nothing was changed" in said
    live.hostile.rules.clear()
    assert len((await alice_drive.api.shares()).outgoing) == 2
    _, same = await alice_drive.walk("/docs/deep")
    assert same is not None and same.record.node_version == deep.record.node_version
    assert await shares.open_shared(bob, "docs")


def without_children(exchange: Exchange) -> bytes | None:
    """The listing with its children left out (the signed manifest still names them)."""
    if exchange.status != 200:
        return None
    listing = parse_listing(exchange.body)
    return encode_listing(replace(listing, children=[]))


def _first_roster(drive: Drive, folder_id: bytes, bob: Drive) -> bytes:
    """The roster alice would have signed first: bob alone, version 1."""
    from sealbox.crypto.roster import Roster, RosterMember, make_roster

    roster = Roster(
        folder_id,
        1,
        1,
        drive.session.user_id,
        (RosterMember(bob.session.user_id, bob.session.bundle.keys.sign_public, 1),),
    )
    return make_roster(drive.session.identity, roster)


async def test_a_removal_broken_off_twice_completes_when_run_again(
    live: Live, browser: Any, alice: Owner, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    alice_drive, data = alice
    a, bob, carol = await owner_page_with_members(live, browser, alice, http, tmp_path)
    await drops.create_drop(alice_drive, "/docs")
    _, docs = await alice_drive.walk("/docs")
    assert docs is not None

    # First run: the server fails once the new keys are in, before the drop link follows them.
    def unavailable(exchange: Exchange) -> bytes:
        exchange.status = 503
        return b'{"error": "unavailable", "message": "try later"}'

    live.hostile.on("GET", "/v1/drops", unavailable, times=1)
    assert await remove(a.page, "docs", "bob") != "Removed bob from docs; the folder has new keys."
    with pytest.raises(NotFoundError):
        await shares.open_shared(bob, "docs")  # the share ended
    # Second run: the server offers a key of its own for carol, who stays. Nothing is sealed to
    # it: the roster and carol's envelope stay those from before.
    forged = make_bundle(IdentityKeys.generate(), carol.session.user_id, "carol", 2, 0)

    def swap(exchange: Exchange) -> bytes:
        body = json.loads(exchange.body)
        body["identity_bundle"] = base64.urlsafe_b64encode(forged).rstrip(b"=").decode()
        return json.dumps(body).encode()

    rule = live.hostile.on("GET", "/v1/users/carol/bundle", swap)
    said = await remove(a.page, "docs", "bob")
    assert "The identity key of carol has changed" in said
    roster = await shares.rosters.own_roster(alice_drive.session, docs.node_id)
    assert roster is not None and roster.version == 2
    # Third run, with the real key: it completes. The drop link, wrapped under the key the first
    # run replaced, follows the key now; carol reads with her new envelope.
    live.hostile.rules.remove(rule)
    said = await remove(a.page, "docs", "bob")
    assert said == "Removed bob from docs; the folder has new keys."
    [owned] = await drops.list_drops(alice_drive)  # opens the drop's wrap with the key now
    assert owned.folder_path == "/docs"
    carol_share = await shares.open_shared(carol, "docs")
    await files.get(carol_share, ["/a.txt"], tmp_path / "a.txt", files.Reporter())
    assert (tmp_path / "a.txt").read_bytes() == data["a.txt"]
