"""Event sources: a tuneterm store tailed by StoreSource, a plain Ray Tune directory by
RayDirSource (against files a real Ray 2.60 run wrote), and open_source choosing between them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tuneterm.domain.control import ControlAction
from tuneterm.domain.events import Event, EventKind
from tuneterm.domain.status import EndReason
from tuneterm.domain.sweep.state import SweepState
from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.liveness import process_start_ticks
from tuneterm.storage.schema import SCHEMA_VERSION
from tuneterm.storage.sources import open_source
from tuneterm.storage.sources.protocol import ReadOnlySourceError, SourceError
from tuneterm.storage.sources.raydir import RayDirSource
from tuneterm.storage.sources.raydir_files import guess_metric, guess_mode
from tuneterm.storage.sources.raydir_state import read_experiment_state
from tuneterm.storage.sources.store_source import StoreSource
from tuneterm.storage.store import Store

RAY_PLAIN = Path(__file__).parents[1] / "data" / "ray_plain"
"""storage_path of a real run: trial x=1 reported 3 scores, trial x=2 raised at iteration 2."""
GOOD_DIR = "trainable_43340_00000_0_x=1_2026-11-25_02-09-37"
FAILED_DIR = "trainable_43340_00001_1_x=2_2026-11-25_02-09-37"


@pytest.fixture
def experiment(tmp_path: Path) -> Iterator[ExperimentDir]:
    directory = ExperimentDir(tmp_path / "exp")
    directory.path.mkdir()
    Store.create(directory.store, {"name": "exp", "metric": "acc", "mode": "max"}).close()
    yield directory


@pytest.fixture
def ray_copy(tmp_path: Path) -> Path:
    """A writable copy of the Ray fixture's experiment directory."""
    return Path(shutil.copytree(RAY_PLAIN / "plain", tmp_path / "plain"))


def kinds(events: list[Event]) -> list[str]:
    return [event.kind for event in events]


# -- StoreSource ----------------------------------------------------------------------------------


def test_store_source_polls_only_what_is_new(experiment: ExperimentDir) -> None:
    source = open_source(experiment.path)
    assert isinstance(source, StoreSource) and not source.read_only
    with Store.open(experiment.store) as store:
        store.record_experiment_started(now=1.0)
        store.record_trial_started("t1", {"lr": 0.1}, now=2.0)
        store.record_result("t1", 1, {"acc": 0.5, "loss": 0.9}, now=3.0)
        first = source.poll()
        assert source.poll() == []
        store.record_result("t1", 2, {"loss": 0.8}, now=4.0)
        store.record_trial_ended("t1", EndReason.COMPLETED, 2, now=5.0)
        second = source.poll()
    source.close()
    assert kinds(first) == ["experiment_started", "trial_started", "result"]
    assert first[1].data == {"config": {"lr": 0.1}}
    assert first[2].data == {"acc": 0.5}  # only the sweep's metric comes along
    assert [(e.kind, e.data) for e in second] == [
        ("result", {}),
        ("trial_ended", {"reason": "completed"}),
    ]
    assert [e.seq for e in first + second] == sorted({e.seq for e in first + second})


def test_store_source_poll_honours_the_limit(experiment: ExperimentDir) -> None:
    with Store.open(experiment.store) as store:
        store.record_trial_started("t1", {})
        for iteration in range(1, 6):
            store.record_result("t1", iteration, {"acc": iteration / 10})
    source = open_source(experiment.path)
    batches = [source.poll(limit=4), source.poll(limit=4), source.poll(limit=4)]
    assert [len(batch) for batch in batches] == [4, 2, 0]
    assert [e.iteration for e in batches[0][1:] + batches[1]] == [1, 2, 3, 4, 5]
    source.close()


def test_store_source_trial_results_have_every_metric(experiment: ExperimentDir) -> None:
    with Store.open(experiment.store) as store:
        store.record_trial_started("t1", {})
        store.record_trial_started("t2", {})
        store.record_result("t1", 1, {"acc": 0.5, "loss": 0.9})
        store.record_result("t2", 1, {"acc": 0.1})
        store.record_result("t1", 2, {"acc": 0.6, "loss": 0.7})
    source = open_source(experiment.path)
    results = source.trial_results("t1")
    source.close()
    assert [(r.iteration, r.metrics) for r in results] == [
        (1, {"acc": 0.5, "loss": 0.9}),
        (2, {"acc": 0.6, "loss": 0.7}),
    ]


