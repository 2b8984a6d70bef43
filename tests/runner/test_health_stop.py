"""A real sweep with `[health] stop`: the driver stops a trial that reports NaN at the iteration
that reported it, and one that stops reporting, each with a stop reason of its own; a diverging
trial is flagged only; the others complete, and the headless summary counts the stops apart."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import pytest

from tests.conftest import RayHead
from tests.support import only_experiment, tuneterm
from tuneterm.domain.events import EventKind
from tuneterm.domain.status import EndReason
from tuneterm.storage.store import Store

pytestmark = [pytest.mark.ray, pytest.mark.slow]

TRAINABLE = '''
import math
import time

from ray import tune


def train(config):
    """x=0 is healthy; x=1 reports NaN at iteration 2; x=2 gets worse from its first report;
    x=3 goes silent after three reports."""
    x = config["x"]
    for i in range(1, 5):
        time.sleep(60 if x == 3 and i == 4 else 0.2)
        score = float(i)
        if x == 1 and i == 2:
            score = math.nan
        elif x == 2:
            score = 5.0 - i
        tune.report({"score": score})
'''

CONFIG = """
[experiment]
name = "health"
metric = "score"
mode = "max"

[trainable]
name = "healthtrain:train"

[resources]
cpu = 1

[search_space]
x = { grid = [0, 1, 2, 3] }

[search]
algorithm = "grid"

[health]
stop = ["nan", "stalled"]
patience = 2
stall_floor_s = 2
"""


def test_the_driver_stops_trials_for_the_rules_the_config_names(
    tmp_path: Path, ray_head: RayHead
) -> None:
    (tmp_path / "healthtrain.py").write_text(TRAINABLE)
    config = tmp_path / "health.toml"
    config.write_text(textwrap.dedent(CONFIG))
    root = tmp_path / "runs"
    args = ("run", str(config), "--headless", "--address", ray_head.address)
    proc = tuneterm(*args, cwd=tmp_path, root=root, timeout=180)
    assert proc.returncode == 0, proc.stdout + proc.stderr

    with Store.open(only_experiment(root).store) as store:
        by_x = {trial.config["x"]: trial for trial in store.trials()}
        ends = {e.trial_id: e for e in store.events_since(0) if e.kind == EventKind.TRIAL_ENDED}
        health = [e for e in store.events_since(0) if e.kind == EventKind.TRIAL_HEALTH]
        nan_results = store.results(by_x[1].trial_id)

    healthy, nan, diverging, silent = (by_x[x] for x in range(4))
    assert (healthy.reason, healthy.last_iteration) == (EndReason.COMPLETED, 4)
    # Stopped at the very report that was NaN: no iteration 3.
    assert (nan.reason, nan.stop_iteration) == (EndReason.RULE, 2)
    assert ends[nan.trial_id].data == {"reason": "rule", "rule": "nan"}
    scores = [(r.iteration, r.metrics.get("score", math.nan)) for r in nan_results]
    assert scores[0] == (1, 1.0) and scores[1][0] == 2 and math.isnan(scores[1][1])
    assert len(scores) == 2
    # Flagged only: "diverged" is not among the rules that stop.
    assert (diverging.reason, diverging.last_iteration) == (EndReason.COMPLETED, 4)
    assert (silent.reason, silent.stop_iteration) == (EndReason.RULE, 3)
    assert ends[silent.trial_id].data == {"reason": "rule", "rule": "stalled"}

    flags = {(e.trial_id, e.iteration, e.data["health"]) for e in health}
    assert flags == {
        (nan.trial_id, 2, "nan"),
        (diverging.trial_id, 3, "diverged"),
        (silent.trial_id, 3, "stalled"),
    }
    [nan_flag] = [e for e in health if e.trial_id == nan.trial_id]
    assert nan_flag.data["reason"] == "nan: score was nan at iteration 2"

    out = proc.stdout
    assert f"trial {nan.trial_id} flagged: nan: score was nan at iteration 2" in out
    assert f"trial {nan.trial_id} ended: stopped by rule: nan at iteration 2" in out
    assert f"trial {silent.trial_id} ended: stopped by rule: stalled at iteration 3" in out
    assert "  completed: 2\n" in out
    assert "  stopped by a health rule: 2\n" in out
