"""Starting a driver process for an experiment directory (without importing Ray here)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from tuneterm.domain.status import SweepStatus
from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.liveness import process_start_ticks
from tuneterm.storage.store import Store


def driver_environment(address: str | None) -> dict[str, str]:
    env = dict(os.environ)
    # Clusters started after a local ray.init require the token that init wrote; a driver
    # given an address does not enable token auth by itself and then fails after 60 s.
    token_file = Path(env.get("RAY_AUTH_TOKEN_PATH") or Path.home() / ".ray" / "auth_token")
    if address and (env.get("RAY_AUTH_TOKEN") or token_file.is_file()):
        env.setdefault("RAY_AUTH_MODE", "token")
    return env


def check_reachable(address: str, timeout: float = 3.0) -> str | None:
    """Why `address` (HOST:PORT) cannot be the address of a Ray cluster, or None if it can."""
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        return "expected HOST:PORT, e.g. 10.0.0.5:6379"
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as exc:
        return f"nothing answers there ({exc.strerror or exc})"
    return None


def start_driver(
    expdir: ExperimentDir, address: str | None = None, resume: bool = False
) -> subprocess.Popen[bytes]:
    """Start the driver in its own session: SIGHUP, a closed terminal or a killed parent
    leave it running. Its stdout and stderr (Ray's output included) go to driver.log.
    With `resume`, it continues the experiment's interrupted sweep."""
    command = [sys.executable, "-m", "tuneterm.runner.driver", str(expdir.path)]
    if address:
        command += ["--address", address]
    if resume:
        command.append("--resume")
    with open(expdir.driver_log, "ab") as log:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
            env=driver_environment(address),
        )
    with Store.open(expdir.store) as store:
        store.set_meta(driver_pid=process.pid, driver_start_ticks=process_start_ticks(process.pid))
        if resume:
            # "created" until the driver records its start: clients see it starting, not stopped.
            store.set_meta(status=SweepStatus.CREATED)
    return process
