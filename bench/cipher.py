# SPDX-License-Identifier: AGPL-3.0-or-later
"""The content cipher in Python: XChaCha20-Poly1305 (libsodium) against AES-256-GCM (pyca).

Usage: .venv/bin/python bench/cipher.py [--mib 256] [--runs 7] [--chunks 4096,64]

Seals and opens the same random data in 4 MiB chunks (and 64 KiB ones, for context) and prints
one table per chunk size: MB/s (wall clock) and CPU s/GB (this thread's CPU time, median and
minimum of the runs) for seal and for open. MB and GB are 10^6 and 10^9 bytes. Every case runs
once per round and rounds repeat, so load from other processes falls on all cases alike; on a
shared machine read the CPU columns, which waiting for a core does not inflate.

Cases:
- the raw ciphers with no allocation per chunk: libsodium's XChaCha20-Poly1305 in place (what
  content chunks used before docs/decisions/0901-content-cipher.md; called through PyNaCl's cffi
  module as ``sealbox.crypto._sodium`` calls it), pyca/cryptography's ``AESGCM``
  ``encrypt_into``/``decrypt_into`` into a preallocated buffer (its documented use), and
  libsodium's own AES-256-GCM for context (it exists only on CPUs with AES-NI and CLMUL);
- the same ciphers through their allocating calls (a new buffer per chunk);
- the content format end to end (AES-256-GCM since the decision): ``ContentEncryptor`` /
  ``ContentDecryptor`` in place (what transfers call per chunk) and through their streams.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography.hazmat.backends.openssl import backend as _openssl
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from nacl._sodium import ffi, lib

from sealbox.crypto import _sodium, content
from sealbox.crypto.keys import FileKey

TAG = 16
GCM_NONCE = 12
Step = Callable[[], None]


@dataclass
class Case:
    name: str
    seal: Step
    open: Step
    wall: dict[str, list[float]] = field(default_factory=lambda: {"seal": [], "open": []})
    cpu: dict[str, list[float]] = field(default_factory=lambda: {"seal": [], "open": []})


def measure(step: Step) -> tuple[float, float]:
    """Wall and this thread's CPU seconds of one call (the ciphers run on the calling thread)."""
    cpu, wall = time.thread_time(), time.perf_counter()
    step()
    return time.perf_counter() - wall, time.thread_time() - cpu


def xchacha_in_place(seal: bool, key: bytes, nonce: bytes, buf: bytearray, ad: bytes) -> None:
    """libsodium's XChaCha20-Poly1305 in place, as the content format called it before the
    switch (the in-place calls left ``sealbox.crypto._sodium`` with it)."""
    with ffi.from_buffer(buf, require_writable=True) as pointer:
        if seal:
            lib.crypto_aead_xchacha20poly1305_ietf_encrypt(
                pointer, ffi.NULL, pointer, len(buf) - TAG, ad, len(ad), ffi.NULL, nonce, key
            )
            return
        status = lib.crypto_aead_xchacha20poly1305_ietf_decrypt(
            pointer, ffi.NULL, ffi.NULL, pointer, len(buf), ad, len(ad), nonce, key
        )
    if status != 0:
        raise ValueError("XChaCha20-Poly1305 did not open")


