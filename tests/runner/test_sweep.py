"""Real sweeps through the CLI and a driver process, on the shared Ray head (tiny and quick)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.conftest import RayHead
from tests.support import only_experiment, ray_results, tuneterm, wait_for
from tuneterm.domain.events import EventKind
from tuneterm.domain.status import EndReason
from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.liveness import effective_status
from tuneterm.storage.store import Store

pytestmark = [pytest.mark.ray]

TINY = """
[experiment]
name = "tiny"
metric = "accuracy"
mode = "max"
num_samples = 3
seed = 0

[trainable]
name = "cnn"
epochs = 3

[dataset]
name = "synthetic"
samples = 96
image_size = 8

[search_space]
lr = { loguniform = [1e-3, 1e-2] }
start_filters = { choice = [4, 8] }

[search]
algorithm = "random"
seed = 0
"""


@pytest.fixture
def tiny_config(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.toml"
    path.write_text(TINY)
    return path


def test_headless_sweep_store_agrees_with_rays_result_files(
    tiny_config: Path, tmp_path: Path, ray_head: RayHead
) -> None:
    root = tmp_path / "runs"
    proc = tuneterm(
        "run",
        str(tiny_config),
        "--headless",
        "--address",
        ray_head.address,
        cwd=tmp_path,
        root=root,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    expdir = only_experiment(root)
    with Store.open(expdir.store) as store:
        trials = store.trials()
        results = store.results()
        meta = store.meta()
    assert meta["status"] == "finished"
    assert len(trials) == 3
    assert all(t.reason is EndReason.COMPLETED and t.last_iteration == 3 for t in trials)

    from_ray = ray_results(expdir)
    assert set(from_ray) == {t.trial_id for t in trials}
    for trial_id, rows in from_ray.items():
        ours = [r for r in results if r.trial_id == trial_id]
        assert [r.iteration for r in ours] == [row["training_iteration"] for row in rows]
        for mine, theirs in zip(ours, rows, strict=True):
            for key in ("accuracy", "train_loss", "val_loss"):
                assert mine.metrics[key] == pytest.approx(theirs[key])
        params = json.loads(
            (next(expdir.ray_storage.glob(f"sweep/*{trial_id}*/params.json"))).read_text()
        )
        [trial] = [t for t in trials if t.trial_id == trial_id]
        assert {k: trial.config[k] for k in params} == pytest.approx(params)

    out = proc.stdout
    assert out.count(" started: ") == 3 and out.count(" ended: completed after 3") == 3
    assert out.count(" iter ") == 9
    assert "Summary: 3 trials" in out and "best config: " in out
    assert "completed: 3" in out and "errored: 0" in out
    # Ray's own output stays in the driver log, never on the user's terminal.
    assert "INFO" not in out + proc.stderr and "ray" not in proc.stderr.lower()
    assert expdir.driver_log.stat().st_size > 0
    assert oct(expdir.path.stat().st_mode & 0o777) == "0o700"


USER_TRAINABLES = """
import time
from ray import tune


def reports_wrong_metric(config):
    tune.report({"loss": 1.0})


def fails_at_two(config):
    for i in range(1, 4):
        if i == 2 and config["x"] == 1:
            raise ValueError("boom at two [bold]x[/]")
        tune.report({"score": float(i * config["x"])})


def always_fails(config):
    raise ValueError(f"no luck with x={config['x']} [bold]at all[/]")


def slow(config):
    for i in range(1, 1000):
        time.sleep(0.5)
        tune.report({"score": float(i)})
