"""Stopping, pausing and resuming one trial (and stopping the sweep) from the command line.

The decision logic is tested without Ray, in tests/domain/test_control.py; here the private-API
assumptions of runner/control.py are checked against the installed Ray, and the rest are real sweeps
on the shared Ray head (2 CPUs), with trials that reserve both CPUs, so that a second trial can
start only once the first one's are free.
"""

from __future__ import annotations

import inspect
import time
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from tests.conftest import RayHead
from tests.control_support import (
    events,
    meta,
    pid_alive,
    results,
    start_detached,
    started,
    trials,
    write_config,
)
from tests.support import tuneterm, wait_for
from tuneterm.domain.control import ControlAction
from tuneterm.domain.events import EventKind
from tuneterm.domain.status import EndReason, TrialStatus
from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.store import Store

LATENCY_S = 1.0
"""The longest a stop or pause may take, from the request to the trial's end (or pause)."""


# -- the private API tune/control.py relies on ----------------------------------------------------


def test_the_private_ray_api_of_tune_control_still_exists() -> None:
    import ray
    from ray.tune.execution.tune_controller import TuneController
    from ray.tune.experiment.trial import _TemporaryTrialState

    from tuneterm.runner import control

    assert ray.__version__ == control.RAY_VERSION_CHECKED, "re-check tune/control.py, then bump"
    assert control.control_assumptions_hold() == []
    parameters = {
        name: list(inspect.signature(getattr(TuneController, name)).parameters)
        for name in (
            "stop_trial",
            "pause_trial",
            "_set_trial_status",
            "_unstage_trial_with_resources",
        )
    }
    assert parameters == {
        "stop_trial": ["self", "trial"],
        "pause_trial": ["self", "trial", "should_checkpoint"],
        "_set_trial_status": ["self", "trial", "status"],
        "_unstage_trial_with_resources": ["self", "trial"],
    }
    assert _TemporaryTrialState().ray_actor is None  # type: ignore[no-untyped-call]
    # What a scheduler's choose_trial_to_run receives: the controller behind a whitelist.
    controller = mock.Mock(spec=TuneController)
    controller._resource_updater = mock.Mock()
    wrapper = TuneController._wrapped(controller)  # type: ignore[no-untyped-call]
    assert wrapper._tune_controller is controller
    assert control.WRAPPER_WHITELIST.issubset(wrapper._runner_whitelist_attr)


def test_the_scheduler_pickles_without_its_store_connection(tmp_path: Path) -> None:
    from ray import cloudpickle

    from tuneterm.runner.decisions import StopDecisions
    from tuneterm.runner.scheduler import RecordingFIFO

    store_path = tmp_path / "store.sqlite"
    Store.create(store_path, {"metric": "score", "mode": "max"}).close()
    scheduler: Any = RecordingFIFO()
    scheduler.enable_control(store_path, StopDecisions())
    assert scheduler._trial_controller is not None
    scheduler._trial_controller.store  # noqa: B018  (open the connection)
    copy = cloudpickle.loads(cloudpickle.dumps(scheduler))  # type: ignore[no-untyped-call]
    assert copy._trial_controller._store is None
    assert copy._trial_controller.store.meta()["metric"] == "score"


def test_a_pause_forgets_the_stop_tune_cached_behind_an_in_flight_save() -> None:
    from ray.tune.experiment import Trial as RayTrial
    from ray.tune.schedulers import TrialScheduler

    from tuneterm.runner import control

    trial = mock.Mock(trial_id="t1", status=RayTrial.RUNNING, last_result={})
    trial.temporary_state.ray_actor = None
    controller = mock.Mock(
        _trial_to_actor={trial: object()},
        _staged_trials=set(),
        _cached_trial_decisions={},
        _queued_trial_decisions={},
    )

    def pause_trial(paused: object, should_checkpoint: bool) -> None:
        # What Tune's _schedule_trial_stop does when the trial is saving.
        controller._cached_trial_decisions["t1"] = TrialScheduler.STOP

    wrapper = mock.Mock(_tune_controller=controller, pause_trial=mock.Mock(side_effect=pause_trial))
    control._pause(wrapper, trial)
    wrapper.pause_trial.assert_called_once_with(trial, should_checkpoint=False)
    assert controller._cached_trial_decisions == {}


# -- real sweeps ----------------------------------------------------------------------------------


def request_time(expdir: ExperimentDir, action: ControlAction) -> float:
    [request] = [
        e for e in events(expdir, EventKind.CONTROL_REQUESTED) if e.data["action"] == action.value
    ]
    return float(request.time)


