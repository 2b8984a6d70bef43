"""A small two-metric sweep with known numbers, built through the Store API, for the tests of
`tuneterm export`, `status --json` and `ls --json`: every value they print can be read off the
tables below."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path
from typing import Any

from tuneterm.domain.status import EndReason
from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.store import Store

T0 = 1_700_000_000.0
REPO = Path(__file__).resolve().parents[2]
RAY_PLAIN = REPO / "tests" / "data" / "ray_plain" / "plain"

# trial id: (config, one metrics dict per iteration, how it ended (None: still running))
TRIALS: dict[str, tuple[dict[str, Any], list[dict[str, float]], EndReason | None]] = {
    "a": (
        {"lr": 0.1, "layers": 2, "opt": "adam", "model": {"width": 64}},
        [
            {"accuracy": 0.5, "loss": 1.0, "time_total_s": 1.0},
            {"accuracy": 0.7, "loss": 0.6, "time_total_s": 2.0},
            {"accuracy": 0.6, "loss": 0.8, "time_total_s": 3.0},
        ],
        EndReason.COMPLETED,
    ),
    "b": (
        {"lr": 0.01, "layers": 3, "opt": "sgd", "model": {"width": 32}},
        # Its last result lacks the loss: the last loss is the one before.
        [{"accuracy": 0.4, "loss": 0.9}, {"accuracy": 0.45, "extra": 7.0}],
        EndReason.SCHEDULER,
    ),
    "c": ({"lr": 0.001, "layers": 2, "opt": "adam", "model": {"width": 64}}, [], EndReason.ERROR),
    "d": (
        {"lr": 0.05, "layers": 1, "opt": "sgd", "model": {"width": 16}},
        [{"accuracy": 0.9, "loss": 0.3}],
        None,
    ),
}  # fmt: skip
RESULT_COUNT = sum(len(results) for _, results, _ in TRIALS.values())
ERROR_TEXT = 'Traceback (most recent call last):\n  File "x.py", line 1\nValueError: boom\n'


def started_at(trial_id: str) -> float:
    return T0 + 1 + list(TRIALS).index(trial_id)


def result_time(trial_id: str, iteration: int) -> float:
    return started_at(trial_id) + 10 * iteration


def ended_at(trial_id: str) -> float:
    return started_at(trial_id) + 60


def build_sweep(root: Path, *, with_nan: bool = False) -> Path:
    """The experiment directory of the sweep above (still running: trial d runs). `with_nan`
    adds a fourth result to trial a whose numbers are NaN: SQLite cannot read it as JSON."""
    expdir = ExperimentDir.create(root, "multi", now=T0)
    meta = {
        "name": "multi",
        "metric": "accuracy",
        "mode": "max",
        "metrics": [["accuracy", "max"], ["loss", "min"]],
        "status": "created",
    }
    with Store.create(expdir.store, meta) as store:
        store.record_experiment_started(now=T0)
        for trial_id, (config, results, reason) in TRIALS.items():
            store.record_trial_started(trial_id, config, now=started_at(trial_id))
            for iteration, metrics in enumerate(results, start=1):
                store.record_result(
                    trial_id, iteration, metrics, now=result_time(trial_id, iteration)
                )
            if with_nan and trial_id == "a":
                nan = {"accuracy": math.nan, "loss": math.nan}
                store.record_result("a", 4, nan, now=result_time("a", 4))
            if reason is not None:
                error = ERROR_TEXT if reason is EndReason.ERROR else None
                iterations = len(results) + (1 if with_nan and trial_id == "a" else 0)
                store.record_trial_ended(
                    trial_id, reason, iterations, error=error, now=ended_at(trial_id)
                )
    return expdir.path


def tuneterm(*argv: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """The real command line in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "tuneterm", *argv],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
        **kwargs,
    )


def assert_one_line_refusal(proc: subprocess.CompletedProcess[str], *words: str) -> None:
    """Exit code 2, nothing on stdout, one `error:` line on stderr holding each of `words`."""
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    for word in words:
        assert word in lines[0], lines[0]
