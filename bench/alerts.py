"""Benchmark: what the driver's alerts add to benchmark (a) (bench/overhead.py).

    .venv/bin/python bench/alerts.py [ROUNDS]

Runs (a)'s sweep (8 trials x 500 quick iterations) three ways in one Ray session, alternating the
order each round: bare Ray Tune; with tuneterm's callback, scheduler and store, as (a) does
(before); and the same with the driver's `AlertWatch` following the store and delivering every
event, new_best included, to a webhook served by another process (after). Prints (a)'s ratio
before and after (median of the rounds, with their range) and the after/before ratio: the
alerts' cost, to be read against the rounds' spread.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from tuneterm.runner.driver import RAY_ENVIRONMENT

for _key, _value in RAY_ENVIRONMENT.items():
    os.environ.setdefault(_key, _value)

import ray  # noqa: E402
from ray import tune  # noqa: E402
from ray.tune.logger import CSVLoggerCallback, JsonLoggerCallback  # noqa: E402

from tuneterm.domain.alerts import ALERT_EVENTS  # noqa: E402
from tuneterm.domain.config.alerts import AlertSpec  # noqa: E402
from tuneterm.domain.config.spec import (  # noqa: E402
    DatasetSpec,
    ExperimentConfig,
    ExperimentSpec,
    ResourceSpec,
    SchedulerSpec,
    SearchSpec,
    TrainableSpec,
)
from tuneterm.runner.callback import StoreCallback  # noqa: E402
from tuneterm.runner.decisions import StopDecisions  # noqa: E402
from tuneterm.runner.scheduler import RecordingFIFO  # noqa: E402
from tuneterm.storage.alert_watch import AlertWatch  # noqa: E402
from tuneterm.storage.experiment import ExperimentDir  # noqa: E402
from tuneterm.storage.store import Store  # noqa: E402

VARIANTS = ("bare", "before", "after")
TRIALS = 8
ITERATIONS = 500
"""As in bench/overhead.py (a)."""

WEBHOOK_SERVER = """
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass

server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


def quick(config: dict[str, float]) -> None:
    """(a)'s trainable; defined here so that Ray ships it by value."""
    for i in range(1, ITERATIONS + 1):
        tune.report({"score": config["x"] * i, "loss": 1.0 / i})


def config(webhook: str) -> ExperimentConfig:
    return ExperimentConfig(
        experiment=ExperimentSpec("bench", "score", "max"),
        trainable=TrainableSpec(),
        dataset=DatasetSpec(),
        search_space=(),
        search=SearchSpec(),
        scheduler=SchedulerSpec(),
        resources=ResourceSpec(),
        alerts=AlertSpec(webhook=webhook, events=ALERT_EVENTS),
    )


def sweep(storage: Path, variant: str, webhook: str) -> float:
    callbacks: list[tune.Callback] = [JsonLoggerCallback(), CSVLoggerCallback()]
    scheduler = None
    watch: AbstractContextManager[object] = nullcontext()
    if variant != "bare":
        storage.mkdir(parents=True)
        expdir = ExperimentDir(storage)
        Store.create(expdir.store, {"name": "bench", "metric": "score", "mode": "max"}).close()
        decisions = StopDecisions()
        callbacks.append(StoreCallback(expdir.store, decisions))
        scheduler = RecordingFIFO()
        scheduler.record_stops_in(decisions)
        if variant == "after":
            watch = AlertWatch(expdir, config(webhook), log=lambda line: None)
    tuner = tune.Tuner(
        quick,
        param_space={"x": tune.grid_search([float(i) for i in range(TRIALS)])},
        tune_config=tune.TuneConfig(metric="score", mode="max", scheduler=scheduler),
        run_config=tune.RunConfig(
            storage_path=str(storage), name="bench", verbose=0, callbacks=callbacks
        ),
    )
    with watch:
        started = time.perf_counter()
        tuner.fit()
        elapsed = time.perf_counter() - started
    return elapsed


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.3f} ({min(values):.3f}-{max(values):.3f})"


def main(rounds: int = 5) -> None:
    server = subprocess.Popen(
        [sys.executable, "-c", WEBHOOK_SERVER], stdout=subprocess.PIPE, text=True
    )
    assert server.stdout is not None
    webhook = f"http://127.0.0.1:{server.stdout.readline().strip()}/hook"
    ray.init(address="local", log_to_driver=False, include_dashboard=False, logging_level="ERROR")
    times: dict[str, list[float]] = {variant: [] for variant in VARIANTS}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            sweep(Path(tmp) / "warmup", "bare", webhook)
            for round_ in range(rounds):
                shift = round_ % len(VARIANTS)
                for variant in VARIANTS[shift:] + VARIANTS[:shift]:
                    storage = Path(tmp) / f"r{round_}-{variant}"
                    times[variant].append(sweep(storage, variant, webhook))
    finally:
        ray.shutdown()
        server.terminate()
    before = [b / a for a, b in zip(times["bare"], times["before"], strict=True)]
    after = [c / a for a, c in zip(times["bare"], times["after"], strict=True)]
    cost = [c / b for b, c in zip(times["before"], times["after"], strict=True)]
    medians = ", ".join(f"{v} {statistics.median(times[v]):.2f} s" for v in VARIANTS)
    print(
        f"alerts: {TRIALS} trials x {ITERATIONS} iterations, {rounds} rounds; medians {medians}\n"
        f"  (a) ratio before (tuneterm / bare): {spread(before)}\n"
        f"  (a) ratio after (tuneterm + alerts / bare): {spread(after)}\n"
        f"  after / before: {spread(cost)}",
        flush=True,
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
