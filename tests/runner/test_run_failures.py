"""Run-time failures end with a failing status: an --address that is not Ray is refused before
anything starts, a driver that cannot reach Ray gives up, and a sweep whose every trial errored
is "failed", not "finished"."""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import RayHead, _driver_pids
from tests.runner.test_sweep import TINY, run_headless, user_config
from tests.support import only_experiment, tuneterm
from tuneterm.domain.config.spec import ExperimentConfig
from tuneterm.domain.status import EndReason, SweepStatus, TrialStatus
from tuneterm.domain.trial import Trial
from tuneterm.runner.driver import run_sweep, sweep_outcome
from tuneterm.runner.launch import check_reachable, start_driver
from tuneterm.storage.config_file import load_config
from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.requests import resume_refusal
from tuneterm.storage.store import Store
from tuneterm.ui.widgets.header import SweepFacts, status_text

SETTINGS_FRAME = b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"
"""What a gRPC server (Ray's GCS) sends first: an empty HTTP/2 SETTINGS frame."""

GCS_HINT = "give the Ray cluster's GCS address"

# -- servers that are not Ray, on loopback ---------------------------------------------------------


class _QuietHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def http_server() -> Iterator[str]:
    """A plain HTTP/1 server (like the Ray dashboard on 8265); yields its HOST:PORT."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextlib.contextmanager
def tcp_server(handle: Callable[[socket.socket], None]) -> Iterator[str]:
    """A loopback server that runs `handle` on each connection, then closes it; yields HOST:PORT."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            with connection:
                handle(connection)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        listener.close()


def hang_up(connection: socket.socket) -> None:
    """Accept and close at once."""


def stay_silent(connection: socket.socket) -> None:
    """Read until the client leaves, never answering."""
    with contextlib.suppress(OSError):
        while connection.recv(4096):
            pass


def greet_like_grpc(connection: socket.socket) -> None:
    connection.sendall(SETTINGS_FRAME)
    stay_silent(connection)


def greet_like_ssh(connection: socket.socket) -> None:
    connection.sendall(b"SSH-2.0-OpenSSH_9.6\r\n\x1b[31m")


def closed_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{sock.getsockname()[1]}"


# -- check_reachable, without Ray ------------------------------------------------------------------


def test_the_ray_dashboards_kind_of_server_is_named_within_seconds() -> None:
    with http_server() as address:
        began = time.monotonic()
        problem = check_reachable(address)
    assert time.monotonic() - began < 3
    assert problem is not None
    assert problem.startswith("an HTTP server answers there (the Ray dashboard's port?); ")
    assert GCS_HINT in problem and "6379" in problem


@pytest.mark.parametrize(
    ("handle", "said"),
    [
        (hang_up, "something there closed the connection without a word"),
        (greet_like_ssh, "something there answered 'SSH-2.0-OpenSSH_9.6\\r\\n"),
    ],
)
def test_a_tcp_server_that_is_not_ray_is_refused_saying_what_answered(
    handle: Callable[[socket.socket], None], said: str
) -> None:
    with tcp_server(handle) as address:
        problem = check_reachable(address)
    assert problem is not None and problem.startswith(said), problem
    assert GCS_HINT in problem and "\x1b" not in problem and "\n" not in problem


def test_a_server_that_says_nothing_is_refused_when_the_timeout_ends() -> None:
    with tcp_server(stay_silent) as address:
        began = time.monotonic()
        problem = check_reachable(address, timeout=0.5)
    assert 0.4 < time.monotonic() - began < 3
    assert problem == (
        "something accepts connections there but says nothing; give the Ray cluster's GCS "
        "address (`ray start --head` prints it, usually port 6379)"
    )


def test_a_server_that_answers_http2s_greeting_is_taken_for_ray() -> None:
    with tcp_server(greet_like_grpc) as address:
        assert check_reachable(address) is None


def test_a_tls_cluster_is_only_checked_for_a_listener(monkeypatch: pytest.MonkeyPatch) -> None:
    # Ray's GCS behind TLS (RAY_USE_TLS) does not answer a plaintext greeting.
    monkeypatch.setenv("RAY_USE_TLS", "1")
    with tcp_server(stay_silent) as address:
        assert check_reachable(address, timeout=0.5) is None
    assert (check_reachable(closed_port()) or "").startswith("nothing answers there")


@pytest.mark.parametrize("address", ["10.0.0.5", "host:port", ":6379"])
def test_an_address_without_host_and_port_is_refused(address: str) -> None:
    assert check_reachable(address) == "expected HOST:PORT, e.g. 10.0.0.5:6379"


