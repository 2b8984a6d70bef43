"""End to end in a real pseudo-terminal: `tuneterm run` opens the dashboard on a live sweep, the
screen shows trials progress, `q` quits the UI only, and the driver goes on to finish."""

from __future__ import annotations

import os
import select
import signal
import sys
import time
from pathlib import Path

import pyte
import pytest
from ptyprocess import PtyProcess

from tests.conftest import RayHead
from tests.runner.test_sweep import TINY
from tests.support import only_experiment, ray_results, wait_for
from tuneterm.storage.experiment import effective_status
from tuneterm.storage.store import Store

pytestmark = [pytest.mark.ray, pytest.mark.slow]


class Terminal:
    """A child process on a pty, its output fed to a VT100 emulator."""

    def __init__(self, argv: list[str], cwd: Path, env: dict[str, str], size: tuple[int, int]):
        rows, cols = size
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.process = PtyProcess.spawn(argv, cwd=str(cwd), env=env, dimensions=(rows, cols))
        self.raw = bytearray()

    def pump(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([self.process.fd], [], [], min(left, 0.05))
            if not ready:
                continue
            try:
                chunk = os.read(self.process.fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.raw += chunk
            self.stream.feed(chunk)

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def wait_for_text(self, predicate, timeout: float) -> str:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pump(0.2)
            if predicate(self.text()):
                return self.text()
        raise AssertionError(f"screen never matched; it shows:\n{self.text()}")


@pytest.mark.parametrize("term", ["xterm-256color", "screen"])
def test_dashboard_in_a_pty_quits_and_leaves_the_sweep_running(
    tmp_path: Path, ray_head: RayHead, term: str
) -> None:
    config = tmp_path / "tiny.toml"
    config.write_text(TINY.replace("epochs = 3", "epochs = 12"))
    root = tmp_path / "runs"
    env = {**os.environ, "TUNETERM_ROOT": str(root), "TERM": term, "NO_COLOR": "1"}
    terminal = Terminal(
        [sys.executable, "-m", "tuneterm", "run", str(config), "--address", ray_head.address],
        cwd=tmp_path,
        env=env,
        size=(24, 80),
    )
    try:
        terminal.wait_for_text(lambda s: "tiny" in s, timeout=30)
        screen = terminal.wait_for_text(lambda s: "running" in s and "accuracy" in s, timeout=90)
        assert len(screen.splitlines()) == 24
        terminal.process.write(b"q")
        deadline = time.monotonic() + 20
        while terminal.process.isalive() and time.monotonic() < deadline:
            terminal.pump(0.2)
        terminal.pump(0.5)
        assert not terminal.process.isalive()
    finally:
        if terminal.process.isalive():
            terminal.process.terminate(force=True)
    assert b"tuneterm attach" in terminal.raw
    expdir = only_experiment(root)
    with Store.open(expdir.store) as store:
        assert effective_status(store.meta()) == "running"
    wait_for(lambda: Store.open(expdir.store).meta().get("status") == "finished", timeout=120)
    with Store.open(expdir.store) as store:
        assert all(t.last_iteration == 12 for t in store.trials())


def test_a_sigkilled_dashboard_leaves_a_sweep_that_records_every_result(
    tmp_path: Path, ray_head: RayHead
) -> None:
    config = tmp_path / "tiny.toml"
    config.write_text(TINY.replace("epochs = 3", "epochs = 8"))
    root = tmp_path / "runs"
    env = {**os.environ, "TUNETERM_ROOT": str(root), "TERM": "xterm-256color"}
    terminal = Terminal(
        [sys.executable, "-m", "tuneterm", "run", str(config), "--address", ray_head.address],
        cwd=tmp_path,
        env=env,
        size=(24, 80),
    )
    try:
        terminal.wait_for_text(lambda s: "running" in s, timeout=90)
        # The terminal goes away: SIGHUP to the UI, then SIGKILL.
        os.kill(terminal.process.pid, signal.SIGHUP)
        os.kill(terminal.process.pid, signal.SIGKILL)
    finally:
        if terminal.process.isalive():
            terminal.process.terminate(force=True)
    expdir = only_experiment(root)
    wait_for(lambda: Store.open(expdir.store).meta().get("status") == "finished", timeout=120)
    with Store.open(expdir.store) as store:
        ours = {(r.trial_id, r.iteration): r.metrics["accuracy"] for r in store.results()}
    theirs = {
        (trial_id, row["training_iteration"]): row["accuracy"]
        for trial_id, rows in ray_results(expdir).items()
        for row in rows
    }
    assert len(theirs) == 3 * 8
    assert ours == pytest.approx(theirs)
