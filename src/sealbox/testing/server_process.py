# SPDX-License-Identifier: AGPL-3.0-or-later
"""Running ``sealbox server`` as a real process for end-to-end tests and benchmarks."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO

import httpx

from sealbox.testing.postgres import free_port


class ServerProcess:
    def __init__(
        self,
        data_dir: Path,
        db_url: str | None = None,
        *extra: str,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.db_url = db_url
        self.extra = list(extra)
        # Added to this process's environment: S3 credentials, SEALBOX_BLOBS and the like.
        self.env = dict(env or {})
        self.port = free_port()
        self.log_path = data_dir.parent / f"server-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._started = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *extra: str, timeout: float = 30.0) -> None:
        """Start the server and wait until *this* process answers on its port.

        The port comes from ``free_port``, which another test worker may pick at the same moment.
        A health answer alone could then come from that worker's server, so readiness also needs
        this process's own log to say it listens; a first start that finds the port taken tries
        again on a fresh one (a restart keeps its port: clients already hold the address)."""
        deadline = time.monotonic() + timeout
        while True:
            offset = self.log_path.stat().st_size if self.log_path.exists() else 0
            self._spawn(*extra)
            if self._wait_ready(offset, deadline):
                self._started = True
                return
            if self._started or "address already in use" not in self._log_since(offset):
                raise RuntimeError(f"server exited early:\n{self.log()}")
            self.kill()
            self.port = free_port()  # taken by someone else between free_port() and bind()

    def _spawn(self, *extra: str) -> None:
        command = [sys.executable, "-m", "sealbox", "server", "--data", str(self.data_dir)]
        command += ["--port", str(self.port), *self.extra, *extra]
        if self.db_url:
            command += ["--db", self.db_url]
        self._log = open(self.log_path, "ab")
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command, stdout=self._log, stderr=subprocess.STDOUT, env={**os.environ, **self.env}
        )

    def _log_since(self, offset: int) -> str:
        with open(self.log_path, "rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")

    def _wait_ready(self, offset: int, deadline: float) -> bool:
        """True once this process listens and answers; False if it exited first."""
        assert self.process is not None
        listening = f"running on {self.url} "
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            if listening in self._log_since(offset):
                try:
                    if httpx.get(f"{self.url}/v1/health", timeout=1).status_code == 200:
                        return True
                except httpx.TransportError:
                    pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not start:\n{self.log()}")

    def kill(self) -> None:
        """kill -9: no shutdown handlers, no flushing."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
            self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def rss_bytes(self) -> int:
        assert self.process is not None
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
