"""How long parallel coordinates of 1,000 trials x 8 hyperparameters take to draw at 200x50.

The trials are seeded: log-uniform lr and weight decay (from the search space), choices of batch
size, optimizer, batch norm and width, uniform dropout, a narrow randint; the metric depends on
lr and batch norm. Measured: the geometry (`parallel_plot`: axes, shares, jitter, ranking), done
when the sweep changes; the widget's render (`render_parallel`: braille raster, colours, labels),
done on every redraw; and both together. Median of --repeat runs, with the spread.

Target: at most 50 ms to draw.

    .venv/bin/python bench/parallel.py [--trials 1000] [--repeat 10] [--size 200x50]
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import time
from collections.abc import Callable

from tuneterm.domain.config.space import Param
from tuneterm.domain.plots.parallel import ParallelPlot, PlotPoint, parallel_plot
from tuneterm.ui.widgets.parallel_chart import render_parallel

TARGET_MS = 50.0
SPACE = {
    "lr": Param("lr", "loguniform", (1e-5, 1e-1)),
    "batch_size": Param("batch_size", "choice", (32, 64, 128, 256)),
    "optimizer": Param("optimizer", "choice", ("adam", "adamw", "sgd")),
    "batch_norm": Param("batch_norm", "choice", (True, False)),
    "dropout": Param("dropout", "uniform", (0.0, 0.5)),
    "weight_decay": Param("weight_decay", "loguniform", (1e-6, 1e-2)),
    "layers": Param("layers", "randint", (1, 4)),
    "width": Param("width", "choice", (64, 128, 256, 512)),
}


def sample(param: Param, rng: random.Random) -> object:
    if param.kind == "loguniform":
        low, high = (math.log10(bound) for bound in param.values)
        return 10 ** rng.uniform(low, high)
    if param.kind == "uniform":
        return rng.uniform(*param.values)
    if param.kind == "randint":
        return rng.randint(*param.values)
    return rng.choice(param.values)


def trials(count: int) -> list[PlotPoint]:
    rng = random.Random(0)
    points = []
    for index in range(count):
        config = {name: sample(param, rng) for name, param in SPACE.items()}
        lr = float(config["lr"])  # type: ignore[arg-type]
        quality = math.exp(-((math.log10(lr) + 3) ** 2) / 2)
        accuracy = 0.1 + 0.8 * quality + (0.05 if config["batch_norm"] else 0) + rng.gauss(0, 0.02)
        points.append(PlotPoint(f"bench_{index:05d}", config, accuracy))
    return points


Timings = tuple[list[float], list[float]]
"""Milliseconds per run: wall clock, and this process's CPU time (which a busy machine inflates
less)."""


def timed(work: Callable[[], object], repeat: int) -> Timings:
    """Each run's wall and CPU milliseconds, after a warm-up run (imports, numpy's first calls)."""
    work()
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        work()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return wall, cpu


def report(label: str, timings: Timings) -> None:
    for clock, times in zip(("wall", "cpu"), timings, strict=True):
        print(
            f"{label:<22} {clock:<4} median {statistics.median(times):6.1f} ms"
            f"  (min {min(times):.1f}, max {max(times):.1f}, n={len(times)})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--size", default="200x50", help="WIDTHxHEIGHT of the widget")
    args = parser.parse_args()
    width, height = (int(part) for part in args.size.split("x"))
    points = trials(args.trials)

    def geometry() -> ParallelPlot:
        return parallel_plot(points, list(SPACE), "accuracy", maximize=True, space=SPACE)

    plot = geometry()
    print(f"{args.trials} trials x {len(SPACE)} hyperparameters at {width}x{height}")
    report("geometry", timed(geometry, args.repeat))
    drawn = timed(lambda: render_parallel(plot, 0, width, height, ""), args.repeat)
    report("draw (widget render)", drawn)
    both = timed(lambda: render_parallel(geometry(), 0, width, height, ""), args.repeat)
    report("geometry + draw", both)
    verdict = "within" if statistics.median(drawn[0]) <= TARGET_MS else "OVER"
    print(f"target: draw <= {TARGET_MS:.0f} ms (wall median): {verdict}")


if __name__ == "__main__":
    main()