def test_store_source_meta_says_crashed_when_the_driver_died(experiment: ExperimentDir) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    with Store.open(experiment.store) as store:
        store.record_experiment_started(now=1.0)
        source = open_source(experiment.path)
        assert source.driver_alive() is None  # no driver recorded itself yet
        store.set_meta(driver_pid=os.getpid(), driver_start_ticks=process_start_ticks(os.getpid()))
        assert (source.meta()["status"], source.driver_alive()) == ("running", True)
        store.set_meta(driver_pid=int(dead.stdout), driver_start_ticks=None)
        assert (source.meta()["status"], source.driver_alive()) == ("crashed", False)
    assert source.meta()["name"] == "exp"
    source.close()


def test_a_store_source_feeds_a_sweep_state(experiment: ExperimentDir) -> None:
    with Store.open(experiment.store) as store:
        store.record_trial_started("t1", {"lr": 0.1})
        store.record_result("t1", 1, {"acc": 0.5, "loss": 0.9})
    source = open_source(experiment.path)
    state = SweepState(source.meta())
    state.apply(source.poll())
    source.close()
    assert (state.row("t1").last_metric, list(state.history("t1").values())) == (0.5, [0.5])


# -- open_source ----------------------------------------------------------------------------------


def test_open_source_accepts_the_store_file_itself(experiment: ExperimentDir) -> None:
    source = open_source(experiment.store)
    assert isinstance(source, StoreSource) and source.path == experiment.path
    source.close()


def test_open_source_on_a_ray_experiment_or_its_storage_path() -> None:
    for path in (RAY_PLAIN, RAY_PLAIN / "plain"):
        source = open_source(path)
        assert isinstance(source, RayDirSource)
        assert (source.path, source.read_only, source.driver_alive()) == (
            RAY_PLAIN / "plain",
            True,
            None,
        )


def test_open_source_refuses_a_directory_of_neither_kind(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "sub").mkdir()
    for path in (tmp_path, tmp_path / "missing"):
        with pytest.raises(SourceError) as raised:
            open_source(path)
        assert str(raised.value) == (
            f"{path}: neither a tuneterm experiment nor a Ray Tune experiment directory"
        )


def test_open_source_asks_which_of_several_ray_experiments(tmp_path: Path) -> None:
    shutil.copytree(RAY_PLAIN / "plain", tmp_path / "one")
    shutil.copytree(RAY_PLAIN / "plain", tmp_path / "two")
    with pytest.raises(SourceError, match=r"holds 2 Ray Tune experiments \(one, two\)"):
        open_source(tmp_path)


def test_open_source_reports_a_broken_store_in_one_line(tmp_path: Path) -> None:
    (tmp_path / Store.FILENAME).write_text("not a database")
    with pytest.raises(SourceError) as raised:
        open_source(tmp_path).poll()
    assert "\n" not in str(raised.value)


def test_open_source_refuses_a_store_from_a_newer_tuneterm(experiment: ExperimentDir) -> None:
    with Store.open(experiment.store) as store:
        store.set_meta(schema_version=SCHEMA_VERSION + 1)
    with pytest.raises(SourceError, match=r"^\S+store\.sqlite: written by a newer tuneterm"):
        open_source(experiment.path)


def test_store_source_writes_control_requests_the_driver_reads(experiment: ExperimentDir) -> None:
    source = open_source(experiment.path)
    with Store.open(experiment.store) as store:
        store.record_trial_started("t1", {"lr": 0.1}, now=1.0)
        source.poll()
        stop = source.request_control(ControlAction.STOP, "t1")
        stop_all = source.request_control(ControlAction.STOP_ALL, None)
        pending = store.pending_controls()
        events = source.poll()  # the request comes back through the log, like any event
    source.close()
    assert [(r.request_id, r.action, r.trial_id) for r in pending] == [
        (stop, ControlAction.STOP, "t1"),
        (stop_all, ControlAction.STOP_ALL, None),
    ]
    assert [(e.kind, e.trial_id, e.data) for e in events] == [
        ("control_requested", "t1", {"request_id": stop, "action": "stop"}),
        ("control_requested", None, {"request_id": stop_all, "action": "stop_all"}),
    ]


