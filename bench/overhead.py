"""Benchmark (a): what tuneterm's callback, scheduler and store add to a Ray Tune sweep.

8 trials x 500 quick iterations, run as bare Ray Tune (verbose=0) and with tuneterm's
StoreCallback + recording scheduler + SQLite store + trial output relay (each trial under a trial
agent: fd capture and resource sampling; `--no-relay` leaves them out, for a before/after
comparison) + the health rules (`--no-health` leaves them out), alternately in one Ray session,
several rounds.
Both variants use the same Ray environment settings as tuneterm's driver, so the ratio isolates
tuneterm's own work. Target: ratio <= 1.03.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tuneterm.runner.driver import RAY_ENVIRONMENT

for _key, _value in RAY_ENVIRONMENT.items():
    os.environ.setdefault(_key, _value)

import ray  # noqa: E402
from ray import tune  # noqa: E402
from ray.tune.logger import CSVLoggerCallback, JsonLoggerCallback  # noqa: E402

from tuneterm.domain.config.health import HealthSpec  # noqa: E402
from tuneterm.runner.callback import StoreCallback  # noqa: E402
from tuneterm.runner.decisions import StopDecisions  # noqa: E402
from tuneterm.runner.health import HealthMonitor  # noqa: E402
from tuneterm.runner.relay import OutputRelay, relay_name  # noqa: E402
from tuneterm.runner.scheduler import RecordingFIFO  # noqa: E402
from tuneterm.runner.trial_agent import with_agent  # noqa: E402
from tuneterm.storage.store import Store  # noqa: E402

TRIALS = 8
ITERATIONS = 500
RELAY = "--no-relay" not in sys.argv
HEALTH = "--no-health" not in sys.argv
"""The health rules (runner.health), as the driver applies them; `--no-health` leaves them out."""


def quick(config: dict[str, float]) -> None:
    for i in range(1, ITERATIONS + 1):
        tune.report({"score": config["x"] * i, "loss": 1.0 / i})


def sweep(storage: Path, with_tuneterm: bool) -> float:
    callbacks: list[tune.Callback] = [JsonLoggerCallback(), CSVLoggerCallback()]
    scheduler = None
    trainable = quick
    if with_tuneterm and RELAY:
        callbacks.append(OutputRelay(storage, storage / "store.sqlite", relay_name(storage)))
        trainable = with_agent(quick, relay_name(storage))
    if with_tuneterm:
        storage.mkdir(parents=True)
        store_path = storage / "store.sqlite"
        Store.create(store_path, {"metric": "score", "mode": "max"}).close()
        decisions = StopDecisions()
        callbacks.append(StoreCallback(store_path, decisions))
        scheduler = RecordingFIFO()
        scheduler.record_stops_in(decisions)
        if HEALTH:
            metrics = (("score", "max"), ("loss", "min"))
            scheduler.watch_health(HealthMonitor(store_path, HealthSpec(), metrics, decisions))
    tuner = tune.Tuner(
        trainable,
        param_space={"x": tune.grid_search([float(i) for i in range(TRIALS)])},
        tune_config=tune.TuneConfig(metric="score", mode="max", scheduler=scheduler),
        run_config=tune.RunConfig(
            storage_path=str(storage), name="bench", verbose=0, callbacks=callbacks
        ),
    )
    started = time.perf_counter()
    tuner.fit()
    elapsed = time.perf_counter() - started
    if with_tuneterm:
        with Store.open(storage / "store.sqlite") as store:
            assert store.count_results() == TRIALS * ITERATIONS
    return elapsed


def main(rounds: int = 3) -> dict[str, float]:
    ray.init(address="local", log_to_driver=False, include_dashboard=False, logging_level="ERROR")
    bare: list[float] = []
    ours: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        sweep(Path(tmp) / "warmup", with_tuneterm=False)
        for round_ in range(rounds):
            # Alternate the order each round so drift on a shared machine hits both alike.
            order = [False, True] if round_ % 2 == 0 else [True, False]
            for with_tuneterm in order:
                elapsed = sweep(Path(tmp) / f"r{round_}-{with_tuneterm}", with_tuneterm)
                (ours if with_tuneterm else bare).append(elapsed)
    ray.shutdown()
    ratios = [o / b for o, b in zip(ours, bare, strict=True)]
    figures = {
        "bare_s": statistics.median(bare),
        "tuneterm_s": statistics.median(ours),
        "ratio": statistics.median(ratios),
    }
    print(
        f"(a) {TRIALS} trials x {ITERATIONS} iterations, {rounds} rounds: "
        f"bare Ray Tune {figures['bare_s']:.2f} s, with tuneterm {figures['tuneterm_s']:.2f} s, "
        f"median ratio {figures['ratio']:.3f} (target <= 1.03; spread"
        f" {min(ratios):.3f}-{max(ratios):.3f}; output relay {'on' if RELAY else 'off'}; "
        f"health rules {'on' if HEALTH else 'off'}); "
        f"per round: {', '.join(f'{r:.3f}' for r in ratios)}",
        flush=True,
    )
    return figures


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 3)
