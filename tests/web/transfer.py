# SPDX-License-Identifier: AGPL-3.0-or-later
"""One large file through the browser and back, with the page's memory watched throughout
(issue 18, acceptance: "page memory stays well under the file size").

Used by tests/web/test_large_transfer.py (a CI-sized file) and bench/browser_transfer.py (1 GiB).
The page logs in, uploads the file with the file input (sealed chunk by chunk as it is read), then
downloads it through the service-worker stream (web-client.md, "Downloads"). Meanwhile a sampler
reads, over CDP, the page's JavaScript heap (Performance.getMetrics, JSHeapUsedSize) and the
process ids of Chromium (SystemInfo.getProcessInfo), and from /proc the resident memory (VmRSS)
of every renderer process (the page and its service worker) and of all Chromium processes. The
file never enters this process whole either: it is written and hashed in blocks.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .browser import OWNER_PASSWORD, Live

MIB = 1024 * 1024
BLOCK = 4 * MIB
NAME = "transfer.bin"


def write_random(path: Path, size: int) -> str:
    """A file of `size` random bytes, written in blocks; answers its SHA-256."""
    digest = hashlib.sha256()
    with path.open("wb") as out:
        for offset in range(0, size, BLOCK):
            block = os.urandom(min(BLOCK, size - offset))
            digest.update(block)
            out.write(block)
    return digest.hexdigest()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while block := source.read(BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass  # the process ended between the listing and the read
    return 0


@dataclass
class Peaks:
    """The largest figures seen during one phase, in bytes."""

    renderer_rss: int = 0
    chromium_rss: int = 0
    js_heap: int = 0

    def line(self) -> str:
        return (
            f"renderer RSS {self.renderer_rss / MIB:.0f} MiB, all Chromium RSS "
            f"{self.chromium_rss / MIB:.0f} MiB, JS heap {self.js_heap / MIB:.0f} MiB"
        )


@dataclass
class Figures:
    size: int
    baseline: Peaks = field(default_factory=Peaks)
    upload: Peaks = field(default_factory=Peaks)
    download: Peaks = field(default_factory=Peaks)
    upload_s: float = 0.0
    download_s: float = 0.0

    def report(self) -> str:
        up, down = self.size / self.upload_s / 1e6, self.size / self.download_s / 1e6
        return "\n".join(
            [
                f"file: {self.size / MIB:.0f} MiB",
                f"before: {self.baseline.line()}",
                f"upload: {self.upload_s:.1f} s, {up:.0f} MB/s; peak {self.upload.line()}",
                f"download: {self.download_s:.1f} s, {down:.0f} MB/s; peak {self.download.line()}",
            ]
        )


class Sampler:
    """Samples memory into `peaks` every `every` seconds while running."""

    def __init__(self, browser_cdp: Any, page_cdp: Any, live: Live, every: float = 0.25) -> None:
        self.browser_cdp, self.page_cdp, self.live, self.every = browser_cdp, page_cdp, live, every
        self.peaks = Peaks()
        self.task: asyncio.Task[None] | None = None

    async def sample(self) -> None:
        processes = (await self.browser_cdp.send("SystemInfo.getProcessInfo"))["processInfo"]
        renderers = sum(_rss(p["id"]) for p in processes if p["type"] == "renderer")
        chromium = sum(_rss(p["id"]) for p in processes)
        metrics = (await self.page_cdp.send("Performance.getMetrics"))["metrics"]
        heap = next(int(m["value"]) for m in metrics if m["name"] == "JSHeapUsedSize")
        p = self.peaks
        p.renderer_rss = max(p.renderer_rss, renderers)
        p.chromium_rss = max(p.chromium_rss, chromium)
        p.js_heap = max(p.js_heap, heap)
        # The hostile wrapper keeps every request body it sees; the chunks are not needed here.
        self.live.hostile.requests.clear()

    async def _run(self) -> None:
        while True:
            await self.sample()
            await asyncio.sleep(self.every)

    def start(self) -> None:
        self.peaks = Peaks()
        self.task = asyncio.create_task(self._run())

    async def stop(self) -> Peaks:
        assert self.task is not None
        self.task.cancel()
        try:
            await self.task
        except asyncio.CancelledError:
            pass
        await self.sample()
        return self.peaks


async def transfer(
    live: Live, browser: Any, source: Path, timeout_s: float
) -> tuple[Figures, Path]:
    """Upload `source` to the top of alice's drive in the page and download it again. Answers the
    figures and the downloaded file's path (valid until the browser closes)."""
    context = await browser.new_context(accept_downloads=True)
    context.set_default_timeout(timeout_s * 1000)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto(f"{live.url}/app/login")
    await page.fill("#username", "alice")
    await page.fill("#password", OWNER_PASSWORD)
    await page.click("#login-form button")
    await page.wait_for_selector("#upload-input")
    page_cdp = await context.new_cdp_session(page)
    await page_cdp.send("Performance.enable")
    sampler = Sampler(await browser.new_browser_cdp_session(), page_cdp, live)
    figures = Figures(source.stat().st_size)
    await sampler.sample()
    figures.baseline = sampler.peaks

    sampler.start()
    started = time.monotonic()
    await page.set_input_files("#upload-input", str(source))
    await page.wait_for_selector("#upload-status >> text=Uploaded 1 file.")
    figures.upload_s = time.monotonic() - started
    figures.upload = await sampler.stop()

    button = page.locator("#listing li", has_text=NAME).locator("button[id^=download-]")
    sampler.start()
    started = time.monotonic()
    async with page.expect_download() as info:
        await button.click()
    download = await info.value
    path = Path(await download.path())
    figures.download_s = time.monotonic() - started
    figures.download = await sampler.stop()
    await page.wait_for_selector("[data-state=saved]")
    assert errors == [], errors
    return figures, path
