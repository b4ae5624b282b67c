# SPDX-License-Identifier: AGPL-3.0-or-later
"""Rename, move, trash, restore and versions in the drive page (issue 18; spec/metadata.md,
"Changing the tree"). Every change is signed in the page with the records and manifests the spec
(and its vectors, tests/web/test_vectors_js.py) define; the SDK then lists, verifies and reads the
result, which it would refuse if one byte of a record or manifest were off."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sealbox.client.sdk import files
from sealbox.client.sdk.drive import Drive
from sealbox.client.sdk.errors import NotFoundError
from sealbox.testing.hostile import Exchange

from .browser import CHROMIUM, Live, Owner, Visit, in_docs, screenshot

pytest.importorskip("playwright.async_api")
TAMPERED = "failed verification"
pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium: scripts/system-deps"
    ),
]


async def read(drive: Drive, path: str) -> bytes:
    return b"".join([bytes(c) async for c in files.stream_file(drive, path)])


def row(page: Visit, name: str) -> Any:
    return page.page.locator("#listing > li", has_text=name).first


async def test_rename_and_move_are_read_back_by_the_sdk(
    live: Live, browser: Any, alice: Owner
) -> None:
    drive, data = alice
    page = await in_docs(live, browser)
    await row(page, "a.txt").get_by_role("button", name="Rename a.txt").click()
    field = page.page.get_by_label("New name for a.txt")
    assert await page.page.evaluate("document.activeElement.id") == await field.get_attribute("id")
    await field.fill("renamed.txt")
    await field.press("Enter")
    await page.page.wait_for_selector('#drive-status >> text=Renamed to "renamed.txt".')
    assert await read(drive, "/docs/renamed.txt") == data["a.txt"]
    with pytest.raises(NotFoundError):
        await read(drive, "/docs/a.txt")

    # A name already taken is refused in the page, before anything is signed.
    await row(page, "renamed.txt").get_by_role("button", name="Rename renamed.txt").click()
    await page.page.get_by_label("New name for renamed.txt").fill("big.bin")
    await page.page.get_by_label("New name for renamed.txt").press("Enter")
    await page.page.wait_for_selector('text="big.bin" already exists in "docs".')
    await page.page.get_by_label("New name for renamed.txt").press("Escape")  # closes the form
    assert await page.page.get_by_label("New name for renamed.txt").count() == 0

    # Down into deep/, then b.bin up to docs (a folder above on the path shown).
    await page.page.click("text=deep/")
    await page.page.wait_for_selector("nav.crumbs >> text=deep")
    await row(page, "b.bin").get_by_role("button", name="Move b.bin", exact=True).click()
    await page.page.get_by_label("Move b.bin to").select_option(label="docs")
    await screenshot(page.page, "drive-move")
    await page.page.click("form.inline button[type=submit]")
    await page.page.wait_for_selector('#drive-status >> text=Moved "b.bin" to "docs".')
    assert await read(drive, "/docs/b.bin") == data["deep/b.bin"]
    assert [c.name for c in (await drive.folder_at("/docs/deep")).children] == []
    # And a folder into a sibling folder: docs/deep into docs/moved.
    await drive.mkdir("/docs/moved")
    await page.page.click("nav.crumbs >> text=docs")
    await row(page, "deep/").get_by_role("button", name="Move deep", exact=True).click()
    await page.page.get_by_label("Move deep to").select_option(label="docs / moved")
    await page.page.click("form.inline button[type=submit]")
    await page.page.wait_for_selector('#drive-status >> text=Moved "deep"')
    assert [c.name for c in (await drive.folder_at("/docs/moved")).children] == ["deep"]
    assert page.errors == []


async def test_trash_and_restore_are_read_back_by_the_sdk(
    live: Live, browser: Any, alice: Owner
) -> None:
    drive, data = alice
    page = await in_docs(live, browser)
    await row(page, "big.bin").get_by_role("button", name="Put big.bin in the trash").click()
    await page.page.wait_for_selector('#drive-status >> text=Moved "big.bin" to the trash.')
    trash = await drive.trash()
    (trashed,) = trash.children
    assert trashed.name == "big.bin"
    assert trashed.metadata.trashed_from == (await drive.folder_at("/docs")).folder_id
    assert "big.bin" not in [c.name for c in (await drive.folder_at("/docs")).children]

    await page.page.click("nav.crumbs >> text=My drive")
    await page.page.click("#open-trash")
    await page.page.wait_for_selector("nav.crumbs >> text=Trash")
    await row(page, "big.bin").get_by_role("button", name="Restore big.bin").click()
    await page.page.wait_for_selector('#drive-status >> text=Restored "big.bin" to "docs".')
    assert await read(drive, "/docs/big.bin") == data["big.bin"]
    assert (await drive.trash()).children == []
    assert page.errors == []


async def test_an_earlier_version_downloads_in_the_page(
    live: Live, browser: Any, alice: Owner, tmp_path: Path
) -> None:
    drive, data = alice
    edited = tmp_path / "a.txt"
    edited.write_bytes(b"alpha, edited\n")
    await files.put(drive, [edited], "/docs/a.txt", files.Reporter())
    page = await in_docs(live, browser)
    await row(page, "a.txt").get_by_role("button", name="Earlier versions of a.txt").click()
    versions = page.page.get_by_role("list", name="Earlier versions of a.txt")
    await versions.locator("#version-1").wait_for()
    assert await versions.locator("li").count() == 1
    await screenshot(page.page, "drive-versions")
    assert await page.download("#version-1") == data["a.txt"]
    assert await read(drive, "/docs/a.txt") == b"alpha, edited\n"
    assert page.errors == []


async def test_a_change_made_elsewhere_meanwhile_is_kept(
    live: Live, browser: Any, alice: Owner, tmp_path: Path
) -> None:
    """The page changes the folder as it is now, listed and verified again, not as it showed it:
    a file the SDK added after the page listed /docs survives a rename made in the page."""
    drive, data = alice
    page = await in_docs(live, browser)
    late = tmp_path / "late.txt"
    late.write_bytes(b"added by the CLI meanwhile\n")
    await files.put(drive, [late], "/docs/late.txt", files.Reporter())
    await row(page, "a.txt").get_by_role("button", name="Rename a.txt").click()
    await page.page.get_by_label("New name for a.txt").fill("renamed.txt")
    await page.page.get_by_label("New name for a.txt").press("Enter")
    await page.page.wait_for_selector('#drive-status >> text=Renamed to "renamed.txt".')
    names = sorted(c.name for c in (await drive.folder_at("/docs")).children)
    assert names == ["big.bin", "deep", "late.txt", "renamed.txt"]
    assert await read(drive, "/docs/late.txt") == late.read_bytes()
    assert await read(drive, "/docs/renamed.txt") == data["a.txt"]


def renumber(exchange: Exchange) -> bytes | None:
    """A versions answer that numbers a version unlike its signed record."""
    if exchange.status != 200:
        return None
    body = json.loads(exchange.body)
    for version in body["versions"]:
        version["version"] += 1
    return json.dumps(body).encode()


async def test_versions_the_server_renumbers_are_refused(
    live: Live, browser: Any, alice: Owner, tmp_path: Path
) -> None:
    drive, _ = alice
    edited = tmp_path / "a.txt"
    edited.write_bytes(b"alpha, edited\n")
    await files.put(drive, [edited], "/docs/a.txt", files.Reporter())
    rule = live.hostile.on("GET", r"/v1/nodes/[^/]+/versions", renumber)
    page = await in_docs(live, browser)
    await row(page, "a.txt").get_by_role("button", name="Earlier versions of a.txt").click()
    alert = await page.page.wait_for_selector(".panel [role=alert]")
    assert TAMPERED in await alert.inner_text()
    assert rule.hits == 1
    assert await page.page.locator("#version-1").count() == 0
