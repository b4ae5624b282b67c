# SPDX-License-Identifier: AGPL-3.0-or-later
"""The botocore session the S3 store's client is made from: botocore's, with a cheaper parser
for the timestamps of an answer.

botocore parses every timestamp in an answer through ``dateutil``, which costs about 30 µs each
here. A listing carries one per key (``LastModified``), so parsing the ``ListObjectsV2`` answer
for a 1 GiB upload's 256 chunk keys took about 12 ms of CPU, 70 % of it on timestamps the store
never uses; confirming a direct upload lists those keys (spec/http-api.md §6.6), and that is the
API server's CPU per GB moved (docs/benchmarks.md, "Direct transfers on the Ceph stack").

``parse_time`` reads ISO 8601 with an offset (how S3's XML gives times:
``2026-12-04T21:00:00.000Z``) with ``datetime.fromisoformat``, and hands anything else (the HTTP
dates of headers, epoch numbers, a time without an offset) to botocore's own parser, so every
value parses to the same instant as before. It is installed with botocore's documented
``set_parser_defaults``, as the AWS CLI installs its own.
"""

from __future__ import annotations

import datetime
from typing import Any

from aiobotocore.session import AioSession, get_session
from botocore.utils import parse_timestamp

__all__ = ["botocore_session", "parse_time"]


def parse_time(value: Any) -> datetime.datetime:
    """The instant ``value`` names, as botocore's ``parse_timestamp`` gives it."""
    if isinstance(value, str):
        try:
            parsed = datetime.datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if parsed.tzinfo is not None:
                return parsed
    instant: datetime.datetime = parse_timestamp(value)  # untyped in botocore
    return instant


def botocore_session() -> AioSession:
    """A new botocore session whose clients parse timestamps with ``parse_time``."""
    session = get_session()
    session.get_component("response_parser_factory").set_parser_defaults(
        timestamp_parser=parse_time
    )
    return session
