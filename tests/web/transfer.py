# SPDX-License-Identifier: AGPL-3.0-or-later
"""One large file through the browser and back, with the page's memory watched throughout
(issue 18, acceptance: "page memory stays well under the file size").

Used by tests/web/test_large_transfer.py (a CI-sized file) and bench/browser_transfer.py (1 GiB).
The page logs in, uploads the file with the file input (sealed chunk by chunk as it is read), then
downloads it through the service-worker stream (web-client.md, "Downloads").

Chromium is driven over the DevTools protocol directly, not through Playwright: Playwright turns
on the Network domain, which keeps every request body it sees in the renderer for the inspector,
so an upload would measure the instrument rather than the page. Only Runtime, DOM, Performance,
SystemInfo and Browser are used here. Meanwhile a sampler reads the page's JavaScript heap
(Performance.getMetrics, JSHeapUsedSize), the process ids of Chromium (SystemInfo.getProcessInfo)
and, from /proc, the resident memory (VmRSS) of every renderer (the page and its service worker)
and of all Chromium processes. This process never holds the file whole either: it is written and
hashed in blocks.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import websockets

from .browser import CHROMIUM, CHROMIUM_ARGS, OWNER_PASSWORD, Live

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


ANSWER_S = 180  # seconds for the browser to answer one DevTools command


class Cdp:
    """A minimal DevTools protocol client over the browser's WebSocket."""

    def __init__(self, socket: Any) -> None:
        self.socket = socket
        self.last = 0
        self.waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.events: list[dict[str, Any]] = []
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for text in self.socket:
            message = json.loads(text)
            if "id" in message:
                waiting = self.waiting.pop(message["id"], None)
                # None or done: given up on (send's bound, or its caller was cancelled). Setting
                # a cancelled future's result would raise and end this reader, and with it every
                # answer after: a sampler stopped mid-command once left the next one unanswered.
                if waiting is not None and not waiting.done():
                    waiting.set_result(message)
            else:
                self.events.append(message)

    async def send(
        self, method: str, params: dict[str, Any] | None = None, session: str = ""
    ) -> Any:
        self.last += 1
        ask = self.last
        future = asyncio.get_running_loop().create_future()
        self.waiting[ask] = future
        message: dict[str, Any] = {"id": ask, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        await self.socket.send(json.dumps(message))
        try:
            # Bounded, so that a command never answered fails the test and names itself.
            async with asyncio.timeout(ANSWER_S):
                answer = await future
        except TimeoutError:
            raise TimeoutError(f"chromium did not answer {method} within {ANSWER_S} s") from None
        finally:
            self.waiting.pop(ask, None)
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer["result"]


@contextlib.asynccontextmanager
async def chromium(profile: Path) -> AsyncIterator[Cdp]:
    """Debian's Chromium, headless, with a fresh profile; answers a CDP client on the browser."""
    process = subprocess.Popen(
        [
            str(CHROMIUM),
            "--headless",
            *CHROMIUM_ARGS,
            "--remote-debugging-port=0",
            f"--user-data-dir={profile}",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.exists() and len(port_file.read_text().split()) >= 2):
            if time.monotonic() > deadline:
                raise RuntimeError("chromium did not open its DevTools port")
            await asyncio.sleep(0.1)
        port, path = port_file.read_text().split()[:2]
        async with websockets.connect(f"ws://127.0.0.1:{port}{path}", max_size=None) as socket:
            cdp = Cdp(socket)
            yield cdp
            cdp.reader.cancel()
    finally:
        process.terminate()
        process.wait(timeout=30)


@dataclass
class Peaks:
    """The largest figures seen during one phase, in bytes."""

    renderer_rss: int = 0
    chromium_rss: int = 0
    js_heap: int = 0
    # The renderers' peak while the first half of the file went through: a page that held the
    # file would grow by half its size after this point.
    first_half_rss: int = 0

    def line(self) -> str:
        return (
            f"renderer RSS {self.renderer_rss / MIB:.0f} MiB"
            f" (first half {self.first_half_rss / MIB:.0f} MiB),"
            f" all Chromium RSS {self.chromium_rss / MIB:.0f} MiB,"
            f" JS heap {self.js_heap / MIB:.0f} MiB"
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


class Page:
    """One tab, attached with its own session."""

    def __init__(self, cdp: Cdp, session: str) -> None:
        self.cdp, self.session = cdp, session

    async def send(self, method: str, params: dict[str, Any] | None = None) -> Any:
        return await self.cdp.send(method, params, self.session)

    async def eval(self, expression: str) -> Any:
        answer = await self.send(
            "Runtime.evaluate",
            {"expression": expression, "awaitPromise": True, "returnByValue": True},
        )
        if "exceptionDetails" in answer:
            raise RuntimeError(f"{expression}: {answer['exceptionDetails']}")
        return answer["result"].get("value")

    async def wait_for(self, expression: str, timeout_s: float) -> Any:
        deadline = time.monotonic() + timeout_s
        while not (value := await self.eval(expression)):
            if time.monotonic() > deadline:
                raise TimeoutError(f"waited {timeout_s:.0f} s for {expression}")
            await asyncio.sleep(0.2)
        return value


class Sampler:
    """Samples memory into `peaks` every `every` seconds while running."""

    def __init__(self, page: Page, live: Live, every: float = 0.25) -> None:
        self.page, self.live, self.every = page, live, every
        self.peaks = Peaks()
        self.task: asyncio.Task[None] | None = None
        self.progress_of = "0"
        self.progress = 0.0

    async def sample(self) -> None:
        processes = (await self.page.cdp.send("SystemInfo.getProcessInfo"))["processInfo"]
        renderers = sum(_rss(p["id"]) for p in processes if p["type"] == "renderer")
        chromium = sum(_rss(p["id"]) for p in processes)
        metrics = (await self.page.send("Performance.getMetrics"))["metrics"]
        heap = next(int(m["value"]) for m in metrics if m["name"] == "JSHeapUsedSize")
        p = self.peaks
        p.renderer_rss = max(p.renderer_rss, renderers)
        p.chromium_rss = max(p.chromium_rss, chromium)
        p.js_heap = max(p.js_heap, heap)
        self.progress = max(self.progress, float(await self.page.eval(self.progress_of) or 0))
        if self.progress < 0.5:
            p.first_half_rss = max(p.first_half_rss, renderers)
        # The hostile wrapper keeps every request body it sees; the chunks are not needed here.
        self.live.hostile.requests.clear()

    async def _run(self) -> None:
        while True:
            await self.sample()
            await asyncio.sleep(self.every)

    def start(self, progress_of: str) -> None:
        """Sample until stop(); `progress_of` is a page expression for the phase's progress."""
        self.peaks = Peaks()
        self.progress_of, self.progress = progress_of, 0.0
        self.task = asyncio.create_task(self._run())

    async def stop(self) -> Peaks:
        assert self.task is not None
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
        # The cancelled sample may have left a command without its answer: the reader drops
        # that answer, and this one is a new command.
        await self.sample()
        return self.peaks


LOG_IN = """(() => {
  document.getElementById('username').value = 'alice';
  document.getElementById('password').value = %s;
  document.querySelector('#login-form button').click();
  return true;
})()"""
UPLOAD_PROGRESS = "document.getElementById('upload-progress')?.value"
DOWNLOAD_PROGRESS = (
    "Math.max(0, ...[...document.querySelectorAll('#listing progress')].map(p => p.value))"
)
DOWNLOAD = """(() => {
  const row = [...document.querySelectorAll('#listing li')].find(li => li.textContent.includes(%s));
  row.querySelector('button[id^=download-]').click();
  return true;
})()"""


async def _open(cdp: Cdp, url: str, downloads: Path) -> Page:
    await cdp.send(
        "Browser.setDownloadBehavior",
        {"behavior": "allow", "downloadPath": str(downloads), "eventsEnabled": True},
    )
    target = (await cdp.send("Target.createTarget", {"url": url}))["targetId"]
    session = await cdp.send("Target.attachToTarget", {"targetId": target, "flatten": True})
    page = Page(cdp, session["sessionId"])
    await page.send("Performance.enable")
    return page


async def _downloaded(cdp: Cdp, timeout_s: float) -> str:
    """The guid of the download that completed; an error if one was cancelled."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for event in cdp.events:
            if event["method"] == "Browser.downloadProgress":
                state = event["params"]["state"]
                if state == "completed":
                    return str(event["params"]["guid"])
                if state == "canceled":
                    raise RuntimeError("the download failed")
        await asyncio.sleep(0.2)
    raise TimeoutError("the download did not finish")


async def transfer(live: Live, source: Path, timeout_s: float) -> tuple[Figures, Path]:
    """Upload `source` to the top of alice's drive in the page and download it again. Answers the
    figures and the downloaded file (in a folder next to `source`)."""
    downloads = source.parent / "downloads"
    downloads.mkdir()
    with tempfile.TemporaryDirectory(prefix="sealbox-chromium-") as profile:
        async with chromium(Path(profile)) as cdp:
            page = await _open(cdp, f"{live.url}/app/login", downloads)
            await page.wait_for("document.getElementById('login-form') !== null", 120)
            await page.eval(LOG_IN % json.dumps(OWNER_PASSWORD))
            await page.wait_for("document.getElementById('upload-input') !== null", 300)
            figures = Figures(source.stat().st_size)
            sampler = Sampler(page, live)
            await sampler.sample()
            figures.baseline = sampler.peaks

            document = await page.send("DOM.getDocument")
            found = await page.send(
                "DOM.querySelector",
                {"nodeId": document["root"]["nodeId"], "selector": "#upload-input"},
            )
            sampler.start(UPLOAD_PROGRESS)
            started = time.monotonic()
            await page.send(
                "DOM.setFileInputFiles", {"nodeId": found["nodeId"], "files": [str(source)]}
            )
            done = "document.getElementById('upload-status')?.textContent === 'Uploaded 1 file.'"
            failed = "document.querySelector('#upload-status.error')?.textContent"
            await page.wait_for(f"({done}) || ({failed})", timeout_s)
            if error := await page.eval(failed):
                raise RuntimeError(f"the upload failed: {error}")
            figures.upload_s = time.monotonic() - started
            figures.upload = await sampler.stop()

            sampler.start(DOWNLOAD_PROGRESS)
            started = time.monotonic()
            await page.eval(DOWNLOAD % json.dumps(NAME))
            guid = await _downloaded(cdp, timeout_s)
            figures.download_s = time.monotonic() - started
            figures.download = await sampler.stop()
            await page.wait_for("document.querySelector('[data-state=saved]') !== null", 60)
    saved = [p for p in downloads.iterdir() if p.is_file()]
    assert [p.name for p in saved] in ([NAME], [guid]), saved
    return figures, saved[0]
