# SPDX-License-Identifier: AGPL-3.0-or-later
"""``python -m sealbox.inspector --server URL --hash-set FILE ...`` (token in
$SEALBOX_INSPECTOR_TOKEN): run the inspector; docs/compliance.md says how to deploy it."""

import argparse
import asyncio
import os
import sys
from pathlib import Path

from sealbox.inspector.run import Config, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sealbox-inspector", description=__doc__)
    parser.add_argument("--server", required=True, help="The server's URL.")
    parser.add_argument("--hash-set", action="append", default=[], type=Path,
                        help="A hash set file (JSON); repeat for several.")  # fmt: skip
    parser.add_argument("--pdq-distance", type=int, default=31,
                        help="Largest Hamming distance that counts as a PDQ match.")  # fmt: skip
    parser.add_argument("--once", action="store_true", help="Stop when the queue is empty.")
    args = parser.parse_args(argv)
    token = os.environ.get("SEALBOX_INSPECTOR_TOKEN", "")
    if not token:
        print("set SEALBOX_INSPECTOR_TOKEN to an inspector token (sealbox admin operators add "
              "NAME --role inspector)", file=sys.stderr)  # fmt: skip
        return 2
    config = Config(args.server, token, tuple(args.hash_set), args.pdq_distance)
    try:
        outcomes = asyncio.run(run(config, once=args.once))
    except (OSError, ValueError) as exc:
        print(f"inspector stopped: {exc}", file=sys.stderr)
        return 1
    for outcome in outcomes:
        state = outcome.error or (f"match: {outcome.matched}" if outcome.matched else "no match")
        print(f"report {outcome.report_id.hex()}: {state}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
