# SPDX-License-Identifier: AGPL-3.0-or-later
"""``sealbox://`` through fsspec: its abstract test suite, a pandas and pyarrow round trip, the
entry point that registers it, and a swapped chunk that raises instead of returning bytes."""

from __future__ import annotations

import importlib
import os
import posixpath
import tomllib
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import fsspec
import pytest
from fsspec.tests.abstract import (
    AbstractCopyTests,
    AbstractFixtures,
    AbstractGetTests,
    AbstractOpenTests,
    AbstractPipeTests,
    AbstractPutTests,
)

from sealbox.client.access import Tampered
from sealbox.client.fsspec import SealboxFileSystem
from tests.access.conftest import Hostile, LoggedIn, open_hostile
from tests.access.test_handle import CHUNK, SWAPPED_SIZE, swap_chunks

PYPROJECT = Path(__file__).parents[2] / "pyproject.toml"


def declared_entry_point() -> str:
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    return str(project["entry-points"]["fsspec.specs"]["sealbox"])


def test_the_entry_point_names_the_filesystem() -> None:
    declared = declared_entry_point()
    module, _, name = declared.partition(":")
    assert getattr(importlib.import_module(module), name) is SealboxFileSystem
    installed = [e for e in entry_points(group="fsspec.specs") if e.name == "sealbox"]
    for found in installed:  # an installation from before the entry point has none yet
        assert found.value == declared
    assert fsspec.get_filesystem_class("sealbox") is SealboxFileSystem


@pytest.fixture(scope="module", autouse=True)
def registered() -> None:
    """What the entry point does once the package is installed (pip install -e .)."""
    if "sealbox" not in fsspec.available_protocols():
        fsspec.register_implementation("sealbox", declared_entry_point().replace(":", "."))


@pytest.fixture(scope="module")
def drive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hostile]:
    opened = open_hostile(tmp_path_factory.mktemp("fsspec"))
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture(scope="module")
def sealbox_fs(drive: Hostile) -> SealboxFileSystem:
    return SealboxFileSystem(handle=drive.handle, skip_instance_cache=True)


class Fixtures(AbstractFixtures):  # type: ignore[misc]
    @pytest.fixture
    def fs(self, sealbox_fs: SealboxFileSystem) -> SealboxFileSystem:
        return sealbox_fs

    @pytest.fixture
    def fs_join(self) -> Any:
        return posixpath.join

    @pytest.fixture
    def fs_path(self, sealbox_fs: SealboxFileSystem) -> str:
        sealbox_fs.makedirs("/abstract", exist_ok=True)
        return "/abstract"


class TestCopy(AbstractCopyTests, Fixtures):  # type: ignore[misc]
    pass


class TestGet(AbstractGetTests, Fixtures):  # type: ignore[misc]
    pass


class TestPut(AbstractPutTests, Fixtures):  # type: ignore[misc]
    pass


class TestOpen(AbstractOpenTests, Fixtures):  # type: ignore[misc]
    pass


class TestPipe(AbstractPipeTests, Fixtures):  # type: ignore[misc]
    pass


def test_the_listed_operations(sealbox_fs: SealboxFileSystem) -> None:
    fs = sealbox_fs
    fs.mkdir("sealbox:///ops/sub")
    fs.pipe_file("/ops/sub/a.bin", b"0123456789")
    assert fs.ls("/ops/sub", detail=False) == ["/ops/sub/a.bin"]
    assert fs.info("sealbox:///ops/sub/a.bin")["size"] == 10
    assert fs.cat_file("/ops/sub/a.bin", start=2, end=5) == b"234"
    assert fs.cat_file("/ops/sub/a.bin", start=-3) == b"789"
    with fs.open("/ops/sub/a.bin", "rb") as f:
        f.seek(7)
        assert f.read() == b"789"
    fs.mv("/ops/sub/a.bin", "/ops/b.bin")
    assert fs.cat_file("/ops/b.bin") == b"0123456789"
    fs.rm("/ops", recursive=True)
    assert not fs.exists("/ops")
    with pytest.raises(FileNotFoundError):
        fs.info("/ops/b.bin")


def test_pandas_and_pyarrow_round_trip(drive: Hostile, sealbox_fs: SealboxFileSystem) -> None:
    pandas = pytest.importorskip("pandas")
    parquet = pytest.importorskip("pyarrow.parquet")
    options = {"handle": drive.handle, "skip_instance_cache": True}
    frame = pandas.DataFrame({"name": ["ä", "b", "c"], "value": [1.5, 2.0, -3.25]})
    sealbox_fs.makedirs("/data", exist_ok=True)
    frame.to_csv("sealbox:///data/x.csv", index=False, storage_options=options)
    back = pandas.read_csv("sealbox:///data/x.csv", storage_options=options)
    pandas.testing.assert_frame_equal(back, frame)
    frame.to_parquet("sealbox:///data/x.parquet", storage_options=options)
    table = parquet.read_table("/data/x.parquet", filesystem=sealbox_fs)
    pandas.testing.assert_frame_equal(table.to_pandas(), frame)


def test_a_swapped_chunk_raises(drive: Hostile, sealbox_fs: SealboxFileSystem) -> None:
    data = os.urandom(SWAPPED_SIZE)
    sealbox_fs.pipe_file("/tampered.bin", data)
    swap_chunks(drive, "/tampered.bin")
    try:
        with pytest.raises(Tampered):
            sealbox_fs.cat_file("/tampered.bin")
        with pytest.raises(OSError), sealbox_fs.open("/tampered.bin", "rb") as f:
            f.seek(CHUNK + 5)
            f.read(10)
        assert sealbox_fs.cat_file("/tampered.bin", start=0, end=100) == data[:100]
    finally:
        drive.server.clear()


def test_the_account_logged_in_on_this_device(logged_in: LoggedIn, tmp_path: Path) -> None:
    """Without a handle, ``sealbox://`` opens the session ``sealbox login`` stored."""
    pandas = pytest.importorskip("pandas")
    local = tmp_path / "x.csv"
    local.write_text("a,b\n1,2\n")
    logged_in.sealbox("put", str(local), "/x.csv")
    options = {"home": str(logged_in.home), "skip_instance_cache": True}
    frame = pandas.read_csv("sealbox:///x.csv", storage_options=options)
    assert frame.to_dict("list") == {"a": [1], "b": [2]}
    fs = SealboxFileSystem(**options)
    try:
        fs.pipe_file("/y.txt", b"from fsspec")
        assert logged_in.sealbox("cat", "/y.txt").stdout == "from fsspec"
    finally:
        fs.handle.close()
