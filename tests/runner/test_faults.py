"""The sweep survives what happens around it: a killed driver is resumed with everything it had
recorded, and a trial whose worker process is killed ends as errored while the others go on."""

from __future__ import annotations

import os
import signal
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.fs
import pytest

from tests.conftest import RayHead
from tests.control_support import (
    events,
    meta,
    results,
    start_detached,
    started,
    trials,
    write_config,
)
from tests.support import tuneterm, wait_for
from tuneterm.domain.events import EventKind
from tuneterm.domain.status import EndReason
from tuneterm.runner.callback import explain_worker_death
from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.liveness import effective_status
from tuneterm.storage.store import Store

ITERATIONS = 12


def driver_pid(expdir: ExperimentDir) -> int:
    with Store.open(expdir.store) as store:
        return int(store.meta()["driver_pid"])


def recorded_results(store_path: Path) -> set[tuple[str, int]]:
    with Store.open(store_path) as store:
        return {(r.trial_id, r.iteration) for r in store.results()}


@pytest.mark.ray
@pytest.mark.slow
def test_a_sigkilled_driver_is_resumed_and_finishes_the_sweep_keeping_every_result(
    tmp_path: Path, ray_head: RayHead
) -> None:
    # Three trials on two CPUs: when the driver dies, two run and one has not started.
    config = write_config(
        tmp_path, "checkpointed", [1, 2, 3], period=0.5, cpu=1, extra_space=f"n = {ITERATIONS}"
    )
    expdir = start_detached(config, ray_head.address, tmp_path)
    wait_for(started(expdir, 1, min_results=3), timeout=60)
    refused = tuneterm("resume", str(expdir.path), cwd=tmp_path, root=tmp_path / "runs")
    assert refused.returncode == 2
    assert refused.stderr.startswith("error: resume: the sweep is still running (driver pid ")

    os.kill(driver_pid(expdir), signal.SIGKILL)
    wait_for(lambda: effective_status(meta(expdir)) == "crashed", timeout=10)
    before = recorded_results(expdir.store)
    assert 0 < len(before) < 3 * ITERATIONS

    proc = tuneterm("resume", str(expdir.path), cwd=tmp_path, root=tmp_path / "runs", timeout=90)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "sweep finished" in proc.stdout and "completed: 3" in proc.stdout, proc.stdout
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

    again = tuneterm("resume", str(expdir.path), cwd=tmp_path, root=tmp_path / "runs")
    assert again.returncode == 2
    assert again.stderr == "error: resume: the sweep finished; there is nothing to resume\n"


@pytest.mark.ray
@pytest.mark.slow
def test_a_stopped_sweep_can_be_resumed(tmp_path: Path, ray_head: RayHead) -> None:
    config = write_config(tmp_path, "checkpointed", [1], period=0.3, extra_space="n = 8")
    expdir = start_detached(config, ray_head.address, tmp_path)
    wait_for(started(expdir, 1, min_results=2), timeout=60)
    os.kill(driver_pid(expdir), signal.SIGUSR1)  # Tune's graceful stop
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


@pytest.mark.ray
@pytest.mark.slow
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


def test_a_dead_worker_is_explained_in_the_error_text() -> None:
    ray_text = (
        "Failure # 1\nThe actor died unexpectedly before finishing this task.\n"
        "\tclass_name: ImplicitFunc\n\tpid: 8102\n"
        "The actor is dead because its worker process has died. Worker exit type: SYSTEM_ERROR\n"
    )
    explained = explain_worker_death(ray_text)
    assert explained.startswith(ray_text)
    assert explained.splitlines()[-1] == (
        "The trial's worker process (pid 8102) died without raising an exception: it was killed"
        " by a signal (SIGKILL: kill -9 or the kernel's OOM killer) or crashed (e.g. SIGSEGV)."
    )
    assert explain_worker_death("ValueError: boom\n") == "ValueError: boom\n"


@dataclass
class FakeCheckpoint:
    path: str
    filesystem: object = field(default_factory=lambda: pyarrow.fs.LocalFileSystem())


@dataclass
class FakeStorage:
    trial_fs_path: str
    storage_filesystem: object = field(default_factory=lambda: pyarrow.fs.LocalFileSystem())


@dataclass
class FakeTrial:
    trial_id: str
    status: str = "RUNNING"
    storage: FakeStorage | None = None
    checkpoint: FakeCheckpoint | None = None


