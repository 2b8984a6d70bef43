"""The SQLite store: round trip, tailing, de-duplication, status; and the sweep summary."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from tuneterm.domain.control import ControlAction
from tuneterm.domain.events import EventKind
from tuneterm.domain.status import EndReason, SweepStatus, TrialStatus
from tuneterm.domain.summary import summarize
from tuneterm.storage.experiment import ExperimentDir, list_experiments
from tuneterm.storage.liveness import effective_status
from tuneterm.storage.requests import RequestRefused, open_store
from tuneterm.storage.schema import EVENTS_SCHEMA, SCHEMA_VERSION
from tuneterm.storage.store import Store, StoreError


@pytest.fixture
def store(tmp_path: Path) -> Store:
    created = Store.create(
        tmp_path / "store.sqlite", {"name": "exp", "metric": "acc", "mode": "max"}
    )
    yield created
    created.close()


def test_round_trip_of_every_event_kind(store: Store) -> None:
    store.record_experiment_started(now=100.0, ray_version="2.60.0")
    store.record_trial_started("t1", {"lr": 0.01, "layers": 2}, now=101.0)
    store.record_result("t1", 1, {"acc": 0.5, "loss": 1.2}, now=102.0)
    store.record_result("t1", 2, {"acc": 0.7, "loss": 0.9}, now=103.0)
    store.record_trial_ended("t1", EndReason.SCHEDULER, 2, now=104.0)
    store.record_experiment_ended(SweepStatus.FINISHED, now=105.0)

    kinds = [e.kind for e in store.events_since(0)]
    assert kinds == [
        EventKind.EXPERIMENT_STARTED,
        EventKind.TRIAL_STARTED,
        EventKind.RESULT,
        EventKind.RESULT,
        EventKind.TRIAL_ENDED,
        EventKind.EXPERIMENT_ENDED,
    ]
    [trial] = store.trials()
    assert trial.config == {"lr": 0.01, "layers": 2}
    assert (trial.status, trial.reason, trial.stop_iteration) == (
        TrialStatus.ENDED,
        EndReason.SCHEDULER,
        2,
    )
    assert (trial.last_iteration, trial.last_metric, trial.best_metric) == (2, 0.7, 0.7)
    assert trial.runtime == pytest.approx(3.0)
    assert [r.metrics["loss"] for r in store.results("t1")] == [1.2, 0.9]
    assert store.meta()["status"] == "finished"


def test_best_metric_follows_the_mode(tmp_path: Path) -> None:
    with Store.create(tmp_path / "s.sqlite", {"metric": "loss", "mode": "min"}) as store:
        store.record_trial_started("t", {})
        for iteration, loss in enumerate([0.9, 0.4, 0.6], start=1):
            store.record_result("t", iteration, {"loss": loss})
        [trial] = store.trials()
    assert (trial.best_metric, trial.last_metric) == (0.4, 0.6)


def test_a_repeated_iteration_is_recorded_once(store: Store) -> None:
    store.record_trial_started("t1", {})
    assert store.record_result("t1", 1, {"acc": 0.5})
    assert not store.record_result("t1", 1, {"acc": 0.9})
    assert [r.metrics for r in store.results()] == [{"acc": 0.5}]


def test_events_since_tails_from_a_sequence_number(store: Store) -> None:
    store.record_trial_started("t1", {})
    first = store.events_since(0)
    store.record_result("t1", 1, {"acc": 0.1})
    newer = store.events_since(first[-1].seq)
    assert [e.kind for e in newer] == [EventKind.RESULT]
    assert newer[0].data == {"acc": 0.1}
    assert len(list(store.iter_events(0, batch=1))) == 2


def test_a_second_connection_reads_while_the_writer_writes(store: Store) -> None:
    reader = Store.open(store.path)
    store.record_trial_started("t1", {"x": 1})
    store.record_result("t1", 1, {"acc": 0.3})
    assert reader.count_results() == 1
    assert reader.trials()[0].config == {"x": 1}
    reader.close()
    journal_mode = sqlite3.connect(store.path).execute("PRAGMA journal_mode").fetchone()[0]
    assert journal_mode == "wal"


def test_a_crashed_writer_loses_no_committed_event(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    Store.create(path, {"metric": "acc", "mode": "max"}).close()
    script = (
        "import os, sys; from tuneterm.storage.store import Store\n"
        f"s = Store.open(__import__('pathlib').Path({str(path)!r}))\n"
        "s.record_trial_started('t', {})\n"
        "[s.record_result('t', i, {'acc': i / 10}) for i in range(1, 51)]\n"
        "os._exit(9)\n"
    )
    subprocess.run([sys.executable, "-c", script], check=False)
    with Store.open(path) as store:
        assert [r.iteration for r in store.results()] == list(range(1, 51))


def test_ended_experiment_marks_running_trials_interrupted(store: Store) -> None:
    store.record_trial_started("t1", {})
    store.record_result("t1", 3, {"acc": 0.2})
    store.record_experiment_ended(SweepStatus.STOPPED)
    [trial] = store.trials()
    assert (trial.reason, trial.stop_iteration) == (EndReason.INTERRUPTED, 3)


def test_opening_a_missing_store_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no tuneterm store"):
        Store.open(tmp_path / "nope.sqlite")
    with pytest.raises(StoreError, match="already exists"):
        Store.create(tmp_path / "s.sqlite", {}).close() or Store.create(tmp_path / "s.sqlite", {})


def test_summary_counts_reasons_and_scheduler_rungs(store: Store) -> None:
    store.record_experiment_started(now=10.0)
    plan = [
        ("a", EndReason.COMPLETED, 10, 0.9),
        ("b", EndReason.SCHEDULER, 2, 0.5),
        ("c", EndReason.SCHEDULER, 2, 0.4),
        ("d", EndReason.SCHEDULER, 6, 0.8),
        ("e", EndReason.ERROR, 1, 0.1),
        ("f", EndReason.USER, 3, 0.3),
    ]
    for trial_id, reason, iterations, acc in plan:
        store.record_trial_started(trial_id, {"id": trial_id})
        for iteration in range(1, iterations + 1):
            store.record_result(trial_id, iteration, {"acc": acc * iteration / iterations})
        store.record_trial_ended(trial_id, reason, iterations)
    store.record_trial_started("g", {})
    store.record_experiment_ended(SweepStatus.FINISHED, now=70.0)
    summary = summarize(store.trials(), store.meta())
    assert (summary.total, summary.completed, summary.errored, summary.user_stopped) == (7, 1, 1, 1)
    assert summary.scheduler_stops == {2: 2, 6: 1}
    assert summary.interrupted == 1
    assert summary.best is not None and summary.best.trial_id == "a"
    assert summary.elapsed == pytest.approx(60.0)


def test_status_of_a_dead_driver_is_crashed(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    meta = {"status": "running", "driver_pid": dead.pid, "driver_start_ticks": 1}
    assert effective_status(meta) == "crashed"
    assert (
        effective_status({**meta, "driver_pid": os.getpid(), "driver_start_ticks": None})
        == "running"
    )
    assert effective_status({**meta, "status": "finished"}) == "finished"


def test_list_experiments_reads_each_directory(tmp_path: Path) -> None:
    for name in ("one", "two"):
        expdir = ExperimentDir.create(tmp_path, name)
        assert oct(expdir.path.stat().st_mode & 0o777) == "0o700"
        with Store.create(
            expdir.store,
            {"name": name, "metric": "acc", "mode": "max", "status": "finished", "created_at": 1.0},
        ) as store:
            store.record_trial_started("t", {})
            store.record_result("t", 1, {"acc": 0.25})
    (tmp_path / "not-an-experiment").mkdir()
    infos = list_experiments(tmp_path)
    assert sorted(i.name for i in infos) == ["one", "two"]
    assert all(i.trials == 1 and i.best_metric == 0.25 and i.status == "finished" for i in infos)


# -- stores written by other versions of tuneterm --------------------------------------------------


def write_old_store(path: Path, meta: dict[str, Any]) -> None:
    """A store as tuneterm wrote it before control requests and the notebook existed."""
    with closing(sqlite3.connect(path)) as conn:
        conn.executescript(EVENTS_SCHEMA)
        rows = [(key, json.dumps(value)) for key, value in meta.items()]
        conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", rows)
        conn.execute(
            "INSERT INTO events (time, kind, trial_id, iteration, data)"
            " VALUES (5.0, 'result', 't', 1, '{\"acc\": 0.5}')"
        )
        conn.execute(
            "INSERT INTO trials (trial_id, config, status, last_iteration, best_metric)"
            " VALUES ('t', '{}', 'ended', 1, 0.5)"
        )
        conn.commit()


def tables(path: Path) -> set[str]:
    with closing(sqlite3.connect(path)) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {name for (name,) in rows}


@pytest.mark.parametrize("recorded_version", [1, None])
def test_a_store_older_than_controls_and_the_notebook_opens_and_gains_their_tables(
    tmp_path: Path, recorded_version: int | None
) -> None:
    expdir = ExperimentDir(tmp_path / "old")
    expdir.path.mkdir()
    meta: dict[str, Any] = {"name": "old", "metric": "acc", "mode": "max", "status": "finished"}
    if recorded_version is not None:
        meta["schema_version"] = recorded_version
    write_old_store(expdir.store, meta)
    assert "controls" not in tables(expdir.store)

    with Store.open(expdir.store) as store:
        assert [(r.trial_id, r.iteration, r.metrics) for r in store.results()] == [
            ("t", 1, {"acc": 0.5})
        ]
        assert store.request_control(ControlAction.STOP, "t") == 1
        assert store.add_note("still readable").text == "still readable"
    assert {"controls", "notes", "hypotheses", "verdicts"} <= tables(expdir.store)
    [info] = list_experiments(tmp_path)
    assert (info.name, info.status, info.trials, info.best_metric) == ("old", "finished", 1, 0.5)


def test_a_store_from_a_newer_tuneterm_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    Store.create(path, {"metric": "acc", "mode": "max"}).close()
    newer = SCHEMA_VERSION + 2
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(newer),))
        conn.execute("DROP TABLE verdicts")
        conn.commit()

    with pytest.raises(StoreError) as refused:
        Store.open(path)
    assert str(refused.value) == (
        f"{path}: written by a newer tuneterm"
        f" (store schema {newer}; this one reads up to {SCHEMA_VERSION})"
    )
    assert "verdicts" not in tables(path), "a newer store is left as it is"
    assert list_experiments(tmp_path) == []
    with pytest.raises(RequestRefused) as request:
        open_store(tmp_path)  # as `stop`, `pause` and `resume` open it
    assert str(request.value) == str(refused.value)


def test_a_new_store_records_this_schema_version(store: Store) -> None:
    assert store.meta()["schema_version"] == SCHEMA_VERSION


def test_a_store_appears_whole_so_a_reader_never_opens_one_without_tables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tuneterm.storage import store as store_module

    path = tmp_path / "store.sqlite"
    seen_while_made: list[bool] = []
    made = store_module.create_tables

    def watched(conn: sqlite3.Connection) -> None:
        seen_while_made.append(path.exists())
        made(conn)

    monkeypatch.setattr(store_module, "create_tables", watched)
    Store.create(path, {"name": "x"}).close()
    assert seen_while_made == [False]
    assert [p.name for p in tmp_path.iterdir()] == ["store.sqlite"]
    with Store.open(path) as store:
        assert store.meta()["name"] == "x"
    with pytest.raises(StoreError, match="a store already exists"):
        Store.create(path, {"name": "y"})


def test_a_store_is_created_on_a_file_system_without_hard_links(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(source: object, target: object) -> None:
        raise PermissionError("hard links are not supported here")

    monkeypatch.setattr(os, "link", no_links)
    path = tmp_path / "store.sqlite"
    Store.create(path, {"name": "x"}).close()
    assert [p.name for p in tmp_path.iterdir()] == ["store.sqlite"]
    with Store.open(path) as store:
        assert store.meta()["name"] == "x"
