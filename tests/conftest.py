"""Shared fixtures: one Ray head for every test that runs a real sweep, and an isolated root."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
RAY_BIN = Path(sys.executable).with_name("ray")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RayHead:
    """A Ray head started by `ray start --head --block` on loopback, in a process group of its
    own, so that stopping it never touches another Ray on this machine (`ray stop` would)."""

    def __init__(self, tmp: Path) -> None:
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.log = tmp / "ray-head.log"
        command = [
            str(RAY_BIN),
            "start",
            "--head",
            "--block",
            f"--port={self.port}",
            "--node-ip-address=127.0.0.1",
            "--num-cpus=2",
            "--num-gpus=0",
            "--include-dashboard=false",
            "--disable-usage-stats",
        ]
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self._wait_until_listening()

    def _wait_until_listening(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"ray start exited: {self.log.read_text()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                time.sleep(1.0)  # the GCS listens a moment before the raylet registers
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("ray head did not start listening")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=30)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def ray_head(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RayHead]:
    head = RayHead(tmp_path_factory.mktemp("ray-head"))
    yield head
    head.stop()


@pytest.fixture
def experiments_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "experiments"
    monkeypatch.setenv("TUNETERM_ROOT", str(root))
    return root


def _driver_pids(under: Path) -> set[int]:
    """Processes running a tuneterm driver (`python -m tuneterm.runner.driver DIR`) for an
    experiment under `under`: this test run's, never a user's sweep or another run's."""
    found = set()
    marker = str(under).encode()
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            text = cmdline.read_bytes()
            if b"tuneterm.runner.driver" in text and marker in text:
                found.add(int(cmdline.parent.name))
    return found


@pytest.fixture(autouse=True)
def _no_driver_outlives_its_test(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """Kill the drivers a Ray test started and left running (a test that failed half-way, say):
    on the shared head, a leftover sweep would hold the CPUs the next tests' trials need."""
    if "ray_head" not in request.fixturenames:
        yield
        return
    base = tmp_path_factory.getbasetemp()
    before = _driver_pids(base)
    yield
    for pid in _driver_pids(base) - before:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            group = os.getpgid(pid)
            # Drivers run in a session of their own; never signal this test run's own group.
            if group == os.getpgid(0):
                os.kill(pid, signal.SIGKILL)
            else:
                os.killpg(group, signal.SIGKILL)
