# SPDX-License-Identifier: AGPL-3.0-or-later
"""A real S3 service for tests and benchmarks: a throw-away Ceph cluster with radosgw on loopback.

scripts/ceph-up does the work (one monitor, one in-RAM OSD, one gateway); this module picks free
ports, shares one cluster between the pytest-xdist workers of a test run (a file lock and a list
of the processes using it; the last one out stops it), and starts extra gateways that fault tests
may freeze or kill without disturbing the tests running beside them.
It needs a source checkout (it runs the scripts next to src/) and Debian's Ceph packages.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
SCRIPTS = REPO / "scripts"
CEPH_PROGRAMS = ("ceph-mon", "ceph-osd", "radosgw", "radosgw-admin", "ceph")
ACCESS_KEY = "sealbox-test"
SECRET_KEY = "sealbox-test-secret"  # noqa: S105 - a throw-away test cluster's fixed key
START_TIMEOUT = 240.0


class CephUnavailable(Exception):
    """Ceph is not installed and cannot be installed here (not root, or no apt-get)."""


class CephStartError(Exception):
    """Ceph is installed but the cluster did not come up; the message carries the script output."""


def missing_programs() -> list[str]:
    return [program for program in CEPH_PROGRAMS if shutil.which(program) is None]


def ensure_installed() -> None:
    """Install Ceph through scripts/system-deps when it is missing and we are root."""
    if not missing_programs():
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise CephUnavailable(
            f"Ceph programs missing ({', '.join(missing_programs())}) and not root with apt-get "
            "to install them; run scripts/system-deps as root"
        )
    result = subprocess.run(  # noqa: S603 - our own script
        [str(SCRIPTS / "system-deps")], capture_output=True, text=True, check=False
    )
    if result.returncode != 0 or missing_programs():
        raise CephStartError(f"scripts/system-deps could not install Ceph:\n{result.stderr}")


def free_ports(count: int) -> list[int]:
    """Distinct free loopback ports: all probes stay bound until every port is chosen."""
    with contextlib.ExitStack() as stack:
        ports = []
        for _ in range(count):
            probe = stack.enter_context(socket.socket())
            probe.bind(("127.0.0.1", 0))
            ports.append(int(probe.getsockname()[1]))
        return ports


def wait_for_http(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback http only
                return
        except urllib.error.HTTPError:
            return  # any HTTP answer means the gateway is serving
        except OSError:
            if time.monotonic() > deadline:
                raise CephStartError(f"{url} did not answer within {timeout:g} s") from None
            time.sleep(0.1)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class CephCluster:
    directory: Path
    mon_port: int
    rgw_port: int
    access_key: str = ACCESS_KEY
    secret_key: str = SECRET_KEY

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.rgw_port}"

    @property
    def config(self) -> Path:
        return self.directory / "ceph.conf"

    def start_gateway(self, name: str) -> Gateway:
        """Start one more radosgw on its own port, serving the same buckets and objects."""
        gateway = Gateway(cluster=self, name=name, port=free_ports(1)[0])
        gateway.start()
        return gateway

    def stop(self) -> None:
        subprocess.run(  # noqa: S603 - our own script
            [str(SCRIPTS / "ceph-down")],
            env={**os.environ, "CEPH_DIR": str(self.directory)},
            check=False,
            capture_output=True,
        )


@dataclass
class Gateway:
    """An extra radosgw process, for tests that freeze, kill and restart the S3 endpoint."""

    cluster: CephCluster
    name: str
    port: int

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.cluster.directory / "run" / f"client.rgw.{self.name}.pid"

    @property
    def pid(self) -> int:
        return int(self.pid_file.read_text().strip())

    def start(self) -> None:
        self.pid_file.unlink(missing_ok=True)
        subprocess.run(  # noqa: S603 - the Ceph gateway, with our arguments
            [  # noqa: S607 - radosgw is found on PATH like the script's tools
                "radosgw",
                "-c",
                str(self.cluster.config),
                "-n",
                f"client.rgw.{self.name}",
                "--rgw-frontends",
                f"beast endpoint=127.0.0.1:{self.port}",
                "--rgw-data",
                str(self.cluster.directory / "rgw"),
            ],
            check=True,
            capture_output=True,
        )
        wait_for_http(self.endpoint + "/", timeout=60)

    def freeze(self) -> None:
        os.kill(self.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self.pid, signal.SIGCONT)

    def kill(self) -> None:
        pid = self.pid
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while _pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.02)

    def stop(self) -> None:
        # A gateway keeps no state of its own (RADOS writes are atomic), and radosgw takes seconds
        # to shut down politely, so a test gateway is simply killed.
        with contextlib.suppress(FileNotFoundError, ProcessLookupError, ValueError):
            self.kill()


def start_cluster(directory: Path) -> CephCluster:
    """Run scripts/ceph-up into ``directory`` on free ports and return the running cluster."""
    mon_port, rgw_port = free_ports(2)
    cluster = CephCluster(directory=directory, mon_port=mon_port, rgw_port=rgw_port)
    env = {
        **os.environ,
        "CEPH_DIR": str(directory),
        "MON_PORT": str(cluster.mon_port),
        "RGW_PORT": str(cluster.rgw_port),
        "S3_ACCESS_KEY": cluster.access_key,
        "S3_SECRET_KEY": cluster.secret_key,
    }
    try:
        result = subprocess.run(  # noqa: S603 - our own script
            [str(SCRIPTS / "ceph-up")],
            env=env,
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        cluster.stop()
        raise CephStartError(f"scripts/ceph-up did not finish in {START_TIMEOUT:g} s") from error
    if result.returncode != 0:
        cluster.stop()
        raise CephStartError(
            f"scripts/ceph-up failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
    return cluster


# -- one cluster per test run, shared by the xdist workers ------------------------------------
#
# Each test run (identified by pytest-xdist's run id) has a directory under RUNS holding its
# cluster and a state file listing the processes using it. One lock for all runs serialises every
# change, so workers of one run never start two clusters, and a run that finds the cluster of a
# crashed earlier run (all of its users dead) stops it.

RUNS = Path(tempfile.gettempdir()) / "sealbox-ceph-runs"


@contextlib.contextmanager
def _locked() -> Iterator[None]:
    RUNS.mkdir(parents=True, exist_ok=True)
    with open(RUNS.with_name(RUNS.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _read_state(root: Path) -> tuple[CephCluster | None, list[int]]:
    try:
        state = json.loads((root / "state.json").read_text())
    except (FileNotFoundError, ValueError):
        return None, []
    cluster = CephCluster(
        directory=Path(state["cluster"]["directory"]),
        mon_port=state["cluster"]["mon_port"],
        rgw_port=state["cluster"]["rgw_port"],
    )
    return cluster, [pid for pid in state["users"] if _pid_alive(pid)]


def _write_state(root: Path, cluster: CephCluster, users: list[int]) -> None:
    plain = {**asdict(cluster), "directory": str(cluster.directory)}
    (root / "state.json").write_text(json.dumps({"cluster": plain, "users": users}))


def _sweep_abandoned(current: Path) -> None:
    for root in RUNS.iterdir():
        if root == current or not root.is_dir():
            continue
        cluster, users = _read_state(root)
        if users:
            continue
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


def acquire_shared(run_id: str) -> CephCluster:
    """Join the test run's cluster, starting it if this process is the first to need it."""
    with _locked():
        root = RUNS / run_id
        _sweep_abandoned(root)
        root.mkdir(exist_ok=True)
        cluster, users = _read_state(root)
        if cluster is not None:
            try:
                wait_for_http(cluster.endpoint + "/", timeout=5)
            except CephStartError:
                cluster.stop()
                cluster = None
        if cluster is None:
            cluster = start_cluster(root / "cluster")
        _write_state(root, cluster, [*users, os.getpid()])
        return cluster


def release_shared(run_id: str) -> None:
    """Leave the test run's cluster; the last process to leave stops it."""
    with _locked():
        root = RUNS / run_id
        cluster, users = _read_state(root)
        users = [pid for pid in users if pid != os.getpid()]
        if cluster is not None and users:
            _write_state(root, cluster, users)
            return
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(root, ignore_errors=True)
