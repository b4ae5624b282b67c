# SPDX-License-Identifier: AGPL-3.0-or-later
"""The CLI's own surface: version, short help, operator help (issues 14 and 15)."""

from __future__ import annotations

import subprocess
import sys

import sealbox


def sealbox_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sealbox", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def test_version_names_the_release_the_licence_and_where_the_source_is() -> None:
    result = sealbox_cli("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"sealbox {sealbox.__version__}\n")
    assert "AGPL-3.0-or-later" in result.stdout
    assert "/v1/source" in result.stdout


def test_short_help_works_for_the_program_and_its_commands() -> None:
    for args in (("-h",), ("ls", "-h"), ("trash", "-h"), ("server", "-h"), ("admin", "-h")):
        result = sealbox_cli(*args)
        assert result.returncode == 0, (args, result.stderr)
        assert result.stdout.startswith("Usage: "), args


def test_operator_help_prints_urls_with_brackets_instead_of_crashing() -> None:
    result = sealbox_cli("server", "--help")
    assert result.returncode == 0, result.stderr
    assert "s3://bucket[/prefix]" in result.stdout
    assert "Traceback" not in result.stderr
