# SPDX-License-Identifier: AGPL-3.0-or-later
"""A live server behind the hostile wrapper on a real socket, and Debian's Chromium driven by
Playwright (its own browser download cannot work here: /usr/bin/chromium is used instead)."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from sealbox.client.sdk import files
from sealbox.client.sdk.account import signup
from sealbox.client.sdk.api import Api
from sealbox.client.sdk.drive import Drive
from sealbox.client.sdk.state import LocalState
from sealbox.crypto.password import FLOOR_MEMLIMIT, FLOOR_OPSLIMIT
from sealbox.server.app import build_services, create_app
from sealbox.server.settings import Settings
from sealbox.testing.hostile import HostileServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # the tests run as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class Live:
    hostile: HostileServer
    url: str


@contextmanager
def live_server(data_dir: Path) -> Iterator[Live]:
    """The real app, wrapped so tests can rewrite answers and see every request, on 127.0.0.1."""
    settings = Settings(data_dir=data_dir, secret=bytes(range(32)))
    hostile = HostileServer(create_app(build_services(settings), background_jobs=False))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(hostile, log_level="warning", lifespan="on", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield Live(hostile, f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


Owner = tuple[Drive, dict[str, bytes]]
BIG = 4 * 1024 * 1024 + 1000  # two chunks at the writers' 4 MiB chunk size
OWNER_PASSWORD = "alice's long password"
PASSWORDS = {
    "alice": OWNER_PASSWORD,
    "bob": "bob's own long password",
    "carol": "carol's long password",
}
FAST = {"opslimit": FLOOR_OPSLIMIT, "memlimit": FLOOR_MEMLIMIT}


async def make_owner(live: Live, http: httpx.AsyncClient, tmp: Path) -> Owner:
    """alice, with /docs/{big.bin, a.txt, deep/b.bin} uploaded through the SDK."""
    state = LocalState(tmp / "homes" / "alice")
    session, _ = await signup(Api(http), state, live.url, "alice", OWNER_PASSWORD, **FAST)
    local = tmp / "src" / "docs"
    (local / "deep").mkdir(parents=True)
    data = {"big.bin": os.urandom(BIG), "a.txt": b"alpha\n", "deep/b.bin": os.urandom(3000)}
    for name, content in data.items():
        (local / name).write_bytes(content)
    drive = Drive(session)
    await files.put(drive, [local], "/", files.Reporter())
    return drive, data


async def make_member(live: Live, http: httpx.AsyncClient, tmp: Path, name: str) -> Drive:
    """An SDK account ``name`` (a key of PASSWORDS) with its own local state under ``tmp``."""
    state = LocalState(tmp / "homes" / name)
    session, _ = await signup(Api(http), state, live.url, name, PASSWORDS[name], **FAST)
    return Drive(session)


class Visit:
    """A fresh browser context (no account, no storage) with a recorder of every request."""

    def __init__(self, context: Any, page: Any) -> None:
        self.context, self.page = context, page
        self.urls: list[str] = []
        self.downloads: list[Any] = []
        self.errors: list[str] = []
        page.on("request", lambda request: self.urls.append(request.url))
        page.on("download", lambda download: self.downloads.append(download))
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))

    async def download(self, button: str) -> bytes:
        async with self.page.expect_download() as info:
            await self.page.click(button)
        download = await info.value
        return Path(await download.path()).read_bytes()


async def visit(browser: Any, url: str) -> Visit:
    context = await browser.new_context(accept_downloads=True)
    # The machine running the suite may be busy (Argon2id and 4 MiB chunks in WebAssembly):
    # generous waits keep a slow run from failing, while a real failure still shows at once.
    context.set_default_timeout(120_000)
    page = Visit(context, await context.new_page())
    await page.page.goto(url)
    assert page.page.url == url.split("#")[0]  # the fragment left the address bar at once
    return page


async def log_in(page: Any, username: str = "alice", password: str = OWNER_PASSWORD) -> None:
    """Fill in and send the log-in form that ``page`` (a Playwright page) shows."""
    await page.fill("#username", username)
    await page.fill("#password", password)
    await page.click("#login-form button")


async def logged_in(
    browser: Any,
    live: Live,
    path: str = "/app/login",
    username: str = "alice",
    password: str = OWNER_PASSWORD,
) -> Visit:
    """A fresh browser context opened at ``path``, logged in there as ``username``."""
    page = await visit(browser, f"{live.url}{path}")
    await log_in(page.page, username, password)
    return page


async def in_docs(live: Live, browser: Any) -> Visit:
    """alice logged in to the drive page, showing her /docs folder."""
    page = await logged_in(browser, live)
    await page.page.click("text=docs/")
    await page.page.wait_for_selector("nav.crumbs >> text=docs")
    return page


async def row_download(page: Any, name: str) -> bytes:
    """The bytes of the listing row showing ``name``, through its Download button."""
    row = page.locator("#listing li", has_text=name)
    async with page.expect_download() as info:
        await row.locator("text=Download").click()
    return Path(await (await info.value).path()).read_bytes()


async def share_form(page: Any, folder: str) -> Any:
    """The drive row of ``folder`` with its share form open."""
    row = page.locator("#listing li", has_text=f"{folder}/")
    if await row.locator("input[id$='-user']").count() == 0:
        await row.locator("button", has_text="Share").first.click()
    return row


async def share_from_page(page: Any, folder: str, username: str, rights: str) -> str:
    """In the drive page: share ``folder`` with ``username`` with ``rights`` ("1" read, "2"
    write). Answers what the form said of their key before sending."""
    row = await share_form(page, folder)
    await row.locator("input[id$='-user']").fill(username)
    trust = str(await row.locator("[id$='-trust']").inner_text())
    await row.locator("select[id$='-rights']").select_option(rights)
    await row.locator("text=Share folder").click()
    await row.locator(f"text=Shared {folder} with {username}").wait_for()
    return trust


async def screenshot(page: Any, name: str) -> None:
    """Keep a screenshot as a CI artifact when SEALBOX_ARTIFACTS names a folder (.ci/run)."""
    folder = os.environ.get("SEALBOX_ARTIFACTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)
