# SPDX-License-Identifier: AGPL-3.0-or-later
"""spec/vectors/*.json hold, and the generator still produces exactly the committed files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sealbox.testing import framing_vectors  # registers the framing operations too
from sealbox.testing.vectors import OPERATIONS, open_or_code

ROOT = Path(__file__).resolve().parents[2]
VECTOR_FILES = sorted((ROOT / "spec" / "vectors").glob("*.json"))


def _vectors() -> list[Any]:
    params = []
    for path in VECTOR_FILES:
        doc = json.loads(path.read_text())
        for vector in doc["vectors"]:
            params.append(pytest.param(vector, id=f"{path.stem}: {vector['name']}"))
    return params


def test_vector_files_exist() -> None:
    names = {p.name for p in VECTOR_FILES}
    assert names >= {
        "kdf.json",
        "keys.json",
        "identity.json",
        "metadata.json",
        "content.json",
        "links.json",
        "sharing.json",
        "framing.json",
    }


@pytest.mark.parametrize("vector", _vectors())
def test_vector(vector: dict[str, Any]) -> None:
    obj = bytes.fromhex(vector["object"]) if "object" in vector else None
    operation = OPERATIONS[vector["operation"]]
    if "expected_error" in vector:
        assert open_or_code(vector, obj) == vector["expected_error"]
        return
    if operation.make is not None:
        assert operation.make(vector["inputs"]).hex() == vector["object"]
    assert open_or_code(vector, obj) == vector["outputs"]
    if obj is None or vector["operation"] in framing_vectors.MAKERS:
        return  # the framings carry no authentication: a flipped byte may well parse
    # Every single-byte change of the stored object fails with the error the vector names.
    covered = 0
    for start, end, code in vector["mutations"]:
        assert start == covered and code != "opened"
        for offset in range(start, end):
            mutated = bytearray(obj)
            mutated[offset] ^= 0x01
            assert open_or_code(vector, bytes(mutated)) == code, offset
        covered = end
    assert covered == len(obj)


def test_generator_reproduces_committed_vectors() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make-vectors"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
