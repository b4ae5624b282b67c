# SPDX-License-Identifier: AGPL-3.0-or-later
"""Presigned URLs for direct transfers (spec/http-api.md §6.6): exactly botocore's SigV4 query
signature, and the S3 URL options that turn them on. Their use against a real store is in
tests/client/test_direct_transfers.py (Ceph)."""

from __future__ import annotations

import calendar
import time
from urllib.parse import parse_qs, urlsplit

import botocore.session
import pytest
from botocore.config import Config

from sealbox.server.blobs.base import direct_links
from sealbox.server.blobs.memory import MemoryBlobStore
from sealbox.server.blobs.metered import MeteredBlobStore
from sealbox.server.blobs.presign import Presigner
from sealbox.server.blobs.s3 import S3BlobStore, S3Settings

KEYS = {"SEALBOX_S3_ACCESS_KEY_ID": "AKEXAMPLE", "SEALBOX_S3_SECRET_ACCESS_KEY": "s3cr3t/+="}


def _botocore(endpoint: str, token: str | None = None) -> object:
    return botocore.session.get_session().create_client(
        "s3", endpoint_url=endpoint, region_name="eu-west-3",
        aws_access_key_id="AKEXAMPLE", aws_secret_access_key="s3cr3t/+=", aws_session_token=token,
        config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"),
    )  # fmt: skip


def _instant(url: str) -> float:
    stamp = parse_qs(urlsplit(url).query)["X-Amz-Date"][0]
    return float(calendar.timegm(time.strptime(stamp, "%Y%m%dT%H%M%SZ")))


def _same(ours: str, theirs: str) -> bool:
    """The same URL, query parameters in any order (botocore puts the session token last)."""
    a, b = urlsplit(ours), urlsplit(theirs)
    return a._replace(query="") == b._replace(query="") and sorted(a.query.split("&")) == sorted(
        b.query.split("&")
    )


@pytest.mark.parametrize(
    ("endpoint", "token"),
    [
        ("https://s3.example.net", None),
        ("http://127.0.0.1:7480", None),
        ("https://store.example.org:443/base", "session+token/=="),
    ],
)
@pytest.mark.parametrize("key", ["p/chunks/AbC-_x/0", "t-1/chunks/zz/12345", "a b/ü~!"])
def test_urls_are_exactly_botocores(endpoint: str, token: str | None, key: str) -> None:
    client = _botocore(endpoint, token)
    ours = Presigner(endpoint, "bucket", "eu-west-3", "AKEXAMPLE", "s3cr3t/+=", token)
    theirs = client.generate_presigned_url(  # type: ignore[attr-defined]
        "put_object",
        Params={"Bucket": "bucket", "Key": key, "ContentLength": 4194320, "IfNoneMatch": "*"},
        ExpiresIn=900,
    )
    assert _same(ours.put(key, 4194320, 900, _instant(theirs)), theirs)
    theirs = client.generate_presigned_url(  # type: ignore[attr-defined]
        "get_object", Params={"Bucket": "bucket", "Key": key}, ExpiresIn=61
    )
    assert _same(ours.get(key, 61, _instant(theirs)), theirs)


def test_a_put_url_signs_the_length_and_the_create_only_condition() -> None:
    url = Presigner("https://s3.example.net", "b", "us-east-1", "AK", "SK").put("k", 7, 60, 0.0)
    signed = parse_qs(urlsplit(url).query)["X-Amz-SignedHeaders"][0]
    assert signed == "content-length;host;if-none-match"


def test_lifetimes_outside_what_sigv4_allows_are_refused() -> None:
    signer = Presigner("https://s3.example.net", "b", "us-east-1", "AK", "SK")
    with pytest.raises(ValueError, match="seconds"):
        signer.get("k", 0)
    with pytest.raises(ValueError, match="seconds"):
        signer.get("k", 8 * 24 * 3600)


def test_direct_transfers_are_off_unless_the_operator_names_a_public_endpoint() -> None:
    plain = S3BlobStore(S3Settings.from_url("s3://b?endpoint=http://10.0.0.5:7480", KEYS))
    assert direct_links(plain) is None
    assert direct_links(MemoryBlobStore()) is None  # type: ignore[arg-type]
    url = "s3://b/p?endpoint=http://10.0.0.5:7480&public_endpoint=https://s3.example.net"
    store = S3BlobStore(S3Settings.from_url(url + "&direct_seconds=120", KEYS))
    links = direct_links(store)
    assert links is not None and links.lifetime == 120
    # Signed for the public endpoint, under the deployment's prefix.
    assert links.get_url("chunks/x/0", 0.0).startswith("https://s3.example.net/b/p/chunks/x/0?")
    # The metered wrapper the app puts around every store passes them on.
    assert direct_links(MeteredBlobStore(store, lambda _: None)) is links  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("public_endpoint=ftp://x", "public_endpoint must be an http"),
        ("public_endpoint=https://x&direct_seconds=30", "direct_seconds must be 60"),
        ("public_endpoint=https://x&direct_seconds=soon", "whole number"),
    ],
)
def test_bad_direct_options_are_refused(query: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        S3Settings.from_url(f"s3://b?{query}", KEYS)


def test_direct_transfers_need_a_key_to_sign_with() -> None:
    with pytest.raises(ValueError, match="SEALBOX_S3_ACCESS_KEY_ID"):
        S3Settings.from_url("s3://b?public_endpoint=https://x", {})


def test_urls_signed_many_at_a_time_are_each_what_a_fresh_signer_makes() -> None:
    """The signed query is kept between URLs signed in the same second; a URL signed later, for
    another lifetime or another method, must not reuse one made for something else."""
    endpoint, now = "https://store.example.org/base", 1_796_000_000.0
    shared = Presigner(endpoint, "bucket", "eu-west-3", "AKEXAMPLE", "s3cr3t/+=", "tok/+=")
    for at in (now, now, now + 1, now + 86_400, now):
        for index, lifetime in ((0, 900), (1, 900), (2, 61)):
            key = f"p/chunks/AbC/{index}"
            fresh = Presigner(endpoint, "bucket", "eu-west-3", "AKEXAMPLE", "s3cr3t/+=", "tok/+=")
            assert shared.put(key, 4194320 + index, lifetime, at) == fresh.put(
                key, 4194320 + index, lifetime, at
            )
            assert shared.get(key, lifetime, at) == fresh.get(key, lifetime, at)
