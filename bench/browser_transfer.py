# SPDX-License-Identifier: AGPL-3.0-or-later
"""A 1 GiB file through the browser client and back, with the page's memory watched (issue 18).

    PYTHONPATH=src .venv/bin/python bench/browser_transfer.py --size-mib 1024

Starts the real app on loopback (the test server of tests/web), signs alice up with the SDK, then
drives Debian's Chromium over the DevTools protocol: log in, upload the file with the file input,
download it through the service-worker stream, compare SHA-256. Prints throughput both ways and
the peak memory of the renderer processes (page and service worker), of all Chromium processes,
and of the page's JavaScript heap, each phase against the logged-in page before it
(tests/web/transfer.py says how, and why not through Playwright).
tests/web/test_large_transfer.py runs the same path with a CI-sized file and asserts the bounds.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.web.browser import live_server, make_owner
from tests.web.transfer import MIB, NAME, sha256_of, transfer, write_random


async def main(size_mib: int) -> int:
    with tempfile.TemporaryDirectory(prefix="sealbox-browser-bench-") as tmp:
        root = Path(tmp)
        source = root / NAME
        expected = write_random(source, size_mib * MIB)
        with live_server(root / "server") as live:
            async with httpx.AsyncClient(base_url=live.url, timeout=60) as http:
                await make_owner(live, http, root)
            figures, downloaded = await transfer(live, source, timeout_s=3600)
            same = sha256_of(downloaded) == expected
        print(figures.report())
        print(f"bytes equal (SHA-256): {same}")
        return 0 if same else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size-mib", type=int, default=1024)
    sys.exit(asyncio.run(main(parser.parse_args().size_mib)))
