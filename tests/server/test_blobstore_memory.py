# SPDX-License-Identifier: AGPL-3.0-or-later
from pathlib import Path

from sealbox.server.blobs.base import BlobStore
from sealbox.server.blobs.memory import MemoryBlobStore
from sealbox.testing.blobstore import BlobStoreConformance


class TestMemoryBlobStore(BlobStoreConformance):
    async def create_store(self, tmp_path: Path) -> BlobStore:
        return MemoryBlobStore()
