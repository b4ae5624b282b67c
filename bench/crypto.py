# SPDX-License-Identifier: AGPL-3.0-or-later
"""Crypto throughput against the raw content cipher on the same bytes, measured in the same run.

Usage: .venv/bin/python bench/crypto.py [--mib 512] [--runs 5]

Prints one table: raw AES-256-GCM (pyca/cryptography's AESGCM into one preallocated buffer, no
framing; docs/decisions/0901-content-cipher.md) as the ceiling, the
content-object format (STREAM framing, header, commitment, streaming reader) as measured, their
ratio, and Argon2id time at the floor and default parameters.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import time
from collections.abc import Callable

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sealbox.crypto import content, password
from sealbox.crypto.keys import FileKey

CHUNK = content.DEFAULT_CHUNK_SIZE


def median_seconds(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mib", type=int, default=512, help="data per run (MiB)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    size = args.mib * 1024 * 1024
    data = os.urandom(size)
    chunks = [data[i : i + CHUNK] for i in range(0, size, CHUNK)]
    key = os.urandom(32)
    nonce = os.urandom(12)
    ad = os.urandom(32)

    # The ceiling: the content cipher called directly on the same chunks, writing into one
    # preallocated buffer, with no framing, no key schedule per chunk, no allocation and no copy.
    aes = AESGCM(key)
    out = bytearray(CHUNK + 16)
    back = bytearray(CHUNK)

    def raw_encrypt() -> None:
        for c in chunks:
            aes.encrypt_into(nonce, c, ad, out)

    sealed_raw = [aes.encrypt(nonce, c, ad) for c in chunks]

    def raw_decrypt() -> None:
        for c in sealed_raw:
            aes.decrypt_into(nonce, c, ad, back)

    file_key, content_id = FileKey.generate(), os.urandom(16)
    encryptor = content.ContentEncryptor(file_key, content_id)

    def reader(buffer: bytes) -> Callable[[int], memoryview]:
        # Reads hand out views of data already in memory, so the table measures the format's
        # own cost rather than the allocator's (a real reader adds its I/O on top of both).
        view, position = memoryview(buffer), 0

        def read(size: int) -> memoryview:
            nonlocal position
            part = view[position : position + size]
            position += len(part)
            return part

        return read

    def format_encrypt() -> None:
        # Consumed chunk by chunk, as an uploader sends each one before sealing the next.
        for _ in encryptor.encrypt_stream(reader(data)):
            pass

    sealed = list(encryptor.encrypt_stream(io.BytesIO(data).read))
    body = b"".join(sealed[1:])

    def format_decrypt() -> None:
        decryptor = content.ContentDecryptor(
            file_key, sealed[0], content_id, encryptor.header_hash, size
        )
        for _ in decryptor.decrypt_stream(reader(body)):
            pass

    def rate(seconds: float) -> float:
        return size / seconds / 1e6

    # Ceiling and measured case alternate run by run, so a busy neighbour on the machine slows
    # both alike instead of skewing the ratio.
    times: dict[str, list[float]] = {}
    for _ in range(args.runs):
        for name, fn in (
            ("raw_enc", raw_encrypt),
            ("enc", format_encrypt),
            ("raw_dec", raw_decrypt),
            ("dec", format_decrypt),
        ):
            times.setdefault(name, []).append(median_seconds(fn, 1))
    med = {name: rate(statistics.median(values)) for name, values in times.items()}
    rows = [
        ("encrypt, 4 MiB chunks", med["raw_enc"], med["enc"]),
        ("decrypt, 4 MiB chunks", med["raw_dec"], med["dec"]),
    ]

    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {args.mib} MiB x {args.runs} runs (median)"
    )
    print()
    print("| case | raw AES-256-GCM MB/s (ceiling) | Sealbox format MB/s | ratio |")
    print("|---|---:|---:|---:|")
    for name, ceiling, measured in rows:
        print(f"| {name} | {ceiling:.0f} | {measured:.0f} | {measured / ceiling:.1%} |")
    print()
    print("| Argon2id (libsodium, p = 1) | seconds (median) |")
    print("|---|---:|")
    for label, ops, mem in (
        ("floor: 2 passes, 64 MiB", password.FLOOR_OPSLIMIT, password.FLOOR_MEMLIMIT),
        ("default: 3 passes, 256 MiB", password.DEFAULT_OPSLIMIT, password.DEFAULT_MEMLIMIT),
    ):
        params = password.KdfParams(ops, mem, os.urandom(16))
        seconds = median_seconds(lambda p=params: password.derive_password_keys("pw", p), 3)
        print(f"| {label} | {seconds:.3f} |")


if __name__ == "__main__":
    main()
