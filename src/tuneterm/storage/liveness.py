"""Whether an experiment's driver process still runs, and so the status a user should see.

A driver records its pid, its start time and its host in the store's meta (`driver_identity`);
a client on the same host checks that process, so a driver that died without ending its sweep
shows as crashed instead of running forever.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tuneterm.domain.status import SweepStatus, shown_status


def process_start_ticks(pid: int) -> int | None:
    """The start time of process `pid` in clock ticks since boot (Linux), None if unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after its closing one.
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[19])


def process_alive(pid: int, start_ticks: int | None) -> bool:
    """Whether `pid` runs and is the same process (not a later one that reused the number)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    if _is_zombie(pid):
        return False
    return start_ticks is None or process_start_ticks(pid) in (None, start_ticks)


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2 :].startswith("Z")


def driver_identity() -> dict[str, Any]:
    """What a driver records about itself so that clients can tell if it still runs."""
    pid = os.getpid()
    return {
        "driver_pid": pid,
        "driver_start_ticks": process_start_ticks(pid),
        "driver_host": socket.gethostname(),
    }


def driver_alive(meta: Mapping[str, Any]) -> bool | None:
    """Whether the driver a store's meta names still runs; None before a driver recorded itself,
    or for a driver on another host (its process cannot be seen from here)."""
    pid = meta.get("driver_pid")
    if pid is None or meta.get("driver_host") not in (None, socket.gethostname()):
        return None
    return process_alive(int(pid), meta.get("driver_start_ticks"))


def effective_status(meta: Mapping[str, Any]) -> SweepStatus | str:
    """The status a user should see: a sweep whose driver died without ending it is CRASHED."""
    return shown_status(str(meta.get("status", SweepStatus.CREATED)), driver_alive(meta))
