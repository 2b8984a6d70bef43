"""End to end in a real pseudo-terminal: `tuneterm run` opens the dashboard on a live sweep, the
screen shows trials progress, `q` quits the UI only, and the driver goes on to finish."""

from __future__ import annotations

import os
import shlex
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import RayHead
from tests.runner.test_sweep import TINY
from tests.support import (
    ScreenText,
    Terminal,
    assert_footer_keys,
    assert_sweep_header,
    only_experiment,
    ray_results,
    wait_for,
)
from tuneterm.domain.status import SweepStatus
from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.liveness import effective_status
from tuneterm.storage.store import Store

pytestmark = [pytest.mark.ray, pytest.mark.slow]


def run_in_terminal(config: Path, ray_head: RayHead, env: dict[str, str]) -> Terminal:
    argv = [sys.executable, "-m", "tuneterm", "run", str(config), "--address", ray_head.address]
    return Terminal(argv, cwd=config.parent, env=env, size=(24, 80))


def live_sweep_check(root: Path) -> Callable[[ScreenText], None]:
    """What a user sees once the tiny sweep reports while it runs: its header, a table row for a
    trial the store knows, past its first iteration, and the keys."""

    def check(screen: ScreenText) -> None:
        assert_sweep_header(screen, "tiny", SweepStatus.RUNNING)
        assert "best accuracy" in screen.header
        assert screen.lines[1].split()[1] == "trials:", screen.lines[1]
        titles = [title for title in screen.lines[2].split() if title not in ("▲", "▼")]
        assert titles[:3] == ["trial", "state", "iter"], screen.lines[2]
        with Store.open(only_experiment(root).store) as store:
            started = [trial.trial_id for trial in store.trials()]
        # A trial that started a moment ago may not be painted yet: those on screen are checked.
        shown = [trial_id for trial_id in started if any(trial_id in line for line in screen.lines)]
        rows = [screen.row(trial_id) for trial_id in shown]
        assert rows and all(row[1] in ("running", "completed") for row in rows), rows
        assert any(int(row[2]) >= 1 for row in rows), rows
        assert_footer_keys(screen, "x Stop", "p Plots", "n Note", "? Help", "q Quit")

    return check


@pytest.mark.parametrize("term", ["xterm-256color", "screen"])
def test_dashboard_in_a_pty_quits_and_leaves_the_sweep_running(
    tmp_path: Path, ray_head: RayHead, term: str
) -> None:
    config = tmp_path / "tiny.toml"
    config.write_text(TINY.replace("epochs = 3", "epochs = 12"))
    root = tmp_path / "runs"
    env = {**os.environ, "TUNETERM_ROOT": str(root), "TERM": term, "NO_COLOR": "1"}
    terminal = run_in_terminal(config, ray_head, env)
    try:
        terminal.wait_for_text(lambda s: "tiny" in s, timeout=30)
        screen = terminal.wait_for_screen(live_sweep_check(root), timeout=90)
        assert len(screen.lines) == 24
        terminal.process.write(b"q")
        deadline = time.monotonic() + 20
        while terminal.process.isalive() and time.monotonic() < deadline:
            terminal.pump(0.2)
        terminal.pump(0.5)
        assert not terminal.process.isalive()
    finally:
        if terminal.process.isalive():
            terminal.process.terminate(force=True)
    expdir = only_experiment(root)
    command = f"tuneterm attach {shlex.quote(str(expdir.path))}"
    assert f"The sweep keeps running. Reattach with: {command}".encode() in terminal.raw
    with Store.open(expdir.store) as store:
        assert effective_status(store.meta()) == SweepStatus.RUNNING
    wait_for(lambda: recorded_status(expdir) == SweepStatus.FINISHED, timeout=120)
    with Store.open(expdir.store) as store:
        assert all(t.last_iteration == 12 for t in store.trials())


def test_a_sigkilled_dashboard_leaves_a_sweep_that_records_every_result(
    tmp_path: Path, ray_head: RayHead
) -> None:
    config = tmp_path / "tiny.toml"
    config.write_text(TINY.replace("epochs = 3", "epochs = 12"))
    root = tmp_path / "runs"
    env = {**os.environ, "TUNETERM_ROOT": str(root), "TERM": "xterm-256color"}
    terminal = run_in_terminal(config, ray_head, env)
    try:
        terminal.wait_for_text(lambda s: "tiny" in s, timeout=30)
        terminal.wait_for_screen(live_sweep_check(root), timeout=90)
        # The terminal goes away: SIGHUP to the UI, then SIGKILL.
        os.kill(terminal.process.pid, signal.SIGHUP)
        os.kill(terminal.process.pid, signal.SIGKILL)
    finally:
        if terminal.process.isalive():
            terminal.process.terminate(force=True)
    expdir = only_experiment(root)
    wait_for(lambda: recorded_status(expdir) == SweepStatus.FINISHED, timeout=120)
    with Store.open(expdir.store) as store:
        ours = {(r.trial_id, r.iteration): r.metrics["accuracy"] for r in store.results()}
    theirs = {
        (trial_id, row["training_iteration"]): row["accuracy"]
        for trial_id, rows in ray_results(expdir).items()
        for row in rows
    }
    assert len(theirs) == 3 * 12
    assert ours == pytest.approx(theirs)


def recorded_status(expdir: ExperimentDir) -> object:
    with Store.open(expdir.store) as store:
        return store.meta().get("status")