def test_superseded_checkpoints_are_deleted_only_once_the_saved_state_is_newer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tuneterm.runner import retention

    state = tmp_path / "experiment_state-x.json"
    state.write_text("{}")
    os.utime(state, (1000.0, 1000.0))
    checkpoints = [tmp_path / "t1" / f"checkpoint_{i:06d}" for i in range(3)]
    for checkpoint in checkpoints:
        checkpoint.mkdir(parents=True)
    pruner = retention.CheckpointPruner(str(tmp_path))
    trial = FakeTrial("t1", storage=FakeStorage(str(tmp_path / "t1")))
    clock = iter([1000.0, 1010.0])
    monkeypatch.setattr(retention.time, "time", lambda: next(clock))
    for checkpoint in checkpoints:
        pruner.on_checkpoint(0, [trial], trial, FakeCheckpoint(str(checkpoint)))
    # Superseded at 1000 and 1010: the state saved at 1000 may still name either.
    pruner.on_step_end(0, [trial])
    assert all(c.is_dir() for c in checkpoints)
    os.utime(state, (1012.0, 1012.0))  # 12 s after the first was superseded, 2 s after the second
    pruner._next_check = 0.0
    pruner.on_step_end(0, [trial])
    assert [c.is_dir() for c in checkpoints] == [False, True, True]
    trial.status = "TERMINATED"
    pruner.on_experiment_end([trial])
    assert [c.is_dir() for c in checkpoints] == [False, False, True]


def test_checkpoints_a_dead_driver_left_are_deleted_when_their_trial_ends(tmp_path: Path) -> None:
    """After a crash and a resume, the new driver never saw the old checkpoints superseded."""
    from tuneterm.runner import retention

    checkpoints = [tmp_path / "t1" / f"checkpoint_{i:06d}" for i in (0, 1, 2, 10, 11)]
    for checkpoint in checkpoints:
        (checkpoint / "model.pt").parent.mkdir(parents=True)
        (checkpoint / "model.pt").write_bytes(b"x" * 1000)
    (tmp_path / "t1" / "result.json").write_text("{}\n")
    pruner = retention.CheckpointPruner(str(tmp_path))
    # Restored with checkpoint 10; 11 is a save the stop cut short, which the state never named.
    restored = FakeCheckpoint(str(checkpoints[3]))
    trial = FakeTrial("t1", "TERMINATED", FakeStorage(str(tmp_path / "t1")), restored)
    running = FakeTrial("t2", "RUNNING", FakeStorage(str(tmp_path / "t2")))
    (tmp_path / "t2" / "checkpoint_000000").mkdir(parents=True)
    (tmp_path / "t2" / "checkpoint_000001").mkdir(parents=True)
    pruner.on_experiment_end([trial, running])
    assert [c.is_dir() for c in checkpoints] == [False, False, False, True, True]
    assert (tmp_path / "t1" / "result.json").is_file()
    assert len(list((tmp_path / "t2").iterdir())) == 2, "a trial that may resume keeps all"


@pytest.mark.ray
@pytest.mark.slow
def test_a_trial_stopped_just_before_the_driver_died_stays_stopped_after_resume(
    tmp_path: Path, ray_head: RayHead
) -> None:
    """Ray's saved state lags by up to ~10 s and may still call the trial unfinished."""
    config = write_config(tmp_path, "checkpointed", [1, 2], period=0.4, cpu=1, extra_space="n = 6")
    expdir = start_detached(config, ray_head.address, tmp_path)
    wait_for(started(expdir, 1, min_results=2), timeout=60)
    stopped = trials(expdir)[1]
    proc = tuneterm(
        "stop", str(expdir.path), stopped.trial_id, cwd=tmp_path, root=tmp_path / "runs"
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    os.kill(driver_pid(expdir), signal.SIGKILL)
    wait_for(lambda: effective_status(meta(expdir)) == "crashed", timeout=10)
    at_stop = trials(expdir)[1]
    assert at_stop.reason is EndReason.USER

    proc = tuneterm("resume", str(expdir.path), cwd=tmp_path, root=tmp_path / "runs", timeout=90)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    after = trials(expdir)
    assert (after[1].reason, after[1].last_iteration) == (EndReason.USER, at_stop.last_iteration)
    assert results(expdir, stopped.trial_id) == list(range(1, at_stop.last_iteration + 1))
    assert (after[2].reason, after[2].last_iteration) == (EndReason.COMPLETED, 6)
