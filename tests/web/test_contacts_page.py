# SPDX-License-Identifier: AGPL-3.0-or-later
"""Contacts, safety numbers and shares in a real browser (issue 18): two accounts in two browser
contexts invite and accept each other, see the safety number the CLI shows for the same pair, and
share a folder that the other opens; shares cross between the page and the SDK (the CLI's code)
both ways; an identity bundle swapped by the hostile server is refused with a clear message."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from sealbox.client.sdk import contacts, files, shares
from sealbox.crypto.identity import IdentityKeys, make_bundle
from sealbox.testing.hostile import Exchange

from .browser import (
    CHROMIUM,
    OWNER_PASSWORD,
    PASSWORDS,
    Live,
    Owner,
    log_in,
    logged_in,
    make_member,
    row_download,
    share_from_page,
)

pytest.importorskip("playwright.async_api")
pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium: scripts/system-deps"
    ),
]

BOB_PASSWORD = PASSWORDS["bob"]


async def test_invite_accept_compare_and_share_between_two_pages(
    live: Live, browser: Any, alice: Owner, tmp_path: Path
) -> None:
    alice_drive, data = alice
    async with httpx.AsyncClient(base_url=live.url, timeout=60) as http:
        await make_member(live, http, tmp_path, "bob")
    a = await logged_in(browser, live, "/app/contacts", "alice", OWNER_PASSWORD)
    await a.page.fill("#contact-username", "Bob")
    await a.page.click("#invite")
    await a.page.wait_for_selector("#contact-bob[data-state='invited'][data-trust='unverified']")
    b = await logged_in(browser, live, "/app/contacts", "bob", BOB_PASSWORD)
    await b.page.click("#accept-alice")
    await b.page.wait_for_selector("#contact-alice[data-state='contact']")
    await b.page.click("#compare-alice")
    seen_by_bob = await b.page.inner_text("#safety-number")
    await a.page.click("#compare-bob")
    seen_by_alice = await a.page.inner_text("#safety-number")
    shown_by_cli = await contacts.verify(alice_drive.session, "bob", confirm=False)
    assert seen_by_alice == seen_by_bob == shown_by_cli.safety_number
    assert len(seen_by_alice) == 71 and seen_by_alice.count(" ") == 11
    await a.page.click("#confirm-safety")
    await a.page.wait_for_selector("#contact-bob[data-state='contact'][data-trust='verified']")

    await a.page.click("#open-drive")
    await a.page.wait_for_selector("#listing >> text=docs/")
    assert (await share_from_page(a.page, "docs", "bob", "1")).startswith("bob: verified")
    await a.page.wait_for_selector(".members >> text=bob · read only · verified")
    docs_row = a.page.locator("#listing li", has_text="docs/")
    await docs_row.locator("text=Share folder").click()  # again: one share per folder and person
    await docs_row.locator("text=bob already has this folder").wait_for()

    await b.page.click("#open-drive")
    await b.page.click("#open-shares")
    await b.page.click("#incoming >> text=docs/")
    await b.page.wait_for_selector("text=Shared by alice (unverified), read only.")
    assert await row_download(b.page, "a.txt") == data["a.txt"]
    await b.page.click("text=deep/")
    assert await row_download(b.page, "b.bin") == data["deep/b.bin"]
    # The one console error is the browser's note on the refused repeat (409).
    assert all("409" in e for e in a.errors) and not b.errors
    # Leaving ends the share for bob; alice's own drive is unchanged.
    await b.page.click("#open-shares")
    await b.page.click("#incoming >> text=Leave")
    await b.page.wait_for_selector("#incoming >> text=No folder is shared with you.")
    assert (await alice_drive.api.shares()).outgoing == []
    # Pins and marks are kept; no key, password or plaintext is.
    storage = await b.page.evaluate("() => JSON.stringify(Object.entries(localStorage))")
    assert "sealbox.pins." in storage and "sealbox.marks." in storage
    assert BOB_PASSWORD not in storage and "alpha" not in storage


async def test_shares_cross_between_the_cli_and_the_page(
    live: Live, browser: Any, alice: Owner, tmp_path: Path
) -> None:
    alice_drive, data = alice
    async with httpx.AsyncClient(base_url=live.url, timeout=60) as http:
        bob = await make_member(live, http, tmp_path, "bob")
        mine = tmp_path / "bob-src" / "mine"
        mine.mkdir(parents=True)
        made = os.urandom(5000)
        (mine / "from-bob.bin").write_bytes(made)
        await files.put(bob, [mine], "/", files.Reporter())
        await contacts.invite(alice_drive.session, "bob")
        await contacts.accept(bob.session, "alice")  # on bob's other device: nothing pinned here
        # Shared by the CLI's code; hidden in this browser until bob accepts alice here too.
        await shares.share_folder(alice_drive, "/docs", "bob", shares.READ)
        b = await logged_in(browser, live, "/app/shares", "bob", BOB_PASSWORD)
        hidden = await b.page.inner_text("#share-notes")
        assert "is hidden" in hidden and "accept alice on the Contacts page" in hidden
        assert await b.page.locator("#incoming >> text=docs/").count() == 0
        await b.page.click("#open-drive")
        await b.page.click("#open-contacts")
        assert await b.page.inner_text("#accept-alice") == "Accept in this browser"
        await b.page.click("#accept-alice")
        await b.page.wait_for_selector("#contact-alice[data-trust='unverified']")
        await b.page.click("#open-drive")
        await b.page.click("#open-shares")
        await b.page.click("#incoming >> text=docs/")
        assert await row_download(b.page, "a.txt") == data["a.txt"]
        # Shared from the page, opened by the CLI's code.
        await b.page.click("#open-shares")
        await b.page.click("#open-drive")
        await b.page.wait_for_selector("#listing >> text=mine/")
        said = await share_from_page(b.page, "mine", "alice", "2")
        assert said.startswith("alice: unverified. Compare safety numbers")
        shared = await shares.open_shared(alice_drive, "mine")
        assert shared.can_write
        out = tmp_path / "got"
        await files.get(shared, ["/from-bob.bin"], out, files.Reporter())
        assert out.read_bytes() == made
        # What the write member adds, signed with alice's key, lists in bob's own drive page: his
        # roster makes her a writer of that folder (and only of it).
        (tmp_path / "from-alice.txt").write_bytes(b"alice was here\n")
        await files.put(shared, [tmp_path / "from-alice.txt"], "/", files.Reporter())
        await b.page.click("#listing >> text=mine/")
        assert await row_download(b.page, "from-alice.txt") == b"alice was here\n"
        assert not b.errors


async def test_a_swapped_identity_bundle_is_refused(
    live: Live, browser: Any, alice: Owner, tmp_path: Path
) -> None:
    alice_drive, _ = alice
    async with httpx.AsyncClient(base_url=live.url, timeout=60) as http:
        await make_member(live, http, tmp_path, "bob")
    await contacts.invite(alice_drive.session, "bob")
    b = await logged_in(browser, live, "/app/contacts", "bob", BOB_PASSWORD)
    await b.page.click("#accept-alice")  # pins alice's real key in this browser
    await b.page.wait_for_selector("#contact-alice[data-state='contact'][data-trust='unverified']")
    await shares.share_folder(alice_drive, "/docs", "bob", shares.READ)
    # The server now offers a bundle for alice under a key of its own making, unendorsed.
    forged = make_bundle(IdentityKeys.generate(), alice_drive.session.user_id, "alice", 2, 0)

    def swap(exchange: Exchange) -> bytes:
        body = json.loads(exchange.body)
        body["identity_bundle"] = base64.urlsafe_b64encode(forged).rstrip(b"=").decode()
        return json.dumps(body).encode()

    rule = live.hostile.on("GET", "/v1/users/alice/bundle", swap)
    await b.page.click("#open-drive")
    await b.page.click("#open-shares")
    refused = b.page.locator("#share-notes li.error")
    await refused.wait_for()
    assert "The identity key of alice has changed" in await refused.inner_text()
    assert await b.page.locator("#incoming >> text=docs/").count() == 0
    await b.page.click("#open-drive")
    await b.page.click("#open-contacts")
    await b.page.wait_for_selector("#contact-alice[data-trust='KEY CHANGED']")
    await b.page.click("#compare-alice")
    warning = await b.page.inner_text("#safety [role=alert]")
    assert "may be impersonating them" in warning
    assert "accept the new key" in await b.page.inner_text("#confirm-safety")
    # The pin was not replaced: with the real bundle again, the share opens.
    live.hostile.rules.remove(rule)
    await b.page.click("#open-drive")
    await b.page.click("#open-shares")
    await b.page.wait_for_selector("#incoming >> text=docs/")
    assert await b.page.locator("#share-notes li.error").count() == 0


async def test_a_withheld_roster_is_refused_once_one_was_seen(
    live: Live, browser: Any, alice: Owner, tmp_path: Path
) -> None:
    alice_drive, _ = alice
    async with httpx.AsyncClient(base_url=live.url, timeout=60) as http:
        await make_member(live, http, tmp_path, "bob")
    await contacts.invite(alice_drive.session, "bob")
    b = await logged_in(browser, live, "/app/contacts", "bob", BOB_PASSWORD)
    await b.page.click("#accept-alice")
    await b.page.wait_for_selector("#contact-alice[data-state='contact']")
    await shares.share_folder(alice_drive, "/docs", "bob", shares.READ)
    await b.page.click("#open-drive")
    await b.page.click("#open-shares")
    await b.page.click("#incoming >> text=docs/")
    await b.page.wait_for_selector("#listing >> text=a.txt")  # the roster's mark is kept

    def without_roster(exchange: Exchange) -> bytes:
        body = json.loads(exchange.body)
        for view in body["incoming"]:
            view["roster"] = None
        return json.dumps(body).encode()

    live.hostile.on("GET", "/v1/shares", without_roster)
    later = await b.context.new_page()  # a later visit in the same browser
    await later.goto(f"{live.url}/app/shares")
    await log_in(later, "bob", BOB_PASSWORD)
    await later.click("#incoming >> text=docs/")
    await later.wait_for_selector("#error")
    assert "(a rollback)" in await later.inner_text("#error")
    assert await later.locator("#listing").count() == 0