def test_store_source_writes_controls_while_another_thread_polls(
    experiment: ExperimentDir,
) -> None:
    """The dashboard polls on its feed thread and writes requests on a worker thread."""
    source = open_source(experiment.path)
    with Store.open(experiment.store) as store:
        store.record_trial_started("t1", {}, now=1.0)
        for iteration in range(1, 201):
            store.record_result("t1", iteration, {"acc": iteration / 200})
    seen: list[Event] = []
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            seen.extend(source.poll(limit=7))

    poller = threading.Thread(target=poll)
    poller.start()
    try:
        ids = [source.request_control(ControlAction.PAUSE, "t1") for _ in range(20)]
    finally:
        stop.set()
        poller.join()
    seen.extend(source.poll())
    source.close()
    assert ids == list(range(1, 21))
    requested = [e.data["request_id"] for e in seen if e.kind == "control_requested"]
    assert requested == ids


def test_a_plain_ray_directory_refuses_control_requests() -> None:
    source = RayDirSource(RAY_PLAIN / "plain")
    assert source.read_only
    with pytest.raises(ReadOnlySourceError, match="plain Ray Tune directory, read-only"):
        source.request_control(ControlAction.STOP, "43340_00000")


# -- RayDirSource on the real run -----------------------------------------------------------------


def test_ray_dir_meta() -> None:
    meta = RayDirSource(RAY_PLAIN / "plain").meta()
    assert meta == {
        "name": "plain",
        "metric": "score",
        "mode": "max",
        "status": "finished",
        "source": "ray",
        "started_at": pytest.approx(1795572577.68),
    }


def test_ray_dir_events_tell_the_whole_run() -> None:
    source = RayDirSource(RAY_PLAIN / "plain")
    events = source.poll()
    assert source.poll() == []
    assert [(e.kind, e.trial_id, e.iteration) for e in events] == [
        ("experiment_started", None, None),
        ("trial_started", "43340_00000", None),
        ("result", "43340_00000", 1),
        ("result", "43340_00000", 2),
        ("result", "43340_00000", 3),
        ("trial_ended", "43340_00000", 3),
        ("trial_started", "43340_00001", None),
        ("result", "43340_00001", 1),
        ("trial_ended", "43340_00001", 1),
        ("experiment_ended", None, None),
    ]
    assert events[1].data == {"config": {"x": 1}}
    assert events[2].data["score"] == 1.5 and "timestamp" not in events[2].data
    assert events[5].data == {"reason": "completed"}
    assert events[8].data["reason"] == "error"
    assert events[8].data["error"].rstrip().endswith("ValueError: boom at iteration 2")
    assert [e.seq for e in events] == list(range(1, 11))


def test_ray_dir_folds_into_a_sweep_state() -> None:
    source = RayDirSource(RAY_PLAIN / "plain")
    state = SweepState(source.meta())
    state.apply(source.poll())
    assert [(row.trial_id, row.state, row.iteration, row.best_metric) for row in state.rows()] == [
        ("43340_00000", "completed", 3, 3.5),
        ("43340_00001", "error", 1, 2.5),
    ]
    assert (state.status, state.tuned, state.counts()["error"]) == ("finished", ["x"], 1)
    assert all(
        row.runtime(now=0.0) is not None and row.runtime(now=0.0) >= 0 for row in state.rows()
    )


def test_ray_dir_trial_results() -> None:
    results = RayDirSource(RAY_PLAIN / "plain").trial_results("43340_00000")
    assert [(r.iteration, r.metrics["score"]) for r in results] == [(1, 1.5), (2, 2.5), (3, 3.5)]
    assert "time_total_s" in results[0].metrics
    assert RayDirSource(RAY_PLAIN / "plain").trial_results("nobody") == []


def set_trial_status(state_file: Path, trial_id: str, status: str) -> None:
    """Edit Ray's state file, whose trial_data entries are JSON strings inside JSON."""
    data = json.loads(state_file.read_text())
    for item in data["trial_data"]:
        trial = json.loads(item[0])
        if trial["trial_id"] == trial_id:
            item[0] = json.dumps({**trial, "status": status})
    state_file.write_text(json.dumps(data))


# -- RayDirSource following files as they grow ----------------------------------------------------