def stop_all(expdir: ExperimentDir, cwd: Path) -> None:
    proc = tuneterm("stop", str(expdir.path), "--all", cwd=cwd, root=cwd / "runs")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    wait_for(lambda: meta(expdir)["status"] == "stopped", timeout=20)


def stop_one_and_check(expdir: ExperimentDir, tmp_path: Path) -> None:
    """Stop trial x=1 now; it ends as stopped by the user within LATENCY_S; x=2 gets its CPUs."""
    trial_id = trials(expdir)[1].trial_id
    proc = tuneterm("stop", str(expdir.path), trial_id, cwd=tmp_path, root=tmp_path / "runs")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith(f"trial {trial_id} stopped at iteration ")
    stopped = trials(expdir)[1]
    assert stopped.reason is EndReason.USER
    assert stopped.stop_iteration == stopped.last_iteration
    assert stopped.ended_at is not None
    assert stopped.ended_at - request_time(expdir, ControlAction.STOP) < LATENCY_S
    wait_for(lambda: not pid_alive(tmp_path, 1), timeout=LATENCY_S)
    # Both CPUs were x=1's: x=2 can only start once they are free.
    wait_for(started(expdir, 2), timeout=15)


@pytest.mark.ray
@pytest.mark.slow
def test_stop_ends_a_trial_that_reports_every_30_s_at_once(
    tmp_path: Path, ray_head: RayHead
) -> None:
    config = write_config(tmp_path, "reporter", [1, 2], period=30.0)
    expdir = start_detached(config, ray_head.address, tmp_path)
    wait_for(started(expdir, 1), timeout=60)
    time.sleep(0.5)  # well inside its first 30 s
    stop_one_and_check(expdir, tmp_path)
    assert results(expdir, trials(expdir)[1].trial_id) == []
    stop_all(expdir, tmp_path)


@pytest.mark.ray
@pytest.mark.slow
def test_stop_ends_a_trial_that_reports_every_tenth_of_a_second(
    tmp_path: Path, ray_head: RayHead
) -> None:
    config = write_config(tmp_path, "reporter", [1, 2], period=0.1)
    expdir = start_detached(config, ray_head.address, tmp_path)
    wait_for(started(expdir, 1, min_results=5), timeout=60)
    stop_one_and_check(expdir, tmp_path)
    stopped = trials(expdir)[1]
    # Nothing is recorded for it after its end.
    assert max(results(expdir, stopped.trial_id)) == stopped.stop_iteration
    stop_all(expdir, tmp_path)