def build_cases(size: int, chunk: int) -> list[Case]:
    data = os.urandom(size)
    n = size // chunk
    plain = [memoryview(data)[i * chunk : (i + 1) * chunk] for i in range(n)]
    key, ad = os.urandom(32), os.urandom(32)
    xnonce = os.urandom(24)
    cases: list[Case] = []

    # libsodium XChaCha20-Poly1305 in place, as transfers do: each chunk has its own buffer with
    # room for the tag; sealing turns it into ciphertext, opening turns it back.
    inplace = [bytearray(p) + bytearray(TAG) for p in plain]

    def x_seal_in_place() -> None:
        for buf in inplace:
            xchacha_in_place(True, key, xnonce, buf, ad)

    def x_open_in_place() -> None:
        for buf in inplace:
            xchacha_in_place(False, key, xnonce, buf, ad)

    cases.append(Case("XChaCha20-Poly1305, libsodium, in place (before)", x_seal_in_place,
                      x_open_in_place))  # fmt: skip

    aes = AESGCM(key)
    gnonce = os.urandom(GCM_NONCE)
    out = bytearray(chunk + TAG)
    back = bytearray(chunk)
    g_sealed = [aes.encrypt(gnonce, p, ad) for p in plain]

    def g_seal_into() -> None:
        for p in plain:
            aes.encrypt_into(gnonce, p, ad, out)

    def g_open_into() -> None:
        for s in g_sealed:
            aes.decrypt_into(gnonce, s, ad, back)

    cases.append(Case("AES-256-GCM, pyca, into a reused buffer", g_seal_into, g_open_into))

    lib.sodium_init()
    if lib.crypto_aead_aes256gcm_is_available():
        snonce = os.urandom(GCM_NONCE)
        s_out = bytearray(chunk + TAG)
        s_out_ptr = ffi.from_buffer(s_out)
        s_back = bytearray(chunk)
        s_back_ptr = ffi.from_buffer(s_back)
        s_sealed = []
        for p in plain:
            sealed = bytearray(chunk + TAG)
            lib.crypto_aead_aes256gcm_encrypt(
                ffi.from_buffer(sealed), ffi.NULL, ffi.from_buffer(p), chunk, ad, len(ad),
                ffi.NULL, snonce, key,
            )  # fmt: skip
            s_sealed.append(bytes(sealed))

        def s_seal() -> None:
            for p in plain:
                lib.crypto_aead_aes256gcm_encrypt(
                    s_out_ptr, ffi.NULL, ffi.from_buffer(p), chunk, ad, len(ad), ffi.NULL, snonce,
                    key,
                )  # fmt: skip

        def s_open() -> None:
            for s in s_sealed:
                status = lib.crypto_aead_aes256gcm_decrypt(
                    s_back_ptr, ffi.NULL, ffi.NULL, s, len(s), ad, len(ad), snonce, key
                )
                assert status == 0

        cases.append(Case("AES-256-GCM, libsodium (AES-NI only), reused buffer", s_seal, s_open))

    # The allocating calls: a new output buffer per chunk.
    x_sealed = [_sodium.aead_encrypt(key, xnonce, p, ad) for p in plain]

    def x_seal_new() -> None:
        for p in plain:
            _sodium.aead_encrypt(key, xnonce, p, ad)

    def x_open_new() -> None:
        for s in x_sealed:
            _sodium.aead_decrypt(key, xnonce, s, ad)

    cases.append(Case("XChaCha20-Poly1305, libsodium, new buffer", x_seal_new, x_open_new))

    def g_seal_new() -> None:
        for p in plain:
            aes.encrypt(gnonce, p, ad)

    def g_open_new() -> None:
        for s in g_sealed:
            aes.decrypt(gnonce, s, ad)

    cases.append(Case("AES-256-GCM, pyca, new bytes", g_seal_new, g_open_new))

    # The content format end to end, in place (what client/sdk/transfers.py calls per chunk).
    file_key, content_id = FileKey.generate(), os.urandom(16)
    encryptor = content.ContentEncryptor(file_key, content_id, chunk_size=chunk)
    decryptor = content.ContentDecryptor(
        file_key, encryptor.header, content_id, encryptor.header_hash, size
    )
    last = n - 1

    def f_seal_in_place() -> None:
        for i, buf in enumerate(inplace):
            encryptor.encrypt_chunk_in_place(i, buf, chunk, i == last)

    def f_open_in_place() -> None:
        for i, buf in enumerate(inplace):
            decryptor.decrypt_chunk_in_place(i, buf)

    cases.append(Case("Sealbox format (AES-256-GCM), in place", f_seal_in_place, f_open_in_place))

    # ... and through its streams (encrypt_stream/decrypt_stream: reads, one buffer per chunk).
    def reader(buffer: bytes) -> Callable[[int], memoryview]:
        view, position = memoryview(buffer), 0

        def read(want: int) -> memoryview:
            nonlocal position
            part = view[position : position + want]
            position += len(part)
            return part

        return read

    body = b"".join(list(encryptor.encrypt_stream(io.BytesIO(data).read))[1:])

    def f_seal_stream() -> None:
        for _ in encryptor.encrypt_stream(reader(data)):
            pass

    def f_open_stream() -> None:
        opener = content.ContentDecryptor(
            file_key, encryptor.header, content_id, encryptor.header_hash, size
        )
        for _ in opener.decrypt_stream(reader(body)):
            pass

    cases.append(Case("Sealbox format (AES-256-GCM), streams", f_seal_stream, f_open_stream))

    return cases


def run(size: int, chunk: int, runs: int) -> list[Case]:
    cases = build_cases(size, chunk)
    for case in cases:  # warm up: page in every buffer, build every cipher context
        case.seal()
        case.open()
    for _ in range(runs):
        for case in cases:
            for what, step in (("seal", case.seal), ("open", case.open)):
                wall, cpu = measure(step)
                case.wall[what].append(wall)
                case.cpu[what].append(cpu)
    return cases


def print_table(cases: list[Case], size: int, chunk: int, runs: int) -> None:
    label = f"{chunk // 1024 // 1024} MiB" if chunk >= 1 << 20 else f"{chunk // 1024} KiB"
    print(f"\n{label} chunks, {size // (1 << 20)} MiB per run, {runs} runs")
    print()
    print(
        "| case | seal MB/s | seal CPU s/GB (median / min) "
        "| open MB/s | open CPU s/GB (median / min) |"
    )
    print("|---|---:|---:|---:|---:|")
    gb = size / 1e9
    for case in cases:
        cells = []
        for what in ("seal", "open"):
            rate = size / statistics.median(case.wall[what]) / 1e6
            cpu_med = statistics.median(case.cpu[what]) / gb
            cpu_min = min(case.cpu[what]) / gb
            cells += [f"{rate:.0f}", f"{cpu_med:.2f} / {cpu_min:.2f}"]
        print(f"| {case.name} | " + " | ".join(cells) + " |")


def cpu_flags() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    wanted = ("aes", "pclmulqdq", "vaes", "vpclmulqdq", "avx2", "avx512f")
                    return " ".join(f for f in wanted if f in flags) or "none of aes/pclmulqdq"
    except OSError:
        pass
    return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=256, help="data per run and chunk size (MiB)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--chunks", default="4096,64", help="chunk sizes in KiB, comma-separated")
    args = parser.parse_args()
    size = args.mib * 1024 * 1024
    load = os.getloadavg()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, CPU flags: {cpu_flags()}; "
        f"Python {platform.python_version()}; "
        f"{_openssl.openssl_version_text()}"
    )
    print(f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    for kib in (int(part) for part in args.chunks.split(",")):
        chunk = kib * 1024
        cases = run(size, chunk, args.runs)
        print_table(cases, size, chunk, args.runs)
    load = os.getloadavg()
    print(f"\nload average at end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
