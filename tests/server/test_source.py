# SPDX-License-Identifier: AGPL-3.0-or-later
"""The server offers its users the source of the code it runs (AGPL-3.0 §13; issue 15)."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

import sealbox
from tests.server.conftest import Server

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).resolve().parents[2]


async def test_the_server_hands_out_the_very_files_it_runs(server: Server) -> None:
    response = await server.client.get("/v1/source")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/gzip"
    assert "attachment" in response.headers["content-disposition"]
    with tarfile.open(fileobj=io.BytesIO(response.content), mode="r:gz") as tar:
        names = tar.getnames()
        top = f"sealbox-{sealbox.__version__}"
        this_module = tar.extractfile(f"{top}/src/sealbox/server/source.py")
        assert this_module is not None
        assert this_module.read() == (ROOT / "src/sealbox/server/source.py").read_bytes()
        licence = tar.extractfile(f"{top}/LICENSE")
        assert licence is not None
        assert b"GNU AFFERO GENERAL PUBLIC LICENSE" in licence.read()
    assert not [n for n in names if n.endswith(".pyc") or "__pycache__" in n]
    assert f"{top}/src/sealbox/server/db/migrations/versions/0001_initial_schema.py" in names
    # The same bytes every time, so two servers of one release can be compared.
    assert (await server.client.get("/v1/source")).content == response.content


def test_the_licence_is_stated_where_people_look() -> None:
    assert "GNU AFFERO GENERAL PUBLIC LICENSE" in (ROOT / "LICENSE").read_text()
    assert 'license = "AGPL-3.0-or-later"' in (ROOT / "pyproject.toml").read_text()
    assert "## Licence" in (ROOT / "README.md").read_text()
