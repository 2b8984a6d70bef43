"""In a real pseudo-terminal: a dashboard is killed mid-sweep, more trials end, and the next one to
attach says what happened since the first was last seen ("Since you left at HH:MM: ...")."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import RayHead
from tests.support import Terminal, only_experiment, wait_for
from tuneterm.domain.away import SEEN_KEY
from tuneterm.domain.status import SweepStatus
from tuneterm.domain.text import number
from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.store import Store

pytestmark = [pytest.mark.ray, pytest.mark.slow]

TRAINABLE = """\
import time

from ray import tune


def train(config):
    for i in range(1, 13):
        time.sleep(0.5)
        if config["x"] == 4 and i == 3:
            raise ValueError("x=4 diverged")
        tune.report({"score": float(config["x"] * i)})
"""

CONFIG = """\
[experiment]
name = "away"
metric = "score"
mode = "max"

[trainable]
name = "awaytrain:train"

[search_space]
x = { grid = [1, 2, 3, 4] }

[search]
algorithm = "grid"

[resources]
cpu = 1
"""

WORDS = {"completed": "completed", "error": "errored", "scheduler": "stopped by the scheduler"}


def seen_after_a_result(root: Path) -> bool:
    """Whether the dashboard recorded that it was watching after the first result came in."""
    if not root.is_dir() or not any(root.iterdir()):
        return False
    with Store.open(only_experiment(root).store) as store:
        seen = store.meta().get(SEEN_KEY)
        results = store.results()
    return seen is not None and any(result.time <= seen for result in results)


def expected_banner(expdir: ExperimentDir) -> str:
    """What happened after the recorded visit, counted from the store's trials and results."""
    with Store.open(expdir.store) as store:
        seen = store.meta()[SEEN_KEY]
        trials, results = store.trials(), store.results()
    ends = Counter(t.reason.value for t in trials if t.reason and (t.ended_at or 0) > seen)
    assert ends, "no trial ended after the dashboard was killed: nothing to report"
    parts = [f"{ends[reason]} {WORDS[reason]}" for reason in WORDS if ends[reason]]
    before = [r.metrics["score"] for r in results if r.time <= seen]
    after = [r for r in results if r.time > seen]
    best = max(after, key=lambda r: r.metrics["score"])
    if not before or best.metrics["score"] > max(before):
        parts.append(f"new best {number(best.metrics['score'])} by {best.trial_id}")
    parts.append("the sweep finished")
    left = time.strftime("%H:%M", time.localtime(seen))
    return f"Since you left at {left}: {', '.join(parts)}"


def test_the_next_attach_says_what_happened_since_a_killed_dashboard(
    tmp_path: Path, ray_head: RayHead
) -> None:
    (tmp_path / "awaytrain.py").write_text(TRAINABLE)
    config = tmp_path / "away.toml"
    config.write_text(CONFIG)
    root = tmp_path / "runs"
    env = {**os.environ, "TUNETERM_ROOT": str(root), "TERM": "xterm-256color", "NO_COLOR": "1"}
    argv = [sys.executable, "-m", "tuneterm", "run", str(config), "--address", ray_head.address]
    first = Terminal(argv, cwd=tmp_path, env=env, size=(30, 160))
    try:
        first.wait_for_text(lambda s: "away" in s, timeout=30)
        deadline = time.monotonic() + 120
        while not seen_after_a_result(root):
            assert time.monotonic() < deadline, f"never recorded as seen:\n{first.text()}"
            first.pump(0.2)
        os.kill(first.process.pid, signal.SIGKILL)
    finally:
        if first.process.isalive():
            first.process.terminate(force=True)
    expdir = only_experiment(root)
    wait_for(lambda: status(expdir) == SweepStatus.FINISHED, timeout=180)
    expected = expected_banner(expdir)
    attach = [sys.executable, "-m", "tuneterm", "attach", str(expdir.path)]
    second = Terminal(attach, cwd=tmp_path, env=env, size=(30, 160))
    try:
        shown = second.wait_for_text(lambda s: "Since you left at" in s, timeout=60)
        print(expected)
        [line] = [line.strip() for line in shown.splitlines() if "Since you left" in line]
        assert line == f"{expected}  (esc hides this)"
        second.process.write(b"\x1b")
        second.wait_for_text(lambda s: "Since you left" not in s, timeout=10)
        second.process.write(b"q")
        deadline = time.monotonic() + 20
        while second.process.isalive() and time.monotonic() < deadline:
            second.pump(0.2)
        assert not second.process.isalive()
    finally:
        if second.process.isalive():
            second.process.terminate(force=True)


def status(expdir: ExperimentDir) -> str | None:
    with Store.open(expdir.store) as store:
        return store.meta().get("status")
