"""Benchmark: how long `tuneterm run BAD.toml` takes to refuse bad input, and what it imported.

For each kind of bad input, runs the real command line in a subprocess `--runs` times and prints
the wall time (median, min, max); then runs it once more in a fresh interpreter that calls
`tuneterm.cli.main.main` itself and reports the time spent importing the CLI, the time spent in
`main`, and which heavy modules (Ray, torch, Textual, ...) were loaded by then. Targets: under
0.5 s, and no Ray before the input is refused.

    .venv/bin/python bench/validation.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CONFIG = (REPO / "configs" / "default.toml").read_text()
TARGET_S = 0.5
HEAVY = ("ray", "torch", "torchvision", "textual", "rich", "sklearn", "hyperopt", "numpy", "pandas")

CASES: dict[str, tuple[tuple[str, str], tuple[str, ...]]] = {
    "TOML syntax error": (("[experiment]", "[experiment\n"), ()),
    "unknown key": (("num_samples", "num_sample"), ()),
    "empty range": (("lr = { loguniform = [1e-4, 1e-2] }", "lr = { loguniform = [0, 1e-2] }"), ()),
    "trainable not found": (("", ""), ("--set", "trainable.name=nosuchmodule:train")),
    "GPU asked, none here": (("", ""), ("--set", "resources.gpu=0.5")),
    "port out of range": (("", ""), ("--address", "127.0.0.1:99999")),
}
"""Name -> (an edit of the default config, extra arguments)."""

PROBE = """
import json, sys, time
started = time.perf_counter()
from tuneterm.cli.main import main
imported = time.perf_counter()
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
ended = time.perf_counter()
heavy = [name for name in HEAVY if name in sys.modules]
print(json.dumps({"code": code, "import_s": imported - started,
                  "main_s": ended - imported, "heavy": heavy}))
"""


def command_line(config: Path, root: Path, extra: tuple[str, ...]) -> list[str]:
    return ["--root", str(root), "run", str(config), "--headless", *extra]


def time_refusal(argv: list[str], env: dict[str, str], runs: int) -> list[float]:
    """Wall seconds of `runs` subprocess runs of `python -m tuneterm ARGV`, each checked refused."""
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "tuneterm", *argv],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        seconds.append(time.perf_counter() - started)
        if proc.returncode != 2 or proc.stderr.count("\n") != 1 or proc.stdout:
            raise SystemExit(f"not refused as bad input: {argv}\n{proc.stdout}{proc.stderr}")
    return seconds


@dataclass(frozen=True)
class Probe:
    """One in-process run of `main`: its cost and what it had imported by its end."""

    import_s: float
    main_s: float
    heavy: list[str]
    error: str


def probe(argv: list[str], env: dict[str, str]) -> Probe:
    """What one in-process run of `main(argv)` imported, and how long it took."""
    code = f"HEAVY = {HEAVY!r}\n{PROBE}"
    proc = subprocess.run(
        [sys.executable, "-c", code, *argv], env=env, capture_output=True, text=True, check=True
    )
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    return Probe(found["import_s"], found["main_s"], found["heavy"], proc.stderr.strip())


def report(name: str, seconds: list[float], probed: Probe) -> bool:
    """Print one case's figures and its error line; True when it meets the targets."""
    median = statistics.median(seconds)
    good = median < TARGET_S and "ray" not in probed.heavy
    print(
        f"{name:<22} median {median:.3f} s (min {min(seconds):.3f}, max {max(seconds):.3f}, "
        f"n={len(seconds)}); in-process: import {probed.import_s:.3f} s + main "
        f"{probed.main_s:.3f} s; heavy modules loaded: {', '.join(probed.heavy) or 'none'}"
        f"{'' if good else '  <-- MISSES THE TARGET'}"
    )
    print(f"{'':<22} {probed.error}")
    return good


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--runs", type=int, default=10)
    runs = options.parse_args().runs
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
    print(
        f"`tuneterm run BAD.toml` refusing bad input: {runs} runs per case, target < {TARGET_S} s"
    )
    met = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "runs"
        for name, ((old, new), extra) in CASES.items():
            config = Path(tmp) / "bad.toml"
            config.write_text(DEFAULT_CONFIG.replace(old, new, 1))
            argv = command_line(config, root, extra)
            met.append(report(name, time_refusal(argv, env, runs), probe(argv, env)))
            if root.exists():
                raise SystemExit(f"{name}: an experiment directory was created")
    print("all cases meet the targets" if all(met) else "some cases miss the targets")


if __name__ == "__main__":
    main()
