"""Each trial's output and resource use from a real sweep: `tuneterm logs` shows what a user
trainable printed on both streams (stderr marked, escapes shown literally), `--follow` keeps up
with it, and the samples of a trial that allocates memory rise."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import RayHead
from tests.runner.trial_output_support import write_trainable_config
from tests.support import tuneterm, wait_for
from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.samples import resource_samples
from tuneterm.storage.store import Store
from tuneterm.storage.trial_output import output_paths

pytestmark = [pytest.mark.ray]


def has_trials(expdir: ExperimentDir) -> bool:
    with Store.open(expdir.store) as store:
        return bool(store.trials())


def only_trial_id(expdir: ExperimentDir) -> str:
    with Store.open(expdir.store) as store:
        [trial] = store.trials()
    return trial.trial_id


def check_chatty_output(expdir: ExperimentDir, cwd: Path) -> str:
    """The trial's files and `tuneterm logs` hold what `chatty` printed; returns the trial id."""
    trial_id = only_trial_id(expdir)
    stdout, stderr = output_paths(expdir.path, trial_id)
    assert b"hello from print\n" in stdout.read_bytes()
    assert b"colour \x1b[31mred\x1b[0m and [bold]markup[/]\n" in stdout.read_bytes(), "kept raw"
    assert stderr.read_bytes().startswith(b"to fd 2 directly\nfrom sys.stderr\n")

    suffix = trial_id.rsplit("_", 1)[-1]
    proc = tuneterm("logs", str(expdir.path), suffix, cwd=cwd, root=cwd, timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    expected = [
        "hello from print",
        "stderr| to fd 2 directly",
        "colour \\x1b[31mred\\x1b[0m and [bold]markup[/]",
        "stderr| from sys.stderr",
        "no line end yet - and now one",
    ]
    assert [line for line in lines if line in expected] == expected, proc.stdout
    assert "\x1b" not in proc.stdout
    return trial_id


def check_memory_rose(expdir: ExperimentDir, trial_id: str) -> None:
    with Store.open(expdir.store) as store:
        samples = resource_samples(store, trial_id)
    rss = [sample.rss_bytes for sample in samples]
    print("RSS samples (MiB):", [round(value / 2**20) for value in rss])
    assert len(samples) >= 2
    assert max(rss) - rss[0] > 150 << 20, "the 200 MB the trial holds show"
    assert all(sample.cpu_percent >= 0 for sample in samples)
    assert all(sample.gpu_memory_bytes is None for sample in samples), "no GPU here"


@pytest.mark.slow
def test_a_trials_output_and_memory_reach_logs_and_the_store(
    ray_head: RayHead, tmp_path: Path
) -> None:
    config = write_trainable_config(tmp_path, "chatty", "settle = 2.5\nhold = 4.5\n")
    proc = tuneterm(
        "run", str(config), "--headless", "--address", ray_head.address,
        cwd=tmp_path, root=tmp_path / "runs",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    [path] = (tmp_path / "runs").iterdir()
    expdir = ExperimentDir(path)
    trial_id = check_chatty_output(expdir, tmp_path)
    check_memory_rose(expdir, trial_id)


@pytest.mark.slow
def test_follow_shows_each_line_soon_after_it_is_printed_and_ends_with_the_trial(
    ray_head: RayHead, tmp_path: Path
) -> None:
    ticks = 15
    config = write_trainable_config(tmp_path, "ticker", f"period = 0.3\nticks = {ticks}\n")
    proc = tuneterm(
        "run", str(config), "--detach", "--address", ray_head.address,
        cwd=tmp_path, root=tmp_path / "runs",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    expdir = ExperimentDir(Path(proc.stdout.strip()))
    wait_for(lambda: has_trials(expdir), timeout=120)
    started = time.time()
    follower = subprocess.Popen(
        [sys.executable, "-m", "tuneterm", "logs", str(expdir.path), only_trial_id(expdir),
         "--follow"],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "TUNETERM_ROOT": str(tmp_path)},
    )  # fmt: skip
    printed: list[float] = []
    latencies = []
    assert follower.stdout is not None
    for line in follower.stdout:
        arrived = time.time()
        if line.startswith("tick "):
            printed.append(float(line.split()[2]))
            # Lines printed before the follower started arrive at once: judge the others.
            if printed[-1] > started + 1.0:
                latencies.append(arrived - printed[-1])
    assert follower.wait(timeout=30) == 0, "it ends with the trial"
    assert len(printed) == ticks and len(latencies) >= 3
    print(
        f"--follow latency over {len(latencies)} lines: median {statistics.median(latencies):.3f}"
        f" s, max {max(latencies):.3f} s"
    )
    assert max(latencies) < 2.0
