# SPDX-License-Identifier: AGPL-3.0-or-later
"""Writing into a folder shared with you, in a real browser (issue 18; spec/sharing.md, "Writers
sign"): a write member's page uploads files and a folder into the owner's folder through the
share's routes, each record and manifest signed with the member's own key; the owner's SDK (the
CLI's code) and the owner's page read them back byte for byte and name the member as their
writer. A read member's page offers no upload, and the server refuses one it is sent anyway."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sealbox.client.sdk import contacts, files, shares
from sealbox.client.sdk.drive import Drive
from sealbox.testing.hostile import Exchange

from .browser import (
    CHROMIUM,
    PASSWORDS,
    Live,
    Owner,
    Visit,
    in_docs,
    logged_in,
    make_member,
    row_download,
)

pytest.importorskip("playwright.async_api")
pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium: scripts/system-deps"
    ),
]


@pytest.fixture
async def bob(live: Live, tmp_path: Path) -> AsyncIterator[Drive]:
    async with httpx.AsyncClient(base_url=live.url, timeout=60) as http:
        yield await make_member(live, http, tmp_path, "bob")


async def bob_in_share(browser: Any, live: Live, folder: str) -> Visit:
    """bob's page, logged in, showing the folder alice shared with him."""
    page = await logged_in(browser, live, "/app/contacts", "bob", PASSWORDS["bob"])
    await page.page.click("#accept-alice")
    await page.page.wait_for_selector("#contact-alice[data-state='contact']")
    await page.page.click("#open-drive")
    await page.page.click("#open-shares")
    await page.page.click(f"#incoming >> text={folder}/")
    await page.page.wait_for_selector("#listing >> text=a.txt")
    return page


async def test_a_write_member_uploads_from_the_page(
    live: Live, browser: Any, alice: Owner, bob: Drive, tmp_path: Path
) -> None:
    alice_drive, data = alice
    await contacts.invite(alice_drive.session, "bob")
    await contacts.accept(bob.session, "alice")  # on his other device: nothing pinned in the page
    await shares.share_folder(alice_drive, "/docs", "bob", shares.WRITE)
    b = await bob_in_share(browser, live, "docs")
    made = {"from-bob.bin": os.urandom(70_000), "notes.txt": b"bob's notes\n"}
    for name, content in made.items():
        (tmp_path / name).write_bytes(content)
    await b.page.set_input_files("#upload-input", [str(tmp_path / n) for n in made])
    await b.page.wait_for_selector("#upload-status >> text=Uploaded 2 files.")
    await b.page.wait_for_selector("#listing >> text=from-bob.bin")
    # A folder, into a subfolder of the share.
    await b.page.click("#listing >> text=deep/")
    await b.page.wait_for_selector("nav.crumbs >> text=deep")
    (tmp_path / "pack" / "inner").mkdir(parents=True)
    (tmp_path / "pack" / "inner" / "c.txt").write_bytes(b"in a folder bob made\n")
    await b.page.set_input_files("#upload-folder-input", str(tmp_path / "pack"))
    await b.page.wait_for_selector("#upload-status >> text=Uploaded 1 file.")
    assert await row_download(b.page, "b.bin") == data["deep/b.bin"]
    # A rename of alice's file, signed by bob (no trash for a member, as in the SDK).
    await b.page.click("nav.crumbs >> text=docs")
    a_row = b.page.locator("#listing li", has_text="a.txt")
    assert await a_row.get_by_role("button", name="Put a.txt in the trash").count() == 0
    await a_row.get_by_role("button", name="Rename a.txt").click()
    field = b.page.get_by_label("New name for a.txt")
    await field.fill("renamed-by-bob.txt")
    await field.press("Enter")
    await b.page.wait_for_selector('#drive-status >> text=Renamed to "renamed-by-bob.txt".')
    assert not b.errors

    # The owner's SDK reads what bob wrote, signed by bob (a writer of alice's roster).
    out = tmp_path / "got"
    await files.get(alice_drive, ["/docs"], out, files.Reporter())
    for name, content in made.items():
        assert (out / name).read_bytes() == content
    assert (out / "deep" / "pack" / "inner" / "c.txt").read_bytes() == b"in a folder bob made\n"
    assert (out / "renamed-by-bob.txt").read_bytes() == data["a.txt"]
    assert not (out / "a.txt").exists()
    for path in ("/docs/from-bob.bin", "/docs/renamed-by-bob.txt"):
        _, node = await alice_drive.walk(path)
        assert node is not None and node.record.writer_id == bob.session.user_id
        assert node.metadata.author is None  # a member writes no author
    # And the owner's page.
    a = await in_docs(live, browser)
    await a.page.wait_for_selector("#listing >> text=from-bob.bin")
    assert await row_download(a.page, "from-bob.bin") == made["from-bob.bin"]
    assert not a.errors


async def test_a_read_member_gets_no_upload(
    live: Live, browser: Any, alice: Owner, bob: Drive
) -> None:
    alice_drive, _ = alice
    await contacts.invite(alice_drive.session, "bob")
    await contacts.accept(bob.session, "alice")  # on his other device: nothing pinned in the page
    await shares.share_folder(alice_drive, "/docs", "bob", shares.READ)
    b = await bob_in_share(browser, live, "docs")
    await b.page.wait_for_selector("text=Shared by alice (unverified), read only.")
    assert await b.page.locator("#upload-input").count() == 0
    assert not b.errors


async def test_a_listing_from_before_the_members_upload_is_a_rollback(
    live: Live, browser: Any, alice: Owner, bob: Drive, tmp_path: Path
) -> None:
    alice_drive, _ = alice
    await contacts.invite(alice_drive.session, "bob")
    await contacts.accept(bob.session, "alice")
    await shares.share_folder(alice_drive, "/docs", "bob", shares.WRITE)
    # The server keeps the first listing of each shared folder it sends, and once bob has
    # uploaded it sends that one again, as if his upload had never happened.
    first: dict[str, bytes] = {}
    replay = False

    def roll_back(exchange: Exchange) -> bytes | None:
        path = exchange.request.path
        if not replay:
            first.setdefault(path, exchange.body)
            return None
        return first.get(path)

    live.hostile.on("GET", r"/v1/shares/[^/]+/folders/[^/]+", roll_back)
    b = await bob_in_share(browser, live, "docs")
    (tmp_path / "kept.txt").write_bytes(b"bob's file\n")
    replay = True
    await b.page.set_input_files("#upload-input", str(tmp_path / "kept.txt"))
    await b.page.wait_for_selector("#error")
    assert "failed verification" in await b.page.inner_text("#error")
    assert await b.page.locator("#listing >> text=kept.txt").count() == 0
    _, node = await alice_drive.walk("/docs/kept.txt")  # the upload did happen
    assert node is not None
