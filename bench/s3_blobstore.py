# SPDX-License-Identifier: AGPL-3.0-or-later
"""Put/get throughput of a large blob through S3BlobStore, next to raw boto3 as the ceiling.

    .venv/bin/python bench/s3_blobstore.py [--size-mib 256] [--rounds 3]

Starts a throw-away Ceph cluster (scripts/ceph-up, memstore OSD, radosgw on loopback) unless
S3_ENDPOINT, S3_ACCESS_KEY and S3_SECRET_KEY name an existing service and S3_BUCKET a bucket in it.
Rows:
* raw boto3, one PUT / one streamed GET: a single request each way, the ceiling for one stream;
* raw boto3 multipart, the same parts as the store sends, one after the other: what the
  multipart protocol itself costs on this S3 service;
* S3BlobStore, streamed put (1 MiB chunks -> 8 MiB multipart parts, one part in flight while the
  next is read) and streamed get (resumable ranged download).
Every round writes then reads the same bytes and checks their SHA-256 on the way back.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from sealbox.server.blobs.s3 import MiB, S3BlobStore, S3Settings
from sealbox.testing import ceph


def raw_client(endpoint: str, key: str, secret: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}),
    )


def timed(work: Callable[[], Any]) -> float:
    began = time.perf_counter()
    work()
    return time.perf_counter() - began


async def timed_async(work: Callable[[], Any]) -> float:
    began = time.perf_counter()
    await work()
    return time.perf_counter() - began


def bench_raw(client: Any, bucket: str, data: bytes, digest: bytes) -> tuple[float, float]:
    def put() -> None:
        client.put_object(Bucket=bucket, Key="bench/raw", Body=data)

    def get() -> None:
        body = client.get_object(Bucket=bucket, Key="bench/raw")["Body"]
        check = hashlib.sha256()
        for chunk in body.iter_chunks(MiB):
            check.update(chunk)
        assert check.digest() == digest, "raw GET returned different bytes"

    put_seconds = timed(put)
    get_seconds = timed(get)
    client.delete_object(Bucket=bucket, Key="bench/raw")
    return put_seconds, get_seconds


def bench_raw_multipart(client: Any, bucket: str, data: bytes, part_size: int) -> float:
    """One part after the other through plain boto3: what S3's multipart itself costs."""

    def put() -> None:
        upload = client.create_multipart_upload(Bucket=bucket, Key="bench/raw-mp")["UploadId"]
        parts = []
        for number, offset in enumerate(range(0, len(data), part_size), start=1):
            answer = client.upload_part(
                Bucket=bucket,
                Key="bench/raw-mp",
                UploadId=upload,
                PartNumber=number,
                Body=data[offset : offset + part_size],
            )
            parts.append({"PartNumber": number, "ETag": answer["ETag"]})
        client.complete_multipart_upload(
            Bucket=bucket,
            Key="bench/raw-mp",
            UploadId=upload,
            MultipartUpload={"Parts": parts},
        )

    seconds = timed(put)
    client.delete_object(Bucket=bucket, Key="bench/raw-mp")
    return seconds


async def bench_store(store: S3BlobStore, data: bytes, digest: bytes) -> tuple[float, float]:
    async def chunks() -> AsyncIterator[bytes]:
        for offset in range(0, len(data), MiB):
            yield data[offset : offset + MiB]

    async def put() -> None:
        await store.put("store", chunks())

    async def get() -> None:
        check = hashlib.sha256()
        async for chunk in store.get("store"):
            check.update(chunk)
        assert check.digest() == digest, "S3BlobStore returned different bytes"

    put_seconds = await timed_async(put)
    get_seconds = await timed_async(get)
    await store.delete("store")
    return put_seconds, get_seconds


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    cluster: ceph.CephCluster | None = None
    if os.environ.get("S3_ENDPOINT"):
        endpoint = os.environ["S3_ENDPOINT"]
        key, secret = os.environ["S3_ACCESS_KEY"], os.environ["S3_SECRET_KEY"]
        bucket = os.environ.get("S3_BUCKET", "sealbox-bench")
    else:
        ceph.ensure_installed()
        began = time.perf_counter()
        cluster = ceph.start_cluster(Path(tempfile.mkdtemp(prefix="sealbox-bench-ceph-")))
        print(f"Ceph cluster up in {time.perf_counter() - began:.1f} s", file=sys.stderr)
        endpoint, key, secret = cluster.endpoint, cluster.access_key, cluster.secret_key
        bucket = "sealbox-bench"
    client = raw_client(endpoint, key, secret)
    try:
        client.create_bucket(Bucket=bucket)
    except client.exceptions.BucketAlreadyOwnedByYou:
        pass

    size = args.size_mib * MiB
    data = os.urandom(size)
    digest = hashlib.sha256(data).digest()
    store = S3BlobStore(
        S3Settings(
            bucket=bucket,
            endpoint=endpoint,
            prefix="bench/",
            access_key_id=key,
            secret_access_key=secret,
        )
    )
    names = ("raw put", "raw get", "raw multipart", "put", "get")
    results: dict[str, list[float]] = {name: [] for name in names}
    try:
        for _ in range(args.rounds):
            raw_put, raw_get = bench_raw(client, bucket, data, digest)
            raw_multipart = bench_raw_multipart(client, bucket, data, store.settings.part_size)
            put, get = await bench_store(store, data, digest)
            timings = (raw_put, raw_get, raw_multipart, put, get)
            for name, seconds in zip(names, timings, strict=True):
                results[name].append(size / MiB / seconds)
    finally:
        await store.close()
        if cluster is not None:
            cluster.stop()

    def row(label: str, name: str) -> str:
        speeds = results[name]
        return (
            f"| {label:<44} | {statistics.median(speeds):>8.0f} | {min(speeds):>6.0f} "
            f"| {max(speeds):>6.0f} |"
        )

    print(f"\n{args.size_mib} MiB blob, {args.rounds} rounds, endpoint {endpoint}, MiB/s\n")
    print(f"| {'path':<44} | {'median':>8} | {'min':>6} | {'max':>6} |")
    print(f"|{'-' * 46}|{'-' * 10}|{'-' * 8}|{'-' * 8}|")
    print(row("raw boto3 put_object (one request)", "raw put"))
    print(row("raw boto3 multipart, 8 MiB parts one by one", "raw multipart"))
    print(row("S3BlobStore.put (stream, 8 MiB multipart)", "put"))
    print(row("raw boto3 get_object (one streamed request)", "raw get"))
    print(row("S3BlobStore.get (stream)", "get"))


if __name__ == "__main__":
    asyncio.run(main())
