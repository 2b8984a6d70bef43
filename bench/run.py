"""Run tuneterm's benchmarks and print their figures.

    .venv/bin/python bench/run.py            # (a) callback+store overhead, (b) default sweep
    .venv/bin/python bench/run.py --only a   # one of them

(b) runs the default sweep through `tuneterm run --headless` and as a plain Ray Tune script
(bench/plain_default.py), alternately, as whole processes, and prints the ratio of wall times.
Targets: (a) <= 1.03, (b) <= 1.05.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return time.perf_counter() - started


def bench_default_sweep(rounds: int) -> None:
    with tempfile.TemporaryDirectory() as root:
        env = {**os.environ, "TUNETERM_ROOT": root}
        ours_cmd = [sys.executable, "-m", "tuneterm", "run", "--headless"]
        plain_cmd = [sys.executable, str(HERE / "plain_default.py")]
        ours: list[float] = []
        plain: list[float] = []
        for round_ in range(rounds):
            pair = [(ours_cmd, ours), (plain_cmd, plain)]
            for command, into in pair if round_ % 2 == 0 else reversed(pair):
                into.append(timed(command, env))
    ratios = [o / p for o, p in zip(ours, plain, strict=True)]
    print(
        f"(b) default sweep, {rounds} rounds: plain Ray Tune script "
        f"{statistics.median(plain):.1f} s, tuneterm run --headless "
        f"{statistics.median(ours):.1f} s, median ratio {statistics.median(ratios):.3f} "
        f"(target <= 1.05); per round: {', '.join(f'{r:.3f}' for r in ratios)}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", choices=["a", "b"], default=None)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.only in (None, "a"):
        subprocess.run([sys.executable, str(HERE / "overhead.py"), str(args.rounds)], check=True)
    if args.only in (None, "b"):
        bench_default_sweep(args.rounds)


if __name__ == "__main__":
    main()
