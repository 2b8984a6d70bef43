"""A two-node Ray cluster on one machine, started (and stopped, by its pids) by a test: a head that
offers no CPUs and a worker with two, so that every trial runs on the worker, with token
authentication carried to both. The worker can get a disk of its own where the machine allows it:
its `ray start` runs in a mount namespace of its own with the experiment root hidden under an empty
directory."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from tests.conftest import RAY_BIN, free_port


def private_mounts_problem() -> str | None:
    """Why this machine cannot give a process a mount namespace of its own; None if it can."""
    if shutil.which("unshare") is None:
        return "unshare(1) is not installed"
    probe = subprocess.run(
        ["unshare", "-m", "--propagation", "private", "true"], capture_output=True, check=False
    )
    if probe.returncode != 0:
        return f"unshare -m is not permitted here ({probe.stderr.decode().strip()})"
    return None


class TwoNodeCluster:
    def __init__(self, tmp: Path, hidden: Path | None = None) -> None:
        self.tmp = tmp
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.token = tmp / "auth_token"
        self.token.write_text(secrets.token_hex(32))
        self.env = {**os.environ, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": str(self.token)}
        self.processes: list[subprocess.Popen[bytes]] = []
        self._taken: set[int] = {self.port}
        head = ["--head", f"--port={self.port}", "--num-cpus=0", "--include-dashboard=false"]
        self._start("head", [*head, "--disable-usage-stats", *self._ports()])
        self._wait_listening(self.port)
        worker = [f"--address={self.address}", "--num-cpus=2", *self._ports()]
        self._start("worker", worker, hidden)
        self._wait_for_nodes(2)

    def _ports(self) -> list[str]:
        low = self._port(span=41)
        return [
            "--node-ip-address=127.0.0.1",
            f"--node-manager-port={self._port()}",
            f"--object-manager-port={self._port()}",
            f"--min-worker-port={low}",
            f"--max-worker-port={low + 40}",
            f"--dashboard-agent-listen-port={self._port()}",
            f"--dashboard-agent-grpc-port={self._port()}",
            f"--metrics-export-port={self._port()}",
            f"--runtime-env-agent-port={self._port()}",
        ]

    def _port(self, span: int = 1) -> int:
        """A free port (the first of `span`) that no port given to either node overlaps: Ray
        refuses to start when two of its components would share one."""
        while True:
            port = free_port()
            wanted = set(range(port, port + span))
            if not wanted & self._taken and port + span <= 65535:
                self._taken |= wanted
                return port

    def _start(self, name: str, arguments: list[str], hidden: Path | None = None) -> None:
        command = [str(RAY_BIN), "start", "--block", *arguments]
        if hidden is not None:
            # The worker sees an empty directory where the driver's machine keeps experiments.
            empty = self.tmp / "worker-disk"
            empty.mkdir(exist_ok=True)
            script = 'mount --bind "$1" "$2" && shift 2 && exec "$@"'
            command = [
                "unshare", "-m", "--propagation", "private",
                "sh", "-c", script, "sh", str(empty), str(hidden), *command,
            ]  # fmt: skip
        with open(self.tmp / f"ray-{name}.log", "wb") as log:
            self.processes.append(
                subprocess.Popen(
                    command,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    env=self.env,
                    start_new_session=True,
                )
            )

    def _wait_listening(self, port: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._check_alive()
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return
            time.sleep(0.2)
        raise RuntimeError("the head did not start listening")

    def _wait_for_nodes(self, count: int, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._check_alive()
            status = subprocess.run(
                [str(RAY_BIN), "status", f"--address={self.address}"],
                env=self.env,
                capture_output=True,
                text=True,
                check=False,
                timeout=60,
            )
            if status.stdout.count("node_") >= count:
                return
            time.sleep(1.0)
        raise RuntimeError(f"the cluster did not reach {count} nodes: {status.stdout[-2000:]}")

    def _check_alive(self) -> None:
        for process in self.processes:
            if process.poll() is not None:
                logs = [path.read_text()[-1500:] for path in self.tmp.glob("ray-*.log")]
                raise RuntimeError("ray start exited:\n" + "\n".join(logs))

    def stop(self) -> None:
        for process in reversed(self.processes):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 3.0  # a test's cluster need not shut down politely
        for process in self.processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def mount_namespace(pid: int) -> str:
    return os.readlink(f"/proc/{pid}/ns/mnt")
