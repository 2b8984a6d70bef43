"""Starting a driver process for an experiment directory (without importing Ray here)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
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


def ray_temp_dir() -> Path:
    """Where `ray start` writes `ray_current_cluster` (the address `--address auto` means):
    Ray's own rule, $RAY_TMPDIR, else $TMPDIR, else the system's temporary directory."""
    base = os.environ.get("RAY_TMPDIR") or os.environ.get("TMPDIR") or tempfile.gettempdir()
    return Path(base) / "ray"


def resolve_auto(address: str, temp_dir: Path | None = None) -> str | None:
    """`address` itself, or for "auto" the cluster Ray would join: $RAY_ADDRESS, else the one
    `ray start` last started on this machine; None when there is none."""
    if address != "auto":
        return address
    from_env = os.environ.get("RAY_ADDRESS", "").strip()
    if from_env and from_env != "auto":
        return from_env
    try:
        directory = ray_temp_dir() if temp_dir is None else temp_dir
        recorded = (directory / "ray_current_cluster").read_text().strip()
    except OSError:
        return None
    return recorded or None


HTTP2_GREETING = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"
"""HTTP/2's client connection preface followed by an empty SETTINGS frame."""

HTTP1_REQUEST = b"GET / HTTP/1.0\r\n\r\n"

SETTINGS_FRAME_TYPE = 4
FRAME_HEADER_BYTES = 9
HTTP1_PROBE_S = 1.0
"""At least this long for the HTTP/1 request that names a server not speaking HTTP/2."""

GCS_HINT = "give the Ray cluster's GCS address (`ray start --head` prints it, usually port 6379)"


def check_reachable(address: str, timeout: float = 3.0) -> str | None:
    """Why `address` (HOST:PORT) cannot be the address of a Ray cluster, or None if it can.

    Ray's GCS is a gRPC server: it answers HTTP/2's greeting with a SETTINGS frame. A server
    that does not is named: an HTTP/1 server (the Ray dashboard's port, say) or what it sent.
    """
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        return "expected HOST:PORT, e.g. 10.0.0.5:6379"
    where = (host.strip("[]"), int(port))
    deadline = time.monotonic() + timeout
    try:
        connection = socket.create_connection(where, timeout=timeout)
    except OSError as exc:
        return f"nothing answers there ({exc.strerror or exc})"
    with connection:
        if os.environ.get("RAY_USE_TLS", "0").lower() in ("1", "true"):
            # A GCS behind TLS does not answer a plaintext greeting; the driver's own
            # connection attempt is bounded instead.
            return None
        answer = first_answer(connection, HTTP2_GREETING, deadline)
    if answer is not None and speaks_http2(answer):
        return None
    return not_ray(answer, http1_answer(where, deadline) if answer is not None else None)


def first_answer(connection: socket.socket, greeting: bytes, deadline: float) -> bytes | None:
    """The first bytes the server sends back to `greeting`: b"" if it hangs up, None if it says
    nothing before `deadline` (time.monotonic)."""
    answer = b""
    try:
        connection.sendall(greeting)
        while len(answer) < FRAME_HEADER_BYTES:
            connection.settimeout(max(deadline - time.monotonic(), 0.001))
            chunk = connection.recv(64)
            if not chunk:
                break
            answer += chunk
    except TimeoutError:
        return answer or None
    except OSError:
        # A server that closes at once resets the connection the greeting arrived on.
        return answer
    return answer


def speaks_http2(answer: bytes) -> bool:
    return len(answer) >= FRAME_HEADER_BYTES and answer[3] == SETTINGS_FRAME_TYPE


def http1_answer(where: tuple[str, int], deadline: float) -> bytes | None:
    """What the server answers to a plain HTTP/1.0 request (None if nothing)."""
    deadline = max(deadline, time.monotonic() + HTTP1_PROBE_S)
    try:
        with socket.create_connection(where, timeout=HTTP1_PROBE_S) as connection:
            return first_answer(connection, HTTP1_REQUEST, deadline)
    except OSError:
        return None


def not_ray(answer: bytes | None, http1: bytes | None) -> str:
    """What answered HTTP/2's greeting with `answer` (and HTTP/1 with `http1`), in one line."""
    if answer is None:
        return f"something accepts connections there but says nothing; {GCS_HINT}"
    if http1 is not None and http1.startswith(b"HTTP/"):
        return f"an HTTP server answers there (the Ray dashboard's port?); {GCS_HINT}"
    if not answer:
        return f"something there closed the connection without a word: not Ray; {GCS_HINT}"
    # The bytes' repr escapes every control and non-ASCII byte.
    return f"something there answered {repr(answer[:24])[1:]}, not Ray's gRPC; {GCS_HINT}"


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
