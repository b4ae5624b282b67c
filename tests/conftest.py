# SPDX-License-Identifier: AGPL-3.0-or-later
"""Services shared by the server and CLI suites: one PostgreSQL cluster per xdist worker and one
Ceph cluster (real radosgw S3) per test run, shared by all workers.

Both are started on first use only, so a focused run that needs neither starts neither.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.config import Config

from sealbox.testing import ceph
from sealbox.testing.postgres import PostgresCluster, find_pg_bin

RUN_ID = os.environ.get("PYTEST_XDIST_TESTRUNUID") or f"solo-{os.getpid()}"
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")


def _on_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PostgresCluster | None]:
    pg_bin = find_pg_bin()
    if pg_bin is None:
        yield None
        return
    cluster = PostgresCluster(pg_bin)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def pg_database(pg_cluster: PostgresCluster | None) -> str:
    """A fresh, empty PostgreSQL database for one test (servers under test migrate it)."""
    if pg_cluster is None:
        message = "no PostgreSQL server binaries installed (run scripts/system-deps)"
        if os.environ.get("SEALBOX_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return pg_cluster.create_database(f"sealbox_{uuid.uuid4().hex[:16]}")


@pytest.fixture(scope="session")
def ceph_cluster() -> Iterator[ceph.CephCluster]:
    try:
        ceph.ensure_installed()
    except ceph.CephUnavailable as error:
        if _on_ci():
            pytest.fail(f"CI needs Ceph for the S3 tests: {error}")
        pytest.skip(f"no Ceph here: {error}")
    cluster = ceph.acquire_shared(RUN_ID)
    try:
        yield cluster
    finally:
        ceph.release_shared(RUN_ID)


@dataclass(frozen=True)
class S3Blobs:
    """Where one test's server processes keep their blobs: a fresh prefix of the worker's bucket."""

    cluster: ceph.CephCluster
    bucket: str
    prefix: str

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}?endpoint={self.cluster.endpoint}"

    @property
    def env(self) -> dict[str, str]:
        return {
            "SEALBOX_S3_ACCESS_KEY_ID": self.cluster.access_key,
            "SEALBOX_S3_SECRET_ACCESS_KEY": self.cluster.secret_key,
        }

    def keys(self) -> list[str]:
        keys: list[str] = []
        pages = raw_client(self.cluster).get_paginator("list_objects_v2")
        for page in pages.paginate(Bucket=self.bucket, Prefix=self.prefix):
            keys += [item["Key"] for item in page.get("Contents", [])]
        return keys

    def empty(self) -> None:
        client = raw_client(self.cluster)
        keys = self.keys()
        for start in range(0, len(keys), 1000):
            batch = [{"Key": key} for key in keys[start : start + 1000]]
            client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})


def raw_client(cluster: ceph.CephCluster) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=cluster.endpoint,
        aws_access_key_id=cluster.access_key,
        aws_secret_access_key=cluster.secret_key,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}),
    )


@pytest.fixture(scope="session")
def stack_bucket(ceph_cluster: ceph.CephCluster) -> str:
    name = f"sealbox-stack-{WORKER}".lower()
    client = raw_client(ceph_cluster)
    try:
        client.create_bucket(Bucket=name)
    except client.exceptions.BucketAlreadyOwnedByYou:
        pass
    return name


@pytest.fixture
def s3_blobs(ceph_cluster: ceph.CephCluster, stack_bucket: str) -> Iterator[S3Blobs]:
    blobs = S3Blobs(ceph_cluster, stack_bucket, f"t-{uuid.uuid4().hex}/")
    yield blobs
    # The test OSD keeps objects in RAM: give the space back to the tests that follow.
    blobs.empty()
