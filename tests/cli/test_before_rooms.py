"""An experiment directory written before the code moved into rooms still opens: its store
(schema 1, no control or notebook tables yet; upgraded on open), its journal, the dashboard on
it, and a resume of Ray's saved state, which pickled tuneterm's objects under the old module names.

The fixture is a real sweep of that version (ASHA, hyperopt, the built-in cnn), whose driver was
SIGKILLed after four results.
"""

from __future__ import annotations

import json
import shutil
import socket
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.conftest import RayHead
from tests.support import tuneterm
from tests.ui.helpers import screen_text, wait_for_events
from tuneterm.domain.events import EventKind
from tuneterm.domain.hypotheses.notebook import NoteKind
from tuneterm.domain.status import EndReason, SweepStatus, TrialStatus
from tuneterm.storage.liveness import effective_status
from tuneterm.storage.schema import SCHEMA_VERSION
from tuneterm.storage.sources import open_source
from tuneterm.storage.store import Store
from tuneterm.ui.app import create_app

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "before_rooms" / "compat"
TRIALS = ("20cf840a", "3ab1db62")
"""The completed trial and the one running when the driver was killed."""


@pytest.fixture
def old_sweep(tmp_path: Path) -> Path:
    """A copy of the fixture whose driver died on this host (as it did where it was made)."""
    path = tmp_path / "runs" / "compat"
    shutil.copytree(FIXTURE, path)
    gone = subprocess.Popen(["true"])
    gone.wait()
    with sqlite3.connect(path / "store.sqlite") as conn:
        conn.executemany(
            "UPDATE meta SET value = ? WHERE key = ?",
            [
                (json.dumps(gone.pid), "driver_pid"),
                (json.dumps(socket.gethostname()), "driver_host"),
            ],
        )
    conn.close()
    return path


def test_the_old_store_opens_as_a_crashed_sweep_with_its_trials(old_sweep: Path) -> None:
    with sqlite3.connect(old_sweep / "store.sqlite") as conn:
        recorded = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    conn.close()
    with Store.open(old_sweep / "store.sqlite") as store:
        meta, trials = store.meta(), {t.trial_id: t for t in store.trials()}
        store.add_note("read after the move", None, None)
        store.add_note("old stores take every kind", None, None, NoteKind.LESSON)
        notes = store.notes()
    assert recorded == ("1",), "the fixture is a store from before note kinds"
    assert meta["schema_version"] == SCHEMA_VERSION, "upgraded on open"
    assert effective_status(meta) == SweepStatus.CRASHED
    assert set(trials) == set(TRIALS)
    assert trials["20cf840a"].reason is EndReason.COMPLETED
    assert trials["3ab1db62"].status is TrialStatus.RUNNING
    assert [(note.text, note.kind) for note in notes] == [
        ("read after the move", NoteKind.OBSERVATION),
        ("old stores take every kind", NoteKind.LESSON),
    ]


def test_the_journal_of_an_old_experiment_renders(old_sweep: Path, tmp_path: Path) -> None:
    proc = tuneterm("journal", str(old_sweep), cwd=tmp_path, root=old_sweep.parent)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("# Journal: compat\n")
    assert "after the sweep crashed" in proc.stdout and "**Status:** crashed" in proc.stdout
    assert "20cf840a" in proc.stdout  # the best (and only ended) trial


async def test_the_dashboard_attaches_to_an_old_experiment(old_sweep: Path) -> None:
    source = open_source(old_sweep)
    try:
        app = create_app(source, poll_interval=0.01)
        async with app.run_test(size=(120, 30)) as pilot:
            await wait_for_events(pilot, app, 7)
            screen = screen_text(app)
    finally:
        source.close()
    assert "compat" in screen and "crashed" in screen
    for trial in TRIALS:
        assert trial in screen


@pytest.mark.ray
@pytest.mark.slow
def test_an_old_experiment_resumes_and_every_trial_ends(
    old_sweep: Path, tmp_path: Path, ray_head: RayHead
) -> None:
    with Store.open(old_sweep / "store.sqlite") as store:
        results_before = store.count_results()
    proc = tuneterm(
        "resume",
        str(old_sweep),
        "--headless",
        "--address",
        ray_head.address,
        cwd=tmp_path,
        root=old_sweep.parent,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No module named" not in proc.stdout + proc.stderr
    with Store.open(old_sweep / "store.sqlite") as store:
        starts = store.events_since(0)
        trials = store.trials()
        assert store.count_results() > results_before
    resumed = [e.data["resumed"] for e in starts if e.kind == EventKind.EXPERIMENT_STARTED]
    assert resumed == [False, True]
    assert all(trial.status is TrialStatus.ENDED for trial in trials)
    assert sum(trial.reason is EndReason.COMPLETED for trial in trials) >= 2


def test_a_resume_on_an_address_where_no_ray_answers_is_refused_before_a_driver_starts(
    old_sweep: Path, tmp_path: Path
) -> None:
    from tests.runner.test_run_failures import http_server

    with http_server() as address:
        proc = tuneterm(
            "resume",
            str(old_sweep),
            "--headless",
            "--address",
            address,
            cwd=tmp_path,
            root=old_sweep.parent,
            timeout=60,
        )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.startswith(f"error: resume: --address {address}: an HTTP server answers")
    assert proc.stderr.count("\n") == 1 and proc.stdout == ""
    with Store.open(old_sweep / "store.sqlite") as store:
        assert effective_status(store.meta()) == SweepStatus.CRASHED  # untouched
