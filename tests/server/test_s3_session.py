# SPDX-License-Identifier: AGPL-3.0-or-later
"""The S3 store's botocore session parses an answer's timestamps to the same instants as
botocore's own parser, only cheaper (server/blobs/s3_session.py)."""

from __future__ import annotations

import datetime

import botocore.session
import pytest
from botocore.parsers import ResponseParserFactory
from botocore.utils import parse_timestamp
from hypothesis import given
from hypothesis import strategies as st

from sealbox.server.blobs.s3_session import botocore_session, parse_time

LISTING = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name>'
    b"<Prefix>p/</Prefix><KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys>"
    b"<IsTruncated>false</IsTruncated>"
    b"<Contents><Key>p/chunks/a/0</Key><LastModified>2026-12-04T21:00:07.125Z</LastModified>"
    b"<ETag>&quot;d41d8cd98f00b204e9800998ecf8427e&quot;</ETag><Size>4194320</Size>"
    b"<StorageClass>STANDARD</StorageClass></Contents>"
    b"<Contents><Key>p/chunks/a/1</Key><LastModified>2026-12-04T23:59:59+01:00</LastModified>"
    b"<ETag>&quot;x&quot;</ETag><Size>10</Size><StorageClass>STANDARD</StorageClass></Contents>"
    b"</ListBucketResult>"
)


@pytest.mark.parametrize(
    "value",
    [
        "2026-12-04T21:00:07.125Z",  # S3's XML
        "2026-12-04T21:00:07Z",
        "2026-12-04T22:00:07.125+01:00",
        "Fri, 04 Dec 2026 21:00:07 GMT",  # a Last-Modified header
        "2026-12-04T21:00:07",  # no offset: botocore's reading, whatever it is
        1796418007,
        1796418007.5,
        "1796418007",
    ],
)
def test_each_form_parses_to_botocores_instant(value: object) -> None:
    ours, theirs = parse_time(value), parse_timestamp(value)
    assert ours == theirs
    assert ours.utcoffset() == theirs.utcoffset()


@given(st.datetimes(min_value=datetime.datetime(1970, 1, 1), timezones=st.just(datetime.UTC)))
def test_every_s3_time_parses_to_botocores_instant(when: datetime.datetime) -> None:
    text = when.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    assert parse_time(text) == parse_timestamp(text)


def test_a_value_that_is_no_time_is_refused_as_botocore_refuses_it() -> None:
    with pytest.raises(ValueError):
        parse_timestamp("yesterday-ish")
    with pytest.raises(ValueError):
        parse_time("yesterday-ish")


@pytest.mark.anyio
async def test_the_sessions_parser_reads_a_listing_as_botocore_does() -> None:
    session = botocore_session()
    model = botocore.session.get_session().get_service_model("s3")
    shape = model.operation_model("ListObjectsV2").output_shape
    answer = {"body": LISTING, "headers": {}, "status_code": 200}
    ours = session.get_component("response_parser_factory").create_parser("rest-xml")
    theirs = ResponseParserFactory().create_parser("rest-xml")
    assert await ours.parse(answer, shape) == theirs.parse(answer, shape)
    assert ours._timestamp_parser is parse_time  # the cheap parser, not botocore's default