def test_ray_dir_follows_growing_files(ray_copy: Path) -> None:
    """Mid-run: no state file yet and one report; then lines arrive, half a line at a time."""
    state_file = next(ray_copy.glob("experiment_state-*.json"))
    saved_state = state_file.read_bytes()
    state_file.unlink()
    shutil.rmtree(ray_copy / FAILED_DIR)
    result_json = ray_copy / GOOD_DIR / "result.json"
    lines = result_json.read_bytes().splitlines(keepends=True)
    result_json.write_bytes(lines[0])

    source = RayDirSource(ray_copy)
    assert source.meta()["status"] == "running"
    first = source.poll()
    assert [(e.kind, e.iteration) for e in first] == [
        ("experiment_started", None),
        ("trial_started", None),
        ("result", 1),
    ]

    with result_json.open("ab") as out:
        out.write(lines[1] + lines[2][:40])
    assert [(e.kind, e.iteration) for e in source.poll()] == [("result", 2)]
    assert source.poll() == []

    with result_json.open("ab") as out:
        out.write(lines[2][40:])
    third = source.poll()
    assert [(e.kind, e.iteration, e.data["score"]) for e in third] == [("result", 3, 3.5)]

    shutil.copytree(RAY_PLAIN / "plain" / FAILED_DIR, ray_copy / FAILED_DIR)
    state_file.write_bytes(saved_state)
    last = source.poll()
    assert [(e.kind, e.trial_id) for e in last] == [
        ("trial_ended", "43340_00000"),
        ("trial_started", "43340_00001"),
        ("result", "43340_00001"),
        ("trial_ended", "43340_00001"),
        ("experiment_ended", None),
    ]
    assert source.meta()["status"] == "finished"


def test_ray_dir_poll_honours_the_limit(ray_copy: Path) -> None:
    source = RayDirSource(ray_copy)
    batches = [source.poll(limit=3) for _ in range(6)]
    assert [len(batch) for batch in batches] == [3, 3, 3, 1, 0, 0]
    polled = [event for batch in batches for event in batch]
    assert polled == RayDirSource(ray_copy).poll()  # the same events, numbered the same


def test_ray_dir_takes_an_error_behind_a_newer_running_state_for_a_retry(ray_copy: Path) -> None:
    state_file = next(ray_copy.glob("experiment_state-*.json"))
    set_trial_status(state_file, "43340_00001", "RUNNING")
    error_txt = ray_copy / FAILED_DIR / "error.txt"
    os.utime(error_txt, (1_000.0, 1_000.0))
    os.utime(state_file, (2_000.0, 2_000.0))
    source = RayDirSource(ray_copy)
    events = source.poll()
    assert [e.kind for e in events if e.trial_id == "43340_00001"] == ["trial_started", "result"]
    assert source.meta()["status"] == "running"

    os.utime(error_txt, (3_000.0, 3_000.0))  # it failed after the state was written
    ended = source.poll()
    assert [(e.kind, e.data["reason"]) for e in ended] == [("trial_ended", "error")]


def test_ray_dir_keeps_the_last_good_state_when_a_new_one_is_half_written(ray_copy: Path) -> None:
    source = RayDirSource(ray_copy)
    source.poll()
    newer = ray_copy / "experiment_state-2099-01-01_00-00-00.json"
    newer.write_text('{"trial_data": [["{\\"trial_id')
    os.utime(newer, (4e9, 4e9))
    assert source.poll() == []
    assert source.meta()["status"] == "finished"


def test_a_state_file_of_an_unexpected_shape_yields_no_trials() -> None:
    assert read_experiment_state("[1, 2]").trials == {}
    assert read_experiment_state('{"trial_data": "odd", "runner_data": 3}').trials == {}
    state = read_experiment_state(
        json.dumps(
            {"trial_data": [[{"trial_id": "a", "relative_logdir": "d", "status": "PENDING"}]]}
        )
    )
    assert (state.trials["d"].trial_id, state.trials["d"].status, state.finished) == (
        "a",
        "PENDING",
        False,
    )


def test_metric_and_mode_guesses() -> None:
    assert guess_metric({"time_total_s": 1.0, "f1": 0.3, "val_loss": 0.2, "score": 1.0}) == "score"
    assert guess_metric({"time_total_s": 1.0, "f1": 0.3}) == "f1"
    assert guess_metric({"training_iteration": 1.0}) == ""
    assert [guess_mode(m) for m in ("val_loss", "error_rate", "accuracy", "")] == [
        "min",
        "min",
        "max",
        "max",
    ]


def test_ray_result_event_kinds_match_the_store() -> None:
    assert {e.kind for e in RayDirSource(RAY_PLAIN / "plain").poll()} <= {
        EventKind.EXPERIMENT_STARTED,
        EventKind.TRIAL_STARTED,
        EventKind.RESULT,
        EventKind.TRIAL_ENDED,
        EventKind.EXPERIMENT_ENDED,
    }
