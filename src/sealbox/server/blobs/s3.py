# SPDX-License-Identifier: AGPL-3.0-or-later
# Over 400 lines: one S3 client and its whole reliability policy, kept together.
"""A blob store on any S3-compatible object store (AWS S3, Ceph radosgw, ...), through aiobotocore.

Reliability policy, in one place:

* Every request has a connect timeout and a per-read timeout, and every call as a whole (with its
  retries) has an operation timeout, so a store that is down or frozen produces a BlobStoreError
  within ``operation_timeout`` seconds instead of hanging the server.
* Transient failures (5xx, throttling, connection errors, resets, timeouts) are retried by
  botocore's "standard" retry mode: exponential backoff with jitter, ``max_attempts`` tries in all.
  This is safe for every request we send, puts included, because every request body is a bytes
  object we hold in memory (a whole small blob, or one part of a multipart upload): a retry resends
  those bytes and never needs to re-read the caller's stream.
* A download that breaks part way is resumed with a range request from the first missing byte,
  pinned to the same object with If-Match, up to ``max_attempts - 1`` times.
* Blobs larger than one part go up as a multipart upload; memory stays bounded by about three
  parts whatever the blob's size, and any failure or cancellation aborts the upload so no parts
  are left behind. S3 publishes the object only when the upload completes, so readers never see
  a prefix.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import os
import random
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Mapping,
)
from dataclasses import dataclass, field
from typing import Any, Literal, NoReturn
from urllib.parse import parse_qs, urlsplit

import aioboto3
import aiohttp
from aiobotocore.config import AioConfig
from botocore.exceptions import BotoCoreError, ClientError

from sealbox.server.blobs.base import BlobInfo, BlobNotFound, BlobStoreError, get_each
from sealbox.server.blobs.presign import MAX_LIFETIME, Presigner
from sealbox.server.blobs.s3_session import botocore_session

MiB = 1024 * 1024
# S3 refuses parts under 5 MiB (except the last) and uploads of more than 10 000 parts.
MIN_PART_SIZE = 5 * MiB
MAX_PARTS = 10_000
# S3 keys are at most 1024 bytes of UTF-8.
MAX_KEY_BYTES = 1024
# How much we ask for per read of a download; the HTTP layer may hand back less.
READ_SIZE = 1 * MiB

ChecksumPolicy = Literal["when_supported", "when_required"]


class BlobAlreadyExists(BlobStoreError):
    """A create-only put found a blob already stored under the key."""


def _credentials(env: Mapping[str, str]) -> dict[str, Any]:
    """The first complete family of credentials in ``env`` (SEALBOX_S3_*, then AWS_*), or none
    (botocore's default chain then applies)."""
    for family in ("SEALBOX_S3_", "AWS_"):
        key_id = env.get(f"{family}ACCESS_KEY_ID")
        secret = env.get(f"{family}SECRET_ACCESS_KEY")
        if key_id or secret:
            if not (key_id and secret):
                raise ValueError(
                    f"S3 credentials: {family}ACCESS_KEY_ID and {family}SECRET_ACCESS_KEY "
                    "must be set together"
                )
            return {
                "access_key_id": key_id,
                "secret_access_key": secret,
                "session_token": env.get(f"{family}SESSION_TOKEN") or None,
            }
    return {}


def _seconds(name: str, value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise ValueError(f"S3 URL: {name} must be a number of seconds, not {value!r}") from None
    if not seconds > 0:
        raise ValueError(f"S3 URL: {name} must be positive, not {value!r}")
    return seconds


def _positive_int(name: str, value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"S3 URL: {name} must be a whole number, not {value!r}") from None
    if number < 1:
        raise ValueError(f"S3 URL: {name} must be at least 1, not {value!r}")
    return number


def _boolean(name: str, value: str) -> bool:
    lowered = value.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"S3 URL: {name} must be true or false, not {value!r}")


@dataclass(frozen=True, slots=True)
class S3Settings:
    """Where the blobs live and how hard to try; built from an ``s3://`` URL by ``from_url``."""

    bucket: str
    endpoint: str | None = None
    region: str = "us-east-1"
    # Prepended to every key, so several deployments (or test workers) can share one bucket.
    prefix: str = ""
    access_key_id: str | None = field(default=None, repr=False)
    secret_access_key: str | None = field(default=None, repr=False)
    session_token: str | None = field(default=None, repr=False)
    addressing_style: Literal["path", "virtual", "auto"] = "path"
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    operation_timeout: float = 120.0
    max_attempts: int = 4
    part_size: int = 8 * MiB
    # With create_only, put refuses to replace an existing blob (BlobAlreadyExists).
    create_only: bool = False
    checksums: ChecksumPolicy = "when_supported"
    max_connections: int = 32
    # Direct transfers (spec/http-api.md §6.6): the store's URL as clients reach it, and how long
    # a presigned URL lives. None (the default) keeps every byte on the API server.
    public_endpoint: str | None = None
    direct_seconds: int = 900

    def __post_init__(self) -> None:
        if not self.bucket:
            raise ValueError("S3 settings: the bucket name is empty")
        if self.part_size < MIN_PART_SIZE:
            raise ValueError(f"S3 settings: part_size must be at least {MIN_PART_SIZE} bytes")
        if (self.access_key_id is None) != (self.secret_access_key is None):
            raise ValueError("S3 settings: give both the access key id and the secret, or neither")
        if self.public_endpoint is not None and self.access_key_id is None:
            raise ValueError(
                "S3 settings: direct transfers (public_endpoint) sign URLs with the store's key: "
                "set SEALBOX_S3_ACCESS_KEY_ID and SEALBOX_S3_SECRET_ACCESS_KEY"
            )
        if not 60 <= self.direct_seconds <= MAX_LIFETIME:
            raise ValueError(f"S3 settings: direct_seconds must be 60 to {MAX_LIFETIME}")

    @classmethod
    def from_url(cls, url: str, environ: Mapping[str, str] | None = None) -> S3Settings:
        """Parse ``s3://bucket[/prefix]?endpoint=...&region=...`` plus credentials from ``environ``.

        Credentials never travel in the URL, because URLs end up in process lists, shell
        histories and logs. They come from SEALBOX_S3_ACCESS_KEY_ID / SEALBOX_S3_SECRET_ACCESS_KEY
        (and optional SEALBOX_S3_SESSION_TOKEN), else from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
        / AWS_SESSION_TOKEN, else botocore's default chain (profiles, instance roles) is used.
        """
        env = os.environ if environ is None else environ
        parts = urlsplit(url)
        if parts.scheme != "s3":
            raise ValueError(f"not an S3 URL (expected s3://bucket?...): {url!r}")
        if parts.username is not None or parts.password is not None:
            raise ValueError(
                "S3 URL: do not put credentials in the URL; set SEALBOX_S3_ACCESS_KEY_ID and "
                "SEALBOX_S3_SECRET_ACCESS_KEY (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
            )
        bucket = parts.netloc
        if not bucket:
            raise ValueError(f"S3 URL: no bucket in {url!r} (expected s3://bucket?...)")
        prefix = parts.path.lstrip("/")
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        known = {
            "endpoint", "region", "addressing_style", "connect_timeout", "read_timeout",
            "operation_timeout", "max_attempts", "part_size_mib", "create_only", "checksums",
            "max_connections", "public_endpoint", "direct_seconds",
        }  # fmt: skip
        query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=False)
        options: dict[str, str] = {}
        for name, values in query.items():
            if name not in known:
                raise ValueError(
                    f"S3 URL: unknown option {name!r}; known options: {', '.join(sorted(known))}"
                )
            if len(values) != 1:
                raise ValueError(f"S3 URL: option {name!r} is given more than once")
            options[name] = values[0]

        kwargs: dict[str, Any] = {"bucket": bucket, "prefix": prefix}
        if "endpoint" in options:
            endpoint = options["endpoint"]
            if urlsplit(endpoint).scheme not in ("http", "https"):
                raise ValueError(f"S3 URL: endpoint must be an http(s) URL, not {endpoint!r}")
            kwargs["endpoint"] = endpoint
        if "region" in options:
            kwargs["region"] = options["region"]
        elif env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION"):
            kwargs["region"] = env.get("AWS_REGION") or env["AWS_DEFAULT_REGION"]
        if "addressing_style" in options:
            style = options["addressing_style"]
            if style not in ("path", "virtual", "auto"):
                raise ValueError("S3 URL: addressing_style must be path, virtual or auto")
            kwargs["addressing_style"] = style
        for name in ("connect_timeout", "read_timeout", "operation_timeout"):
            if name in options:
                kwargs[name] = _seconds(name, options[name])
        if "public_endpoint" in options:
            public = options["public_endpoint"]
            if urlsplit(public).scheme not in ("http", "https"):
                raise ValueError(f"S3 URL: public_endpoint must be an http(s) URL, not {public!r}")
            kwargs["public_endpoint"] = public
        for name in ("max_attempts", "max_connections", "direct_seconds"):
            if name in options:
                kwargs[name] = _positive_int(name, options[name])
        if "part_size_mib" in options:
            kwargs["part_size"] = _positive_int("part_size_mib", options["part_size_mib"]) * MiB
        if "create_only" in options:
            kwargs["create_only"] = _boolean("create_only", options["create_only"])
        if "checksums" in options:
            if options["checksums"] not in ("when_supported", "when_required"):
                raise ValueError("S3 URL: checksums must be when_supported or when_required")
            kwargs["checksums"] = options["checksums"]

        return cls(**kwargs, **_credentials(env))

    @property
    def where(self) -> str:
        """A human-readable location for error messages (never includes credentials)."""
        return f"s3://{self.bucket}/{self.prefix} at {self.endpoint or 'AWS'}"


