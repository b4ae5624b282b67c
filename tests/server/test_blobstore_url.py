# SPDX-License-Identifier: AGPL-3.0-or-later
"""Blob store URLs: the s3:// settings parser and the URL -> store factory (no network here)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from sealbox.server.blobs.s3 import MiB, S3BlobStore, S3Settings
from sealbox.server.blobs.url import open_blob_store

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "aws-id", "AWS_SECRET_ACCESS_KEY": "aws-secret"}


def test_full_s3_url() -> None:
    settings = S3Settings.from_url(
        "s3://blobs/sealbox/prod?endpoint=http://127.0.0.1:7480&region=eu-west-3"
        "&addressing_style=virtual&connect_timeout=2.5&read_timeout=10&operation_timeout=60"
        "&max_attempts=6&part_size_mib=16&create_only=true&checksums=when_required"
        "&max_connections=8",
        CREDENTIALS,
    )
    assert settings.bucket == "blobs"
    assert settings.prefix == "sealbox/prod/"
    assert settings.endpoint == "http://127.0.0.1:7480"
    assert settings.region == "eu-west-3"
    assert settings.addressing_style == "virtual"
    assert (settings.connect_timeout, settings.read_timeout) == (2.5, 10.0)
    assert settings.operation_timeout == 60.0
    assert settings.max_attempts == 6
    assert settings.part_size == 16 * MiB
    assert settings.create_only is True
    assert settings.checksums == "when_required"
    assert settings.max_connections == 8
    assert (settings.access_key_id, settings.secret_access_key) == ("aws-id", "aws-secret")


def test_defaults() -> None:
    settings = S3Settings.from_url("s3://bucket", {})
    assert settings.endpoint is None
    assert settings.prefix == ""
    assert settings.region == "us-east-1"
    assert settings.part_size == 8 * MiB
    assert settings.create_only is False
    assert settings.access_key_id is None  # botocore's default chain decides


def test_region_from_the_environment() -> None:
    assert S3Settings.from_url("s3://b", {"AWS_REGION": "ap-south-1"}).region == "ap-south-1"
    assert S3Settings.from_url("s3://b", {"AWS_DEFAULT_REGION": "ca-central-1"}).region == (
        "ca-central-1"
    )


def test_sealbox_credentials_win_over_aws_ones() -> None:
    env = {
        **CREDENTIALS,
        "SEALBOX_S3_ACCESS_KEY_ID": "ours",
        "SEALBOX_S3_SECRET_ACCESS_KEY": "our-secret",
        "SEALBOX_S3_SESSION_TOKEN": "token",
    }
    settings = S3Settings.from_url("s3://b", env)
    assert (settings.access_key_id, settings.secret_access_key) == ("ours", "our-secret")
    assert settings.session_token == "token"


def test_secrets_stay_out_of_repr() -> None:
    settings = S3Settings.from_url("s3://b?endpoint=http://h:1", CREDENTIALS)
    assert "aws-secret" not in repr(settings)
    assert "aws-secret" not in settings.where


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("s3://id:secret@bucket", "credentials in the URL"),
        ("s3://", "no bucket"),
        ("s3://b?colour=blue", "unknown option 'colour'"),
        ("s3://b?region=a&region=b", "more than once"),
        ("s3://b?endpoint=ftp://x", "http"),
        ("s3://b?connect_timeout=soon", "number of seconds"),
        ("s3://b?read_timeout=0", "positive"),
        ("s3://b?max_attempts=0", "at least 1"),
        ("s3://b?part_size_mib=4", "at least"),
        ("s3://b?create_only=maybe", "true or false"),
        ("s3://b?addressing_style=sideways", "path, virtual or auto"),
        ("s3://b?checksums=always", "when_supported"),
        ("http://b", "not an S3 URL"),
    ],
)
def test_bad_s3_urls_are_explained(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        S3Settings.from_url(url, {})


def test_half_a_credential_pair_is_refused() -> None:
    with pytest.raises(ValueError, match="set together"):
        S3Settings.from_url("s3://b", {"AWS_ACCESS_KEY_ID": "only-the-id"})


def test_factory_builds_an_s3_store() -> None:
    store = open_blob_store("s3://bucket?endpoint=http://127.0.0.1:1", CREDENTIALS)
    assert isinstance(store, S3BlobStore)
    assert store.settings.bucket == "bucket"


@pytest.mark.parametrize("url", ["", "   ", "gopher://x", "file://elsewhere/x", "file:///x?y=1"])
def test_factory_refuses_unusable_urls(url: str) -> None:
    with pytest.raises(ValueError):
        open_blob_store(url)


# The filesystem and memory stores come from the server's own modules; these run once they exist.
def _has(module: str) -> bool:
    return importlib.util.find_spec(f"sealbox.server.blobs.{module}") is not None


@pytest.mark.skipif(not _has("filesystem"), reason="the filesystem store is not merged yet")
def test_factory_builds_a_filesystem_store_from_a_path_or_file_url(tmp_path: Path) -> None:
    from sealbox.server.blobs.filesystem import FilesystemBlobStore

    assert isinstance(open_blob_store(str(tmp_path)), FilesystemBlobStore)
    assert isinstance(open_blob_store(tmp_path.as_uri()), FilesystemBlobStore)


@pytest.mark.skipif(not _has("memory"), reason="the memory store is not merged yet")
def test_factory_builds_a_memory_store() -> None:
    from sealbox.server.blobs.memory import MemoryBlobStore

    assert isinstance(open_blob_store("memory://"), MemoryBlobStore)