@pytest.mark.parametrize("server", ["http", "hang-up"])
def test_run_refuses_a_non_ray_address_in_one_line_before_anything_starts(
    tmp_path: Path, server: str
) -> None:
    config = tmp_path / "tiny.toml"
    config.write_text(TINY)
    drivers_before = _driver_pids(tmp_path)
    listener = http_server() if server == "http" else tcp_server(hang_up)
    with listener as address:
        began = time.monotonic()
        proc = tuneterm(
            "run",
            str(config),
            "--headless",
            "--address",
            address,
            cwd=tmp_path,
            root=tmp_path / "runs",
            timeout=30,
        )
        took = time.monotonic() - began
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert took < 10
    assert proc.stderr.startswith(f"error: --address {address}: ")
    assert GCS_HINT in proc.stderr and proc.stderr.count("\n") == 1, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert not (tmp_path / "runs").exists()
    assert _driver_pids(tmp_path) <= drivers_before


# -- how a sweep whose fit() returned ended --------------------------------------------------------


def ended(trial_id: str, reason: EndReason, best: float | None, error: str = "") -> Trial:
    return Trial(
        trial_id,
        {},
        TrialStatus.ENDED,
        reason=reason,
        best_metric=best,
        error=error or None,
    )


TRACEBACK = 'Traceback (most recent call last):\n  File "t.py"\nValueError: boom\n\n'


def test_a_sweep_whose_every_trial_errored_failed_naming_the_first_error() -> None:
    trials = [ended("a", EndReason.ERROR, 0.5, TRACEBACK), ended("b", EndReason.ERROR, None)]
    status, message = sweep_outcome(trials, "score")
    assert status is SweepStatus.FAILED
    assert message == (
        "every trial errored (the first: ValueError: boom); fix the trainable and start a new run"
    )


def test_a_sweep_in_which_no_trial_reported_the_metric_failed() -> None:
    trials = [ended("a", EndReason.COMPLETED, None), ended("b", EndReason.ERROR, None)]
    assert sweep_outcome(trials, "score") == (
        SweepStatus.FAILED,
        "no trial reported a value of 'score'",
    )
    assert sweep_outcome([], "score") == (SweepStatus.FAILED, "no trial ran")


def test_one_trial_with_the_metric_makes_a_finished_sweep() -> None:
    trials = [ended("a", EndReason.ERROR, None, TRACEBACK), ended("b", EndReason.SCHEDULER, 0.1)]
    assert sweep_outcome(trials, "score") == (SweepStatus.FINISHED, "")


def test_a_sweep_with_unfinished_trials_was_stopped_even_if_the_others_errored() -> None:
    running = Trial("b", {}, TrialStatus.RUNNING)
    assert sweep_outcome([ended("a", EndReason.ERROR, None), running], "score") == (
        SweepStatus.STOPPED,
        "",
    )


def test_a_failed_sweep_shows_red_with_its_reason_and_cannot_be_resumed(tmp_path: Path) -> None:
    facts = SweepFacts("demo", SweepStatus.FAILED, "score", 1.0, message="every trial errored")
    shown = status_text(facts)
    assert shown.plain == "failed: every trial errored" and shown.style == "bold red"
    expdir = ExperimentDir.create(tmp_path, "demo")
    with Store.create(expdir.store, {"status": SweepStatus.FAILED}) as store:
        refusal = resume_refusal(store, expdir.path)
    assert refusal == (
        "the sweep failed (every trial errored or none reported the metric); "
        "fix the trainable and start a new run"
    )


def test_a_sweep_whose_time_budget_ran_out_finished() -> None:
    running = Trial("b", {}, TrialStatus.RUNNING)
    trials = [ended("a", EndReason.COMPLETED, 0.5), running]
    assert sweep_outcome(trials, "score", spent_budget=60.0) == (
        SweepStatus.FINISHED,
        "its time budget of 60 s ran out",
    )
    assert sweep_outcome(trials, "score")[0] is SweepStatus.STOPPED


