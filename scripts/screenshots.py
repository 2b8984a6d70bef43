"""Regenerate screenshots/*.svg from a real recorded experiment.

    .venv/bin/python scripts/screenshots.py            # runs a real sweep (about a minute) first
    .venv/bin/python scripts/screenshots.py --from DIR # screenshots of an existing experiment

Without --from it starts the shipped default sweep (digits, HyperOpt + ASHA, with val_loss as a
further metric) detached in a temporary root, shoots the table (also at 80x24) and a trial's detail
while it runs, waits for it to finish, then shoots the "since you left" banner, the plots, the
views that help decide (importance, parallel coordinates, heat grid, Pareto front, a filter) and
the help screen.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tuneterm.domain.hypotheses.verdict import Verdict
from tuneterm.storage.sources import open_source
from tuneterm.storage.store import Store
from tuneterm.ui.app import create_app

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "screenshots"
SIZE = (120, 34)


async def shoot(
    expdir: Path, shots: list[tuple[str, list[str]]], size: tuple[int, int] = SIZE
) -> None:
    """For each (name, keys): open the dashboard, press the keys, save screenshots/<name>.svg."""
    for name, keys in shots:
        app = create_app(open_source(expdir))
        async with app.run_test(size=size) as pilot:
            await pilot.pause(1.5)  # the ingest worker's first polls
            for key in keys:
                await pilot.press(key)
                await pilot.pause(0.5)
            await pilot.pause(2.0)  # workers: importance, the search space
            app.save_screenshot(filename=f"{name}.svg", path=str(OUT))
        print(f"wrote {OUT / name}.svg")


FILTER = "lr < 0.003"
DECIDING = [
    ("importance", ["i"]),
    ("parallel-coordinates", ["v"]),
    ("heat-grid", ["p", "v", "v"]),
    ("pareto-front", ["F"]),
    ("filter", ["slash", *FILTER, "enter"]),
]
"""The views that help decide, each from the main screen."""


def results_in(expdir: Path) -> int:
    with Store.open(expdir / Store.FILENAME) as store:
        return store.count_results()


def status_of(expdir: Path) -> str:
    with Store.open(expdir / Store.FILENAME) as store:
        return str(store.meta().get("status"))


def record_experiment(root: Path) -> Path:
    env = {**os.environ, "TUNETERM_ROOT": str(root)}
    started = subprocess.run(
        [
            sys.executable,
            "-m",
            "tuneterm",
            "run",
            str(REPO / "configs" / "default.toml"),
            "--set",
            'experiment.metrics={ val_loss = "min" }',
            "--detach",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(started.stdout.strip())


def wait(predicate, timeout: float) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit("the recorded sweep did not get there in time")
        time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--from", dest="source", type=Path, default=None)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        expdir = args.source or record_experiment(Path(tmp))
        if args.source is None:
            wait(lambda: results_in(expdir) >= 28, timeout=180)
            asyncio.run(shoot(expdir, [("running-sweep", []), ("trial-detail", ["j", "enter"])]))
            asyncio.run(shoot(expdir, [("trial-output", ["j", "enter", "o"])]))
            asyncio.run(shoot(expdir, [("running-sweep-80x24", [])], size=(80, 24)))
            wait(lambda: status_of(expdir) != "running", timeout=300)
            # The dashboards above recorded when they showed the sweep: this one says what
            # happened since (and records a later visit, so the next ones show no banner).
            asyncio.run(shoot(expdir, [("away-banner", [])]))
        else:
            asyncio.run(shoot(expdir, [("running-sweep", []), ("trial-detail", ["j", "enter"])]))
        asyncio.run(
            shoot(
                expdir,
                [("plots", ["p"]), ("learning-curves", ["p", "v"]), ("help", ["question_mark"])],
            )
        )
        asyncio.run(shoot(expdir, DECIDING))
        if args.source is None:
            judge(expdir)
        asyncio.run(shoot(expdir, [("hypotheses", ["h", "j"]), ("journal", ["J"])]))


def judge(expdir: Path) -> None:
    """What a user does at the end of the sweep, through the store as the dashboard does it: a
    note on the best trial, and a verdict on H2."""
    with Store.open(expdir / Store.FILENAME) as store:
        best = max(
            (t for t in store.trials() if t.best_metric is not None),
            key=lambda t: t.best_metric or 0.0,
        )
        store.add_note(
            "Three conv layers with lr near 3e-3 lead; the 1e-4 trials were still climbing when"
            " ASHA cut them.",
            trial_id=best.trial_id,
            iteration=best.last_iteration,
        )
        store.record_verdict(
            "H2", Verdict.CONFIRMED, "the 1e-3 to 1e-2 decade leads at the common iteration"
        )


if __name__ == "__main__":
    main()
