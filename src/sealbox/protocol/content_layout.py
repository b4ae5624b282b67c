# SPDX-License-Identifier: AGPL-3.0-or-later
"""Where the header and each chunk sit inside a content object, from its declared geometry.

A content object is ``header ‖ chunk_0 ‖ … ‖ chunk_{n-1}``. Every chunk but the last carries
``chunk_size + 16`` bytes of ciphertext; the last carries 16 to ``chunk_size + 16``.
"""

from dataclasses import dataclass

from sealbox.protocol.limits import CHUNK_OVERHEAD


@dataclass(frozen=True, slots=True)
class ContentLayout:
    header_size: int
    chunk_size: int
    chunk_count: int
    total_size: int

    def __post_init__(self) -> None:
        if self.chunk_size < 1 or self.chunk_count < 1 or self.header_size < 0:
            raise ValueError("chunk_size and chunk_count must be positive")
        last = self.last_chunk_size
        if not CHUNK_OVERHEAD <= last <= self.full_chunk:
            raise ValueError(
                f"total_size {self.total_size} does not fit {self.chunk_count} chunks of "
                f"{self.full_chunk} bytes after a {self.header_size}-byte header"
            )

    @property
    def full_chunk(self) -> int:
        return self.chunk_size + CHUNK_OVERHEAD

    @property
    def last_chunk_size(self) -> int:
        return self.total_size - self.header_size - (self.chunk_count - 1) * self.full_chunk

    def chunk_length(self, index: int) -> int:
        if not 0 <= index < self.chunk_count:
            raise ValueError(f"chunk index {index} outside 0..{self.chunk_count - 1}")
        return self.last_chunk_size if index == self.chunk_count - 1 else self.full_chunk

    def chunk_offset(self, index: int) -> int:
        """Offset of chunk ``index`` within the whole content object."""
        return self.header_size + index * self.full_chunk
