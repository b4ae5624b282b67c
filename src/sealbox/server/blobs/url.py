# SPDX-License-Identifier: AGPL-3.0-or-later
"""Open a blob store from the URL an operator gives on the command line (``--blobs URL``).

* ``s3://bucket[/prefix]?endpoint=https://...&region=...``: an S3-compatible service (see s3.py
  and docs/s3.md for every option and where the credentials come from);
* ``file:///srv/sealbox/blobs`` or a plain path: the filesystem store;
* ``memory://``: the in-memory store, for tests and demonstrations only (it forgets everything).

Each store module is imported only when its scheme is used, so a deployment on local disk never
loads the S3 client library.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast
from urllib.parse import unquote, urlsplit

from sealbox.server.blobs.base import BlobStore


def open_blob_store(url: str, environ: Mapping[str, str] | None = None) -> BlobStore:
    """Build the blob store that ``url`` names; raises ValueError for a URL we cannot use."""
    url = url.strip()
    if not url:
        raise ValueError("blob store URL is empty")
    scheme = urlsplit(url).scheme.lower() if "://" in url else ""
    if scheme == "s3":
        from sealbox.server.blobs.s3 import S3BlobStore, S3Settings

        return S3BlobStore(S3Settings.from_url(url, environ))
    if scheme == "memory":
        return cast(BlobStore, _store_class("memory", "MemoryBlobStore")())
    if scheme == "file":
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise ValueError(f"file URL must name a local path (file:///path), not {url!r}")
        if parts.query or parts.fragment:
            raise ValueError(f"file URL takes no options: {url!r}")
        return _filesystem(Path(unquote(parts.path)))
    if scheme:
        raise ValueError(
            f"unknown blob store scheme {scheme!r} in {url!r}; use s3://, file:// or memory://"
        )
    return _filesystem(Path(url))


def _filesystem(root: Path) -> BlobStore:
    if not str(root):
        raise ValueError("filesystem blob store needs a directory")
    return cast(BlobStore, _store_class("filesystem", "FilesystemBlobStore")(root))


def _store_class(module: str, name: str) -> Any:
    # Imported by name on first use, like the S3 store above, so that only the store a deployment
    # actually uses is ever loaded.
    return getattr(importlib.import_module(f"sealbox.server.blobs.{module}"), name)
