# SPDX-License-Identifier: AGPL-3.0-or-later
"""The server's CPU per GB on a put, with the client out of the picture.

    .venv/bin/python bench/concurrent_put_cost.py --size-mib 2048 --lanes 4 --rounds 3

Starts a real ``sealbox server`` (SQLite + local disk), opens one upload of 4 MiB chunks and
sends them over ``--lanes`` keep-alive connections at once (as the CLI keeps four chunks in
flight), from threads that only write prepared bytes to their sockets, so the server runs as fast
as it can and its group commits fill as they would under a fast client. Prints, per round, the
rate and the server's CPU per GB (user and system apart, from /proc). ``bench/server_cpu.py``
measures the same through the real CLI, whose own speed sets how many chunks each group commit
takes. Run it with ``PYTHONPATH=<other tree>/src`` to measure another tree's server.
"""

from __future__ import annotations

import argparse
import threading

from chunk_request_cost import TAG, bench_server, open_upload, send_indexes

CHUNK = (4 << 20) + TAG


def one_round(lanes: int, count: int) -> tuple[float, float, float]:
    """Rate in MB/s and the server's user and system CPU s per GB for one fresh server."""
    with bench_server("sealbox-put-cost-") as server:
        content = open_upload(server.url, server.headers, CHUNK, count)

        def send() -> None:
            threads = [
                threading.Thread(
                    target=send_indexes,
                    args=(server.port, server.headers, content, CHUNK, range(lane, count, lanes)),
                )
                for lane in range(lanes)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()

        wall, user, system = server.measure(send)
    gb = count * CHUNK / 1e9
    return gb / wall * 1000, user / gb, system / gb


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=2048, help="bytes sent per round")
    parser.add_argument("--lanes", type=int, default=4, help="connections at once")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    count = max(args.lanes, args.size_mib // 4)
    print("| round | rate | server CPU s/GB | user | system |")
    print("|---:|---:|---:|---:|---:|")
    for round_number in range(1, args.rounds + 1):
        rate, user, system = one_round(args.lanes, count)
        print(
            f"| {round_number} | {rate:.0f} MB/s | {user + system:.2f} | {user:.2f} | "
            f"{system:.2f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
