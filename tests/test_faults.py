"""The sweep survives what happens around it: a killed driver is resumed with everything it had
recorded, and a trial whose worker process is killed ends as errored while the others go on."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from tests.conftest import RayHead
from tests.control_support import (
    events,
    meta,
    results,
    start_detached,
    started,
    trials,
    tuneterm,
    wait_for,
    write_config,
)
from tuneterm.model.experiment import effective_status
from tuneterm.model.store import EventKind, Store
from tuneterm.model.trial import EndReason

pytestmark = [pytest.mark.ray, pytest.mark.slow]

ITERATIONS = 12


def recorded_results(store_path: Path) -> set[tuple[str, int]]:
    with Store.open(store_path) as store:
        return {(r.trial_id, r.iteration) for r in store.results()}


def test_a_sigkilled_driver_is_resumed_and_finishes_the_sweep_keeping_every_result(
    tmp_path: Path, ray_head: RayHead
) -> None:
    # Three trials on two CPUs: when the driver dies, two run and one has not started.
    config = write_config(
        tmp_path, "checkpointed", [1, 2, 3], period=0.5, cpu=1, extra_space=f"n = {ITERATIONS}"
    )
    expdir = start_detached(config, ray_head.address, tmp_path)
    cli = {"cwd": tmp_path, "root": tmp_path / "runs"}
    wait_for(started(expdir, 1, min_results=3), timeout=60)
    refused = tuneterm("resume", str(expdir.path), **cli)
    assert refused.returncode == 2
    assert refused.stderr.startswith("error: resume: the sweep is still running (driver pid ")

    os.kill(int(meta(expdir)["driver_pid"]), signal.SIGKILL)
    wait_for(lambda: effective_status(meta(expdir)) == "crashed", timeout=10)
    before = recorded_results(expdir.store)
    assert 0 < len(before) < 3 * ITERATIONS

    proc = tuneterm("resume", str(expdir.path), **cli, timeout=90)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "sweep finished" in proc.stdout and "completed: 3" in proc.stdout
    assert meta(expdir)["status"] == "finished"
    after = recorded_results(expdir.store)
    assert before <= after
    by_x = trials(expdir)
    assert set(by_x) == {1, 2, 3}
    for trial in by_x.values():
        assert (trial.reason, trial.last_iteration) == (EndReason.COMPLETED, ITERATIONS)
        # Each iteration once, in order, however many times a restored trial repeated one.
        assert results(expdir, trial.trial_id) == list(range(1, ITERATIONS + 1))
    starts = events(expdir, EventKind.EXPERIMENT_STARTED)
    assert [e.data["resumed"] for e in starts] == [False, True]

    again = tuneterm("resume", str(expdir.path), **cli)
    assert again.returncode == 2
    assert again.stderr == "error: resume: the sweep finished; there is nothing to resume\n"


def test_a_stopped_sweep_can_be_resumed(tmp_path: Path, ray_head: RayHead) -> None:
    config = write_config(tmp_path, "checkpointed", [1], period=0.3, extra_space="n = 8")
    expdir = start_detached(config, ray_head.address, tmp_path)
    wait_for(started(expdir, 1, min_results=2), timeout=60)
    os.kill(int(meta(expdir)["driver_pid"]), signal.SIGUSR1)  # Tune's graceful stop
    wait_for(lambda: meta(expdir)["status"] == "stopped", timeout=30)
    [trial] = trials(expdir).values()
    assert trial.reason is EndReason.INTERRUPTED
    proc = tuneterm("resume", str(expdir.path), cwd=tmp_path, root=tmp_path / "runs", timeout=90)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # Only what happened after the resume is printed.
    assert proc.stdout.count("sweep started") == 1 and "sweep stopped" not in proc.stdout
    assert "sweep finished" in proc.stdout
    [trial] = trials(expdir).values()
    assert (trial.reason, trial.last_iteration) == (EndReason.COMPLETED, 8)
    assert results(expdir, trial.trial_id) == list(range(1, 9))


def test_a_trial_whose_worker_is_sigkilled_errors_with_the_signal_and_the_sweep_goes_on(
    tmp_path: Path, ray_head: RayHead
) -> None:
    config = write_config(tmp_path, "killed_at_two", [1, 2], period=0.2, cpu=1)
    expdir = start_detached(config, ray_head.address, tmp_path)
    wait_for(lambda: meta(expdir)["status"] != "running" and "ended_at" in meta(expdir), 90)
    assert meta(expdir)["status"] == "finished"
    by_x = trials(expdir)
    assert (by_x[1].reason, by_x[1].stop_iteration) == (EndReason.ERROR, 1)
    assert "SIGKILL" in (by_x[1].error or "")
    assert (by_x[2].reason, by_x[2].last_iteration) == (EndReason.COMPLETED, 4)