"""


def user_config(tmp_path: Path, function: str, metric: str, extra: str = "") -> Path:
    (tmp_path / "usertrain.py").write_text(USER_TRAINABLES)
    path = tmp_path / f"{function}.toml"
    path.write_text(
        textwrap.dedent(f"""
        [experiment]
        name = "{function}"
        metric = "{metric}"
        mode = "max"
        num_samples = 1
        [trainable]
        name = "usertrain:{function}"
        [search_space]
        x = {{ grid = [1, 2] }}
        [search]
        algorithm = "grid"
        {extra}
    """)
    )
    return path


def run_headless(
    config: Path, ray_head: RayHead, tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    """`tuneterm run CONFIG --headless` on the shared head, experiments under tmp_path/runs."""
    return tuneterm(
        "run",
        str(config),
        "--headless",
        "--address",
        ray_head.address,
        cwd=tmp_path,
        root=tmp_path / "runs",
        timeout=120,
    )


def test_a_metric_never_reported_stops_the_sweep_with_a_clear_message(
    tmp_path: Path, ray_head: RayHead
) -> None:
    config = user_config(tmp_path, "reports_wrong_metric", "accuracy")
    proc = run_headless(config, ray_head, tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "experiment.metric" in proc.stdout and "reported no 'accuracy'" in proc.stdout
    assert "loss" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr


def test_an_errored_trial_is_recorded_with_its_traceback_and_the_sweep_goes_on(
    tmp_path: Path, ray_head: RayHead
) -> None:
    config = user_config(tmp_path, "fails_at_two", "score")
    proc = run_headless(config, ray_head, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with Store.open(only_experiment(tmp_path / "runs").store) as store:
        by_x = {t.config["x"]: t for t in store.trials()}
    assert by_x[1].reason is EndReason.ERROR and by_x[1].stop_iteration == 1
    assert "boom at two [bold]x[/]" in (by_x[1].error or "")
    assert by_x[2].reason is EndReason.COMPLETED and by_x[2].last_iteration == 3
    assert "errored at iteration 1: ValueError: boom at two [bold]x[/]" in proc.stdout
    assert "errored: 1" in proc.stdout


def test_a_detached_driver_outlives_the_process_that_started_it(
    tmp_path: Path, ray_head: RayHead
) -> None:
    config = user_config(tmp_path, "slow", "score", extra="[scheduler]\nname = 'fifo'")
    root = tmp_path / "runs"
    env = {**os.environ, "TUNETERM_ROOT": str(root)}
    starter = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tuneterm",
            "run",
            str(config),
            "--headless",
            "--address",
            ray_head.address,
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_for(lambda: root.is_dir() and any(root.iterdir()), timeout=30)
    expdir = only_experiment(root)

    def results() -> int:
        if not expdir.store.is_file():  # the directory is made first
            return 0
        with Store.open(expdir.store) as store:
            return store.count_results()

    wait_for(lambda: results() >= 2, timeout=90)
    # The terminal hangs up on the starter's whole process group, then the starter is killed.
    os.killpg(starter.pid, signal.SIGHUP)
    os.killpg(starter.pid, signal.SIGKILL)
    starter.wait(timeout=10)
    seen = results()
    wait_for(lambda: results() >= seen + 3, timeout=30)
    with Store.open(expdir.store) as store:
        meta = store.meta()
    assert effective_status(meta) == "running"
    os.kill(meta["driver_pid"], signal.SIGUSR1)  # Tune's graceful stop
    wait_for(lambda: effective_status(Store.open(expdir.store).meta()) != "running", timeout=60)
    with Store.open(expdir.store) as store:
        assert store.meta()["status"] == "stopped"
        assert all(t.reason is EndReason.INTERRUPTED for t in store.trials())


def test_detach_returns_at_once_and_ls_shows_the_experiment(
    tiny_config: Path, tmp_path: Path, ray_head: RayHead
) -> None:
    root = tmp_path / "runs"
    started = time.monotonic()
    proc = tuneterm(
        "run",
        str(tiny_config),
        "--detach",
        "--address",
        ray_head.address,
        "--set",
        "experiment.num_samples=1",
        "--set",
        "trainable.epochs=1",
        cwd=tmp_path,
        root=root,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert time.monotonic() - started < 15
    expdir = ExperimentDir(Path(proc.stdout.strip()))
    assert expdir.store.is_file()
    wait_for(lambda: Store.open(expdir.store).meta().get("status") == "finished", timeout=120)
    listing = tuneterm("ls", cwd=tmp_path, root=root).stdout
    assert "tiny" in listing and "finished" in listing and str(expdir.path) in listing
    assert "accuracy=" in listing
    with Store.open(expdir.store) as store:
        kinds = [e.kind for e in store.events_since(0)]
    assert kinds[0] == EventKind.EXPERIMENT_STARTED and kinds[-1] == EventKind.EXPERIMENT_ENDED
    assert len(store_trials(expdir)) == 1


def store_trials(expdir: ExperimentDir) -> list:  # type: ignore[type-arg]
    with Store.open(expdir.store) as store:
        return store.trials()


def test_a_killed_driver_shows_as_crashed_in_ls(tmp_path: Path, ray_head: RayHead) -> None:
    config = user_config(tmp_path, "slow", "score")
    root = tmp_path / "runs"
    proc = tuneterm(
        "run",
        str(config),
        "--detach",
        "--address",
        ray_head.address,
        cwd=tmp_path,
        root=root,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    expdir = ExperimentDir(Path(proc.stdout.strip()))

    def has_results() -> bool:
        with Store.open(expdir.store) as store:
            return store.count_results() > 0

    wait_for(has_results, timeout=90)
    listing = tuneterm("ls", cwd=tmp_path, root=root).stdout
    assert " running " in listing
    with Store.open(expdir.store) as store:
        os.kill(store.meta()["driver_pid"], signal.SIGKILL)
    wait_for(lambda: " crashed " in tuneterm("ls", cwd=tmp_path, root=root).stdout, timeout=10)
