"""Benchmark: drawing the journal's figures never slows the driver's result callback.

Benchmark (a)'s sweep (bench/overhead.py: 8 trials x 500 quick iterations, tuneterm's callback,
scheduler and store) run three ways, alternately in one Ray session, several rounds:

- bare Ray Tune;
- with tuneterm and the driver's journal thread, text only (`figure_interval=None`): the journal as
  it was before figures;
- the same with figures, drawn as often as `--figure-interval` allows (default 2 s, thirty times
  the driver's default, so that several figure processes run during every sweep).

Each is timed around `Tuner.fit()` alone; the final figures drawn after it are not counted (the
driver draws them after the sweep's end). Prints each variant's median ratio to bare Ray Tune with
its spread (min-max over rounds), how many figure processes ran per sweep, and the result callback
itself: the median and 99th percentile of the time tuneterm's `on_trial_result` takes, over every
result of every round, with and without figures (less sensitive to a busy machine than the ratio).

    .venv/bin/python bench/figures.py [--rounds N] [--figure-interval S]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tuneterm.runner.driver import RAY_ENVIRONMENT

for _key, _value in RAY_ENVIRONMENT.items():
    os.environ.setdefault(_key, _value)

import ray  # noqa: E402
from ray import tune  # noqa: E402
from ray.tune.logger import CSVLoggerCallback, JsonLoggerCallback  # noqa: E402

from tuneterm.runner.callback import StoreCallback  # noqa: E402
from tuneterm.runner.decisions import StopDecisions  # noqa: E402
from tuneterm.runner.scheduler import RecordingFIFO  # noqa: E402
from tuneterm.storage.config_file import config_from_dict  # noqa: E402
from tuneterm.storage.experiment import ExperimentDir  # noqa: E402
from tuneterm.storage.figure_files import load_manifest  # noqa: E402
from tuneterm.storage.journal_service import JournalThread  # noqa: E402
from tuneterm.storage.store import Store  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import overhead  # noqa: E402  (benchmark (a)'s trainable and sizes)


class TimedCallback(StoreCallback):
    """tuneterm's store callback, timing each `on_trial_result`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seconds: list[float] = []

    def on_trial_result(self, *args: Any, **kwargs: Any) -> None:
        started = time.perf_counter()
        super().on_trial_result(*args, **kwargs)
        self.seconds.append(time.perf_counter() - started)


XS = [float(i) for i in range(overhead.TRIALS)]
CONFIG = {
    "experiment": {"name": "bench", "metric": "score", "mode": "max"},
    "trainable": {"name": "overhead:quick", "epochs": overhead.ITERATIONS},
    "search_space": {"x": {"grid": XS}},
    "search": {"algorithm": "grid"},
    "scheduler": {"name": "fifo"},
    "hypotheses": [{"id": "H1", "statement": "x helps", "parameter": "x", "expected": "higher"}],
}


def sweep(
    directory: Path, figure_interval: float | None, journal: bool
) -> tuple[float, int, list[float]]:
    """Seconds `fit()` took, the figure processes started (0 without figures), and the seconds
    each result callback took."""
    callbacks: list[tune.Callback] = [JsonLoggerCallback(), CSVLoggerCallback()]
    scheduler = None
    expdir = ExperimentDir(directory)
    if journal:
        directory.mkdir(parents=True)
        expdir.config_json.write_text(json.dumps(CONFIG))
        meta = {"name": "bench", "metric": "score", "mode": "max", "tuned": ["x"]}
        Store.create(expdir.store, meta).close()
        decisions = StopDecisions()
        timed = TimedCallback(expdir.store, decisions)
        callbacks.append(timed)
        scheduler = RecordingFIFO()
        scheduler.record_stops_in(decisions)
    tuner = tune.Tuner(
        overhead.quick,
        param_space={"x": tune.grid_search(XS)},
        tune_config=tune.TuneConfig(metric="score", mode="max", scheduler=scheduler),
        run_config=tune.RunConfig(
            storage_path=str(directory / "ray"), name="bench", verbose=0, callbacks=callbacks
        ),
    )
    if not journal:
        started = time.perf_counter()
        tuner.fit()
        return time.perf_counter() - started, 0, []
    thread = JournalThread(expdir, config_from_dict(CONFIG), figure_interval=figure_interval)
    with thread:
        started = time.perf_counter()
        tuner.fit()
        elapsed = time.perf_counter() - started
        drawings = thread.figures_started()
    manifest = load_manifest(expdir)
    assert figure_interval is None or (manifest is not None and manifest.problem is None)
    return elapsed, drawings, timed.seconds


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.3f} ({min(values):.3f}-{max(values):.3f})"


def callback_ms(seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return f"median {statistics.median(ordered) * 1e3:.3f} ms, p99 {p99 * 1e3:.3f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--figure-interval", type=float, default=2.0)
    args = parser.parse_args()
    ray.init(address="local", log_to_driver=False, include_dashboard=False, logging_level="ERROR")
    variants = {"bare": None, "text": None, "figures": args.figure_interval}
    times: dict[str, list[float]] = {name: [] for name in variants}
    drawings: list[int] = []
    callbacks: dict[str, list[float]] = {"text": [], "figures": []}
    with tempfile.TemporaryDirectory() as tmp:
        sweep(Path(tmp) / "warmup", None, journal=False)
        for round_ in range(args.rounds):
            names = list(variants)
            order = names[round_ % 3 :] + names[: round_ % 3]  # rotate who goes first
            for name in order:
                directory = Path(tmp) / f"r{round_}-{name}"
                elapsed, drawn, seconds = sweep(directory, variants[name], journal=name != "bare")
                times[name].append(elapsed)
                callbacks.get(name, []).extend(seconds)
                if name == "figures":
                    drawings.append(drawn)
    ray.shutdown()
    ratios = {
        name: [ours / bare for ours, bare in zip(times[name], times["bare"], strict=True)]
        for name in ("text", "figures")
    }
    print(
        f"figures: {overhead.TRIALS} trials x {overhead.ITERATIONS} iterations, {args.rounds} "
        f"rounds; bare Ray Tune median {statistics.median(times['bare']):.2f} s; ratio to bare, "
        f"median (min-max): journal text only {spread(ratios['text'])}, with figures every "
        f">= {args.figure_interval:g} s {spread(ratios['figures'])}; figure processes started "
        f"per sweep: {', '.join(map(str, drawings))}; on_trial_result: text only "
        f"{callback_ms(callbacks['text'])}, with figures {callback_ms(callbacks['figures'])}",
        flush=True,
    )


if __name__ == "__main__":
    main()