class _InvalidRange(Exception):
    """The store answered 416: the requested range starts at or past the end of the object."""


async def _exponential_sleep(attempt: int) -> None:
    # Full jitter, as botocore does between its own attempts.
    await asyncio.sleep(random.uniform(0, min(2.0, 0.1 * 2**attempt)))  # noqa: S311


class S3BlobStore:
    """BlobStore on an S3 bucket. The client is created on first use and released by ``close``."""

    def __init__(
        self,
        settings: S3Settings,
        *,
        sleep: Callable[[int], Awaitable[None]] = _exponential_sleep,
    ) -> None:
        self.settings = settings
        # Injected so tests can resume downloads without waiting on real backoff.
        self._resume_sleep = sleep
        self._client: Any = None
        self._exit_stack: contextlib.AsyncExitStack | None = None
        self._client_lock = asyncio.Lock()
        self._closed = False
        self.direct = S3DirectLinks(settings) if settings.public_endpoint else None

    # -- the BlobStore interface -------------------------------------------------------------

    async def put(self, key: str, data: AsyncIterable[bytes] | bytes) -> BlobInfo:
        object_key = self._object_key(key)
        parts: AsyncGenerator[bytes, None]
        if isinstance(data, bytes | bytearray | memoryview):
            parts = _split_bytes(data, self.settings.part_size)
        else:
            parts = _rechunk(data, self.settings.part_size)
        try:
            first = await anext(parts, None)
            if first is None:
                await self._put_single(key, object_key, b"")
                return BlobInfo(key=key, size=0)
            second = await anext(parts, None)
            if second is None:
                await self._put_single(key, object_key, first)
                return BlobInfo(key=key, size=len(first))
            # The list is emptied as parts go up, so no reference here keeps them in memory.
            head = [first, second]
            del first, second
            size = await self._put_multipart(key, object_key, head, parts)
            return BlobInfo(key=key, size=size)
        finally:
            await parts.aclose()

    def get(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        return self._get(key, start, end)

    async def stat(self, key: str) -> BlobInfo | None:
        object_key = self._object_key(key)
        try:
            response = await self._call("head_object", key, Key=object_key)
        except BlobNotFound:
            return None
        return BlobInfo(key=key, size=int(response["ContentLength"]))

    async def get_many(self, keys: list[str]) -> list[bytes]:
        return await get_each(self, keys)

    async def delete(self, key: str) -> None:
        # S3 answers 204 for a missing key too, which is exactly the interface's promise.
        await self._call("delete_object", key, Key=self._object_key(key))

    def list(self, prefix: str = "") -> AsyncIterator[BlobInfo]:
        return self._list(prefix)

    async def close(self) -> None:
        self._closed = True
        async with self._client_lock:
            if self._exit_stack is not None:
                stack, self._exit_stack, self._client = self._exit_stack, None, None
                await stack.aclose()

    # -- reading -----------------------------------------------------------------------------

    async def _get(self, key: str, start: int, end: int | None) -> AsyncIterator[bytes]:
        if start < 0 or (end is not None and end < start):
            raise ValueError(f"invalid byte range [{start}, {end}) for blob {key!r}")
        object_key = self._object_key(key)
        if end == start:
            # An empty range cannot be expressed as an HTTP Range, so only check it is in bounds.
            info = await self.stat(key)
            if info is None:
                raise BlobNotFound(f"no blob {key!r} in {self.settings.where}")
            if start > info.size:
                raise ValueError(f"range [{start}, {end}) is outside blob {key!r} of {info.size} B")
            return

        offset = start
        etag: str | None = None
        stop: int | None = end  # the exclusive end, known once the first answer gives the size
        resumes_left = self.settings.max_attempts - 1
        while True:
            params: dict[str, Any] = {"Key": object_key}
            if offset > 0 or end is not None:
                params["Range"] = f"bytes={offset}-" + ("" if end is None else str(end - 1))
            if etag is not None:
                # A resumed read must continue the same object, not a replacement.
                params["IfMatch"] = etag
            try:
                response = await self._call("get_object", key, **params)
            except _InvalidRange:
                info = await self.stat(key)
                if info is None:
                    raise BlobNotFound(f"no blob {key!r} in {self.settings.where}") from None
                if etag is None and end is None and start == info.size:
                    return  # reading from the very end of a blob yields nothing
                raise ValueError(
                    f"range [{start}, {end}) is outside blob {key!r} of {info.size} bytes"
                ) from None
            body = response["Body"]
            interrupted: Exception | None = None
            try:
                if etag is None:
                    etag = response.get("ETag")
                    size = _object_size(response)
                    if end is not None and end > size:
                        raise ValueError(
                            f"range [{start}, {end}) is outside blob {key!r} of {size} bytes"
                        )
                    stop = size if end is None else end
                while True:
                    try:
                        chunk = await body.read(READ_SIZE)
                    except (BotoCoreError, aiohttp.ClientError, OSError, TimeoutError) as error:
                        interrupted = error
                        break
                    if not chunk:
                        break
                    offset += len(chunk)
                    yield chunk
            finally:
                body.close()
            if stop is not None and offset >= stop:
                return
            # The body broke off (or ended early): continue from the first missing byte.
            if resumes_left <= 0:
                raise BlobStoreError(
                    f"S3 download of {key!r} from {self.settings.where} broke off at byte "
                    f"{offset} of {stop}: {interrupted or 'the body ended early'}"
                ) from interrupted
            resumes_left -= 1
            await self._resume_sleep(self.settings.max_attempts - resumes_left)

    async def _list(self, prefix: str) -> AsyncIterator[BlobInfo]:
        full_prefix = self.settings.prefix + prefix
        strip = len(self.settings.prefix)
        token: str | None = None
        while True:
            params: dict[str, Any] = {"Prefix": full_prefix}
            if token is not None:
                params["ContinuationToken"] = token
            page = await self._call("list_objects_v2", prefix, **params)
            for entry in page.get("Contents", ()):
                yield BlobInfo(key=entry["Key"][strip:], size=int(entry["Size"]))
            token = page.get("NextContinuationToken")
            if not page.get("IsTruncated") or not token:
                return

    # -- writing -----------------------------------------------------------------------------

    async def _put_single(self, key: str, object_key: str, body: bytes) -> None:
        params: dict[str, Any] = {"Key": object_key, "Body": body}
        if self.settings.create_only:
            params["IfNoneMatch"] = "*"
        await self._call("put_object", key, **params)

    async def _put_multipart(
        self,
        key: str,
        object_key: str,
        head: builtins.list[bytes],
        rest: AsyncIterator[bytes],
    ) -> int:
        if self.settings.create_only and await self.stat(key) is not None:
            # Not every store enforces If-None-Match when completing a multipart upload (Ceph 16
            # does not), so we also refuse early when the blob is already there.
            raise BlobAlreadyExists(f"a blob {key!r} already exists in {self.settings.where}")
        creating = asyncio.ensure_future(self._call("create_multipart_upload", key, Key=object_key))
        try:
            created = await asyncio.shield(creating)
        except asyncio.CancelledError:
            # The store may have created the upload although its id has not reached us yet:
            # learn the id and abort, or its parts would linger.
            with contextlib.suppress(BaseException):
                await asyncio.shield(self._abort_when_created(key, object_key, creating))
            raise
        upload_id: str = created["UploadId"]
        completed: list[dict[str, Any]] = []
        in_flight: asyncio.Task[dict[str, Any]] | None = None
        size = 0
        try:
            number = 0
            while True:
                part = head.pop(0) if head else await anext(rest, None)
                if part is None:
                    break
                number += 1
                if number > MAX_PARTS:
                    raise BlobStoreError(
                        f"blob {key!r} needs more than {MAX_PARTS} parts of "
                        f"{self.settings.part_size} bytes; raise part_size_mib"
                    )
                size += len(part)
                # One part uploads while the next one is read from the caller's stream.
                if in_flight is not None:
                    # Shielded: cancelling the put must not cut a part off mid-request (see
                    # _abandon); the part finishes and the upload is then aborted.
                    completed.append(await asyncio.shield(in_flight))
                in_flight = asyncio.create_task(
                    self._upload_part(key, object_key, upload_id, number, part)
                )
                del part
            if in_flight is not None:
                completed.append(await asyncio.shield(in_flight))
                in_flight = None
            params: dict[str, Any] = {
                "Key": object_key,
                "UploadId": upload_id,
                "MultipartUpload": {"Parts": completed},
            }
            if self.settings.create_only:
                params["IfNoneMatch"] = "*"
            await self._call("complete_multipart_upload", key, **params)
        except BaseException:
            # Shielded so that a cancelled put still releases the parts it stored.
            with contextlib.suppress(BaseException):
                await asyncio.shield(self._abandon(key, object_key, upload_id, in_flight))
            raise
        return size

    async def _abort_when_created(
        self, key: str, object_key: str, creating: asyncio.Future[dict[str, Any]]
    ) -> None:
        created = await creating
        await self._abort(key, object_key, created["UploadId"])

    async def _abandon(
        self,
        key: str,
        object_key: str,
        upload_id: str,
        in_flight: asyncio.Task[dict[str, Any]] | None,
    ) -> None:
        # S3 warns that a part still in transit may land after an abort and leave the upload
        # behind, so the part being sent is allowed to finish (within the operation timeout).
        if in_flight is not None:
            with contextlib.suppress(Exception):
                await in_flight
        await self._abort(key, object_key, upload_id)

    async def _upload_part(
        self, key: str, object_key: str, upload_id: str, number: int, body: bytes
    ) -> dict[str, Any]:
        response = await self._call(
            "upload_part",
            key,
            Key=object_key,
            UploadId=upload_id,
            PartNumber=number,
            Body=body,
        )
        return {"PartNumber": number, "ETag": response["ETag"]}

    async def _abort(self, key: str, object_key: str, upload_id: str) -> None:
        await self._call("abort_multipart_upload", key, Key=object_key, UploadId=upload_id)

    # -- plumbing ----------------------------------------------------------------------------

    def _object_key(self, key: str) -> str:
        if not key:
            raise ValueError("blob key is empty")
        object_key = self.settings.prefix + key
        if len(object_key.encode()) > MAX_KEY_BYTES:
            raise ValueError(f"blob key {key!r} is too long for S3 ({MAX_KEY_BYTES} bytes)")
        return object_key

    async def _get_client(self) -> Any:
        if self._closed:
            raise BlobStoreError(f"the S3 blob store for {self.settings.where} is closed")
        if self._client is not None:
            return self._client
        async with self._client_lock:
            if self._client is None:
                s = self.settings
                config = AioConfig(
                    connect_timeout=s.connect_timeout,
                    read_timeout=s.read_timeout,
                    retries={"mode": "standard", "total_max_attempts": s.max_attempts},
                    s3={"addressing_style": s.addressing_style},
                    max_pool_connections=s.max_connections,
                    request_checksum_calculation=s.checksums,
                    response_checksum_validation=s.checksums,
                )
                session = aioboto3.Session(
                    botocore_session=botocore_session(),
                    aws_access_key_id=s.access_key_id,
                    aws_secret_access_key=s.secret_access_key,
                    aws_session_token=s.session_token,
                    region_name=s.region,
                )
                stack = contextlib.AsyncExitStack()
                try:
                    client = await stack.enter_async_context(
                        session.client("s3", endpoint_url=s.endpoint, config=config)
                    )
                    # A HEAD answers 404 without saying whether the key or the bucket is
                    # missing; checking the bucket once keeps stat() from reporting "no blob"
                    # for a misconfigured bucket, and reports a bad set-up on first use.
                    await self._send(client, "head_bucket", "", {})
                except BaseException:
                    await stack.aclose()
                    raise
                self._exit_stack, self._client = stack, client
            return self._client

    async def _call(self, operation: str, key: str, **params: Any) -> dict[str, Any]:
        """Send one S3 request (botocore retries it) and turn every failure into our errors."""
        return await self._send(await self._get_client(), operation, key, params)

    async def _send(
        self, client: Any, operation: str, key: str, params: dict[str, Any]
    ) -> dict[str, Any]:
        method = getattr(client, operation)
        timeout = self.settings.operation_timeout
        target = repr(key) if key else "the bucket"
        try:
            async with asyncio.timeout(timeout):
                response: dict[str, Any] = await method(Bucket=self.settings.bucket, **params)
                return response
        except TimeoutError as error:
            raise BlobStoreError(
                f"S3 {operation} of {target} on {self.settings.where} did not finish within "
                f"{timeout:g} s (store down or overloaded?)"
            ) from error
        except ClientError as error:
            self._raise_client_error(operation, key, error)
        except (BotoCoreError, aiohttp.ClientError, OSError) as error:
            raise BlobStoreError(
                f"S3 {operation} of {target} on {self.settings.where} failed: {error}"
            ) from error

    def _raise_client_error(self, operation: str, key: str, error: ClientError) -> NoReturn:
        info = error.response.get("Error", {})
        code = str(info.get("Code", ""))
        message = info.get("Message") or ""
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        where = self.settings.where
        if code == "NoSuchBucket" or (operation == "head_bucket" and status == 404):
            raise BlobStoreError(f"the bucket {self.settings.bucket!r} does not exist ({where})")
        if code in ("NoSuchKey", "NotFound", "404") or status == 404:
            raise BlobNotFound(f"no blob {key!r} in {where}") from error
        if code == "InvalidRange" or status == 416:
            raise _InvalidRange() from error
        if code in ("PreconditionFailed", "ConditionalRequestConflict") or status in (409, 412):
            if operation in ("put_object", "complete_multipart_upload"):
                raise BlobAlreadyExists(f"a blob {key!r} already exists in {where}") from error
            raise BlobStoreError(f"blob {key!r} changed while it was being read ({where})")
        if code in ("AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch") or status == 403:
            target = "the bucket" if operation == "head_bucket" else repr(key)
            raise BlobStoreError(
                f"S3 refused {operation} of {target} on {where}: {code} {message}; check the "
                "credentials (SEALBOX_S3_ACCESS_KEY_ID / SEALBOX_S3_SECRET_ACCESS_KEY) and the "
                "bucket policy"
            ) from error
        raise BlobStoreError(
            f"S3 {operation} of {key!r} on {where} failed: {code or 'error'} (HTTP {status}) "
            f"{message}".rstrip()
        ) from error


class S3DirectLinks:
    """Presigned URLs on the public endpoint for the store's keys (base.DirectLinks)."""

    def __init__(self, settings: S3Settings) -> None:
        if not (settings.public_endpoint and settings.access_key_id and settings.secret_access_key):
            raise ValueError("S3 settings: direct transfers need public_endpoint and a key")
        self.lifetime = settings.direct_seconds
        self._prefix = settings.prefix
        self._sign = Presigner(
            settings.public_endpoint, settings.bucket, settings.region,
            settings.access_key_id, settings.secret_access_key, settings.session_token,
        )  # fmt: skip

    def put_url(self, key: str, size: int, now: float) -> str:
        return self._sign.put(self._prefix + key, size, self.lifetime, now)

    def get_url(self, key: str, now: float) -> str:
        return self._sign.get(self._prefix + key, self.lifetime, now)


def _object_size(response: Mapping[str, Any]) -> int:
    """The object's total size, from Content-Range on a ranged answer or Content-Length."""
    content_range = response.get("ContentRange")
    if content_range:
        total = str(content_range).rsplit("/", 1)[-1]
        if total.isdigit():
            return int(total)
    return int(response["ContentLength"])


async def _split_bytes(
    data: bytes | bytearray | memoryview, part_size: int
) -> AsyncGenerator[bytes, None]:
    view = memoryview(data)
    for offset in range(0, len(view), part_size):
        yield bytes(view[offset : offset + part_size])


async def _rechunk(stream: AsyncIterable[bytes], part_size: int) -> AsyncGenerator[bytes, None]:
    """Regroup the caller's chunks, whatever their sizes, into parts of exactly ``part_size``.

    Only the chunk that crosses a part boundary is split, so at most one part is buffered here
    besides the part being assembled.
    """
    pieces: list[bytes] = []
    buffered = 0
    async for chunk in stream:
        if not isinstance(chunk, bytes | bytearray | memoryview):
            raise TypeError(f"blob data must be bytes, got {type(chunk).__name__}")
        view = memoryview(chunk)
        while len(view):
            take = min(part_size - buffered, len(view))
            pieces.append(bytes(view[:take]))
            buffered += take
            view = view[take:]
            if buffered == part_size:
                part = b"".join(pieces)
                pieces.clear()
                buffered = 0
                yield part
                del part
    if buffered:
        yield b"".join(pieces)
