# SPDX-License-Identifier: AGPL-3.0-or-later
"""A large output reaches standard output whole (cli/output.py, write_out).

With PYTHONUNBUFFERED set, ``sys.stdout`` is a text layer straight over the descriptor, and a
short write (a signal arriving, or a non-blocking pipe that is full) loses what it left over
without a word: a `sealbox ls` of 100,000 names once printed 91,750 and exited 0. These tests
put standard output in that state: a pipe whose write end is non-blocking, so that every write
larger than what the pipe holds is short."""

from __future__ import annotations

import fcntl
import io
import os
import sys
import threading

import pytest

from sealbox.client.cli.output import emit_json, write_out

NAMES = [f"file{i:06}.txt" for i in range(100_000)]


def unbuffered_stdout_on_a_pipe(monkeypatch: pytest.MonkeyPatch) -> tuple[int, io.TextIOWrapper]:
    read_end, write_end = os.pipe()
    flags = fcntl.fcntl(write_end, fcntl.F_GETFL)
    fcntl.fcntl(write_end, fcntl.F_SETFL, flags | os.O_NONBLOCK)
    stream = io.TextIOWrapper(io.FileIO(write_end, "w"), encoding="utf-8", write_through=True)
    monkeypatch.setattr(sys, "stdout", stream)
    return read_end, stream


def received_while(read_end: int, write: object) -> bytes:
    received = bytearray()

    def drain() -> None:
        with open(read_end, "rb", buffering=0) as pipe:
            while chunk := pipe.read(65536):
                received.extend(chunk)

    reader = threading.Thread(target=drain)
    reader.start()
    try:
        write()  # type: ignore[operator]
    finally:
        sys.stdout.close()
        reader.join()
    return bytes(received)


def test_a_listing_of_100000_names_reaches_a_short_writing_pipe_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    read_end, _ = unbuffered_stdout_on_a_pipe(monkeypatch)
    text = "\n".join(NAMES)
    assert received_while(read_end, lambda: write_out(text)) == (text + "\n").encode()


def test_json_output_reaches_a_short_writing_pipe_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    read_end, _ = unbuffered_stdout_on_a_pipe(monkeypatch)
    rows = [{"name": name, "type": "file", "naïve": "é"} for name in NAMES[:20_000]]
    data = received_while(read_end, lambda: emit_json(rows))
    assert data.count(b"\n") == 1 and data.decode().count('"name"') == 20_000


def test_standard_output_without_a_descriptor_is_written_as_it_is(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    captured = io.StringIO()
    monkeypatch.setattr(sys, "stdout", captured)
    write_out("a\nb")
    assert captured.getvalue() == "a\nb\n"