@pytest.mark.ray
@pytest.mark.slow
def test_pause_frees_the_trial_holds_it_and_resume_continues_from_its_checkpoint(
    tmp_path: Path, ray_head: RayHead
) -> None:
    # x=2 runs 3 iterations and ends: then nothing else is pending, and x=1 must stay paused.
    config = write_config(tmp_path, "checkpointed", [1, 2], period=0.3, extra_space="last = 2")
    expdir = start_detached(config, ray_head.address, tmp_path)
    wait_for(started(expdir, 1, min_results=3), timeout=60)
    trial_id = trials(expdir)[1].trial_id

    proc = tuneterm("pause", str(expdir.path), trial_id, cwd=tmp_path, root=tmp_path / "runs")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "paused at iteration" in proc.stdout and "resources are free" in proc.stdout
    [paused] = events(expdir, EventKind.TRIAL_PAUSED, trial_id)
    assert paused.time - request_time(expdir, ControlAction.PAUSE) < LATENCY_S
    assert trials(expdir)[1].status is TrialStatus.PAUSED
    wait_for(lambda: not pid_alive(tmp_path, 1), timeout=LATENCY_S)
    before = results(expdir, trial_id)

    wait_for(lambda: trials(expdir).get(2) is not None and trials(expdir)[2].ended_at, timeout=30)
    assert trials(expdir)[2].reason is EndReason.COMPLETED
    time.sleep(2.0)  # many scheduler steps with nothing pending but the paused trial
    assert trials(expdir)[1].status is TrialStatus.PAUSED
    assert results(expdir, trial_id) == before
    assert meta(expdir)["status"] == "running"

    proc = tuneterm(
        "resume-trial", str(expdir.path), trial_id, cwd=tmp_path, root=tmp_path / "runs"
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "resumes from its last checkpoint" in proc.stdout
    assert trials(expdir)[1].status is TrialStatus.RUNNING
    wait_for(lambda: len(results(expdir, trial_id)) >= len(before) + 4, timeout=30)
    # Still running after several checkpoint saves: no decision from before the pause ended it.
    assert trials(expdir)[1].status is TrialStatus.RUNNING
    after = results(expdir, trial_id)[len(before) :]
    # At most the epoch in flight at the pause is lost, and none is repeated.
    assert after[0] in (before[-1] + 1, before[-1])
    assert after == list(range(after[0], after[0] + len(after)))
    with Store.open(expdir.store) as store:
        steps = [r.metrics["step"] for r in store.results(trial_id)]
    assert steps == [float(i) for i in results(expdir, trial_id)]
    stop_all(expdir, tmp_path)


@pytest.mark.ray
@pytest.mark.slow
def test_a_hyperopt_trial_stopped_before_its_first_report_ends_as_stopped_not_errored(
    tmp_path: Path, ray_head: RayHead
) -> None:
    # Stock HyperOptSearch would turn this stop into an ERROR (no metric in the last result).
    config = write_config(tmp_path, "reporter", [1], period=30.0, search="hyperopt")
    expdir = start_detached(config, ray_head.address, tmp_path)
    wait_for(started(expdir, 1), timeout=60)
    trial_id = trials(expdir)[1].trial_id
    proc = tuneterm("stop", str(expdir.path), trial_id, cwd=tmp_path, root=tmp_path / "runs")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    wait_for(lambda: meta(expdir)["status"] != "running", timeout=20)
    [trial] = trials(expdir).values()
    assert (trial.reason, trial.error) == (EndReason.USER, None)
    assert meta(expdir)["status"] == "finished"


@pytest.mark.ray
@pytest.mark.slow
def test_stop_all_ends_every_trial_and_the_sweep(tmp_path: Path, ray_head: RayHead) -> None:
    # One CPU each: two trials run, a third waits.
    config = write_config(tmp_path, "reporter", [1, 2, 3], period=30.0, cpu=1)
    expdir = start_detached(config, ray_head.address, tmp_path)
    wait_for(lambda: len(trials(expdir)) == 2, timeout=60)
    # The waiting trial is known to Ray only (its id follows the others'); it can be paused too.
    waiting_id = trials(expdir)[1].trial_id.rsplit("_", 1)[0] + "_00002"
    proc = tuneterm("pause", str(expdir.path), waiting_id, cwd=tmp_path, root=tmp_path / "runs")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == f"trial {waiting_id} paused at iteration 0; its resources are free\n"
    stop_all(expdir, tmp_path)
    ended = events(expdir, EventKind.TRIAL_ENDED)
    assert {e.data["reason"] for e in ended} == {"user"}
    # The paused one that never ran is recorded too, as stopped before it started.
    assert len(ended) == 3
    assert all(e.time - request_time(expdir, ControlAction.STOP_ALL) < LATENCY_S for e in ended)
    assert all(t.reason is EndReason.USER for t in trials(expdir).values())
    assert meta(expdir)["status"] == "stopped"


@pytest.mark.ray
@pytest.mark.slow
def test_requests_that_cannot_apply_are_refused_with_a_clear_message(
    tmp_path: Path, ray_head: RayHead
) -> None:
    config = write_config(tmp_path, "reporter", [1, 2], period=0.1, extra_space="last = 1")
    expdir = start_detached(config, ray_head.address, tmp_path)
    wait_for(started(expdir, 2), timeout=60)
    done = trials(expdir)[1]

    proc = tuneterm("stop", str(expdir.path), done.trial_id, cwd=tmp_path, root=tmp_path / "runs")
    assert proc.returncode == 2
    assert proc.stderr == f"error: trial {done.trial_id} already ended (completed at iteration 3)\n"
    proc = tuneterm("pause", str(expdir.path), "nosuchtrial", cwd=tmp_path, root=tmp_path / "runs")
    assert proc.returncode == 2
    assert proc.stderr == "error: no trial nosuchtrial in this sweep\n"
    running_id = trials(expdir)[2].trial_id
    proc = tuneterm(
        "resume-trial", str(expdir.path), running_id, cwd=tmp_path, root=tmp_path / "runs"
    )
    assert proc.returncode == 2
    assert proc.stderr == f"error: trial {running_id} is not paused (it is running)\n"
    # The driver refused the unknown id (the store cannot know of trials yet to start).
    with Store.open(expdir.store) as store:
        [refused] = [c for c in store.controls() if c.state == "rejected"]
    assert refused.trial_id == "nosuchtrial"
    stop_all(expdir, tmp_path)

    proc = tuneterm("stop", str(expdir.path), running_id, cwd=tmp_path, root=tmp_path / "runs")
    assert proc.returncode == 2
    assert proc.stderr == "error: the sweep is not running (it is stopped)\n"