def test_a_recorded_config_that_no_longer_passes_ends_the_driver_with_one_line(
    tmp_path: Path,
) -> None:
    expdir = ExperimentDir.create(tmp_path, "demo")
    source = tmp_path / "tiny.toml"
    source.write_text(TINY)
    config = load_config(source).to_dict()
    config["search"]["seed"] = 2**32
    expdir.config_json.write_text(json.dumps(config))
    with Store.create(expdir.store, {"status": SweepStatus.CREATED}) as store:
        assert run_sweep(expdir, store, None, resume=True) == 2
        meta = store.meta()
    assert meta["status"] == SweepStatus.CRASHED and meta["config_error"] is True
    assert meta["message"].startswith(f"{expdir.config_json}: search.seed: must be from 0")
    assert "Traceback" not in meta["message"]


# -- with Ray --------------------------------------------------------------------------------------


@pytest.mark.ray
def test_a_real_ray_head_is_reachable(ray_head: RayHead) -> None:
    assert check_reachable(ray_head.address) is None


def new_experiment(tmp_path: Path, config: ExperimentConfig, source: Path) -> ExperimentDir:
    from tuneterm.cli.run import create_experiment

    umask = os.umask(0o077)
    try:
        return create_experiment(tmp_path / "runs", source, config)
    finally:
        os.umask(umask)


def drive(tmp_path: Path, address: str) -> tuple[ExperimentDir, int, float]:
    """Run a driver on `address`, unchecked (as `resume` would); its directory, exit code, time."""
    source = tmp_path / "tiny.toml"
    source.write_text(TINY)
    expdir = new_experiment(tmp_path, load_config(source), source)
    began = time.monotonic()
    driver = start_driver(expdir, address)
    returncode = driver.wait(timeout=90)
    assert driver.pid not in _driver_pids(tmp_path)
    return expdir, returncode, time.monotonic() - began


def recorded_end(expdir: ExperimentDir) -> tuple[str, str]:
    with Store.open(expdir.store) as store:
        meta = store.meta()
    return meta["status"], meta["message"]


@pytest.mark.ray
def test_a_driver_given_a_non_ray_address_ends_at_once_saying_what_answered(
    tmp_path: Path,
) -> None:
    with http_server() as address:
        expdir, returncode, took = drive(tmp_path, address)
    assert returncode == 1 and took < 15
    status, message = recorded_end(expdir)
    assert status == SweepStatus.CRASHED
    assert message.startswith(f"cannot use Ray at {address}: an HTTP server answers there")


@pytest.mark.ray
@pytest.mark.slow
def test_a_driver_that_cannot_connect_to_ray_gives_up_in_its_deadline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The default deadline is 30 s (tests/runner/test_connection_deadline.py); 6 s here.
    monkeypatch.setenv("TUNETERM_CONNECT_TIMEOUT_S", "6")
    # Speaks HTTP/2 like a GCS, so only the driver's own connection attempt can tell.
    with tcp_server(greet_like_grpc) as address:
        expdir, returncode, took = drive(tmp_path, address)
    assert returncode == 1 and took < 21
    status, message = recorded_end(expdir)
    assert status == SweepStatus.CRASHED
    assert message.startswith(f"could not connect to Ray at {address} in 6 s; ")


@pytest.mark.ray
@pytest.mark.slow
def test_a_sweep_whose_every_trial_errored_failed(tmp_path: Path, ray_head: RayHead) -> None:
    config = user_config(tmp_path, "always_fails", "score")
    proc = run_headless(config, ray_head, tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "sweep failed: every trial errored (the first: ValueError: no luck" in proc.stdout
    assert "errored: 2" in proc.stdout
    expdir = only_experiment(tmp_path / "runs")
    with Store.open(expdir.store) as store:
        assert store.meta()["status"] == SweepStatus.FAILED
        assert {t.reason for t in store.trials()} == {EndReason.ERROR}
    listing = tuneterm("ls", cwd=tmp_path, root=tmp_path / "runs", timeout=60).stdout
    assert "always_fails" in listing and "failed" in listing and "finished" not in listing
    assert "after the sweep failed" in expdir.journal.read_text()
    resumed = tuneterm("resume", str(expdir.path), cwd=tmp_path, root=tmp_path / "runs")
    assert resumed.returncode == 2 and "the sweep failed" in resumed.stderr


def test_trials_the_user_stopped_before_any_report_do_not_fail_the_sweep() -> None:
    stopped = [ended("a", EndReason.USER, None), ended("b", EndReason.USER, None)]
    assert sweep_outcome(stopped, "score") == (SweepStatus.FINISHED, "")
    mixed = [ended("a", EndReason.USER, None), ended("b", EndReason.COMPLETED, None)]
    assert sweep_outcome(mixed, "score")[0] is SweepStatus.FAILED
