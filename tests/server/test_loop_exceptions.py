# SPDX-License-Identifier: AGPL-3.0-or-later
"""Exceptions from tasks nobody awaits: a lost connection is one log line, a bug keeps its
traceback."""

import asyncio
import logging

import pytest

from sealbox.server.app import _loop_exception


def test_lost_connection_is_one_line_and_a_bug_keeps_its_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    loop = asyncio.new_event_loop()
    try:
        with caplog.at_level(logging.WARNING):
            _loop_exception(
                loop,
                {"message": "Task exception was never retrieved",
                 "exception": ConnectionResetError("Cannot write to closing transport")},
            )  # fmt: skip
        assert [r.getMessage() for r in caplog.records] == [
            "connection lost in a background task: ConnectionResetError"
        ]
        assert all(r.exc_info is None for r in caplog.records)
        caplog.clear()
        with caplog.at_level(logging.ERROR, logger="asyncio"):
            _loop_exception(
                loop, {"message": "Task exception was never retrieved", "exception": KeyError("x")}
            )
        assert any(r.exc_info and r.exc_info[0] is KeyError for r in caplog.records)
    finally:
        loop.close()
