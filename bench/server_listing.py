# SPDX-License-Identifier: AGPL-3.0-or-later
"""Benchmark: listing a folder with many children, as JSON and as the binary framing.

Creates the children in folder transactions of 5000 puts (copies of one small file, so no bytes
move), then times a full listing, including the client-side parse, both ways.

    .venv/bin/python bench/server_listing.py --children 100000

Results go to docs/benchmarks.md ("Server").
"""

import argparse
import asyncio
import os
import struct
import tempfile
import time
from pathlib import Path

import httpx

from sealbox.protocol import routes
from sealbox.protocol.models import b64decode, b64encode
from sealbox.testing.http_api import RawApi, file_put, new_id, ok
from sealbox.testing.server_process import ServerProcess

BATCH = 5000
RECORD = 200  # a plausible sealed node record


def parse_binary(data: bytes) -> int:
    _version, manifest_len = struct.unpack_from(">QI", data, 4)
    pos = 16 + manifest_len
    (count,) = struct.unpack_from(">I", data, pos)
    pos += 4
    records = []
    for _ in range(count):
        record_len = struct.unpack_from(">I", data, pos + 50)[0]
        records.append(data[pos + 54 : pos + 54 + record_len])
        pos += 54 + record_len
    assert pos == len(data)
    return len(records)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--db", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sealbox-bench-") as tmp:
        server = ServerProcess(Path(tmp) / "data", args.db)
        server.start()
        try:
            async with httpx.AsyncClient(base_url=server.url, timeout=600) as http:
                api = RawApi(http)
                account = await api.signup()
                _, content = await api.put_small_file(account, account.root_id, os.urandom(64))
                folder = await api.mkdir(account, account.root_id)
                started = time.monotonic()
                made = 0
                while made < args.children:
                    n = min(BATCH, args.children - made)
                    puts = []
                    for _ in range(n):
                        put = file_put(new_id(), folder, content)
                        put["record"] = b64encode(os.urandom(RECORD))
                        puts.append(put)
                    ok(await api.tx(account, manifests=[folder], puts=puts))
                    made += n
                create = time.monotonic() - started
                path = f"/v1/folders/{b64encode(folder)}"

                started = time.monotonic()
                reply = ok(await http.get(path, headers=account.headers))
                records = [b64decode(c["record"]) for c in reply["children"]]
                as_json = time.monotonic() - started
                assert len(records) == args.children

                started = time.monotonic()
                response = await http.get(
                    path, headers={**account.headers, "Accept": routes.LISTING_MEDIA_TYPE}
                )
                assert parse_binary(response.content) == args.children
                as_binary = time.monotonic() - started
        finally:
            server.stop()
    print(f"children: {args.children}, records of {RECORD} bytes")
    print(f"create: {create:.1f} s ({args.children / create:.0f} nodes/s, {BATCH} per transaction)")
    print(f"list as JSON (fetch + parse + base64 decode): {as_json:.2f} s")
    print(f"list as binary framing (fetch + parse): {as_binary:.2f} s")


if __name__ == "__main__":
    asyncio.run(main())
