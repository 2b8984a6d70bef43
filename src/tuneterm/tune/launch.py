"""Starting a driver process for an experiment directory (without importing Ray here)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tuneterm.model.experiment import ExperimentDir, process_start_ticks
from tuneterm.model.store import Store


def driver_environment(address: str | None) -> dict[str, str]:
    env = dict(os.environ)
    # Clusters started after a local ray.init require the token that init wrote; a driver
    # given an address does not enable token auth by itself and then fails after 60 s.
    token_file = Path.home() / ".ray" / "auth_token"
    if address and token_file.is_file():
        env.setdefault("RAY_AUTH_MODE", "token")
    return env


def start_driver(expdir: ExperimentDir, address: str | None = None) -> subprocess.Popen[bytes]:
    """Start the driver in its own session: SIGHUP, a closed terminal or a killed parent
    leave it running. Its stdout and stderr (Ray's output included) go to driver.log."""
    command = [sys.executable, "-m", "tuneterm.tune.driver", str(expdir.path)]
    if address:
        command += ["--address", address]
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
    return process
