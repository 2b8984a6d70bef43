"""Benchmark: hyperparameter importance for 1,000 finished trials of 8 hyperparameters.

Times `tuneterm.analysis.importance.importance` end to end (picking the finished trials, encoding
the hyperparameters, fitting the forest, permutation importance) `--runs` times, each with its own
seed so that no run reuses the last result, and prints the median with the spread (min, max).
Target: at most 1 s (it runs on a worker thread, off the dashboard's UI thread). Also prints what
the first computation pays once more: importing scikit-learn in a fresh interpreter; and what a
journal re-render with no newly finished trial pays (the cached result).

    .venv/bin/python bench/importance.py [--runs N] [--trials N]
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from tuneterm.analysis.importance import importance
from tuneterm.domain.config.space import Param
from tuneterm.domain.status import EndReason, TrialStatus
from tuneterm.domain.trial import Trial

TARGET_S = 1.0
SPACE = (
    Param("lr", "loguniform", (1e-5, 1e-1)),
    Param("weight_decay", "loguniform", (1e-6, 1e-2)),
    Param("dropout", "uniform", (0.0, 0.5)),
    Param("width", "quniform", (32, 512, 32)),
    Param("layers", "randint", (1, 6)),
    Param("batch_size", "choice", (32, 64, 128, 256)),
    Param("batch_norm", "choice", (True, False)),
    Param("optimizer", "grid", ("adam", "sgd", "rmsprop")),
)


def sweep(count: int, seed: int = 0) -> list[Trial]:
    """`count` ended trials: accuracy mostly from lr, some from batch_norm and dropout, noise."""
    rng = random.Random(seed)
    trials = []
    for index in range(count):
        config: dict[str, Any] = {
            "lr": 10 ** rng.uniform(-5, -1),
            "weight_decay": 10 ** rng.uniform(-6, -2),
            "dropout": rng.uniform(0.0, 0.5),
            "width": 32 * rng.randint(1, 16),
            "layers": rng.randint(1, 6),
            "batch_size": rng.choice([32, 64, 128, 256]),
            "batch_norm": rng.choice([True, False]),
            "optimizer": rng.choice(["adam", "sgd", "rmsprop"]),
        }
        accuracy = 0.6 * math.exp(-((math.log10(config["lr"]) + 2.5) ** 2))
        accuracy += 0.15 * config["batch_norm"] - 0.2 * config["dropout"] + rng.gauss(0, 0.02)
        reason = EndReason.SCHEDULER if index % 3 else EndReason.COMPLETED
        trials.append(
            Trial(f"t{index:05d}", config, TrialStatus.ENDED, reason=reason, best_metric=accuracy)
        )
    return trials


def timed(call: Callable[[], object], runs: int) -> list[float]:
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    return seconds


def spread(seconds: list[float]) -> str:
    return (
        f"median {statistics.median(seconds):.3f} s "
        f"(min {min(seconds):.3f}, max {max(seconds):.3f}, {len(seconds)} runs)"
    )


def sklearn_import(runs: int) -> list[float]:
    code = (
        "import time; t = time.perf_counter(); import sklearn.ensemble, sklearn.inspection;"
        " print(time.perf_counter() - t)"
    )
    return [
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout)
        for _ in range(runs)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--trials", type=int, default=1000)
    args = parser.parse_args()
    trials = sweep(args.trials)
    print(f"importance: {args.trials} trials x {len(SPACE)} hyperparameters")
    importance(trials, SPACE, "accuracy", seed=10_000)  # warm: scikit-learn imported
    seeds = iter(range(args.runs))
    seconds = timed(lambda: importance(trials, SPACE, "accuracy", seed=next(seeds)), args.runs)
    verdict = "met" if statistics.median(seconds) <= TARGET_S else "MISSED"
    print(f"  computed:          {spread(seconds)}; target <= {TARGET_S:.1f} s: {verdict}")
    cached = timed(lambda: importance(trials, SPACE, "accuracy", seed=args.runs - 1), args.runs)
    print(f"  unchanged (cache): {spread(cached)}")
    print(f"  import scikit-learn, fresh interpreter: {spread(sklearn_import(3))}")
    result = importance(trials, SPACE, "accuracy", seed=0)
    shares = ", ".join(f"{name} {share:.1%}" for name, share in result.shares[:4])
    print(f"  shares (seed 0): {shares}; out-of-bag R² {result.fit:.2f}")


if __name__ == "__main__":
    main()
