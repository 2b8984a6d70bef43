"""What the control and fault tests (and bench/control_latency.py) share: user trainables written to
a temporary module, a config for them, and helpers that start a detached sweep and read its store.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.support import tuneterm
from tuneterm.domain.events import Event, EventKind
from tuneterm.domain.trial import Trial
from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.store import Store

TRAINABLES = '''
import json
import os
import signal
import tempfile
import time
from pathlib import Path

from ray import tune

PID_DIR = Path({pid_dir!r})


def _note_pid(config):
    PID_DIR.mkdir(parents=True, exist_ok=True)
    partial = PID_DIR / f"{{config['x']}}.pid.{{os.getpid()}}"
    partial.write_text(str(os.getpid()))
    os.replace(partial, PID_DIR / f"{{config['x']}}.pid")


def _sleep(seconds):
    # Small steps, like a training loop between two reports.
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.05)


def _iterations(config):
    # Trial x=last runs config["short"] iterations, the others config["n"].
    if config["x"] == config.get("last"):
        return config.get("short", 3)
    return config.get("n", 10_000)


def reporter(config):
    """Reports every config["period"] seconds."""
    _note_pid(config)
    for i in range(1, _iterations(config) + 1):
        _sleep(config["period"])
        tune.report({{"score": float(i)}})


def checkpointed(config):
    """Reports a checkpoint every iteration and resumes from the last one."""
    _note_pid(config)
    step = 0
    checkpoint = tune.get_checkpoint()
    if checkpoint is not None:
        with checkpoint.as_directory() as directory:
            step = json.loads((Path(directory) / "state.json").read_text())["step"]
    for i in range(step + 1, _iterations(config) + 1):
        _sleep(config["period"])
        with tempfile.TemporaryDirectory() as directory:
            (Path(directory) / "state.json").write_text(json.dumps({{"step": i}}))
            checkpoint = tune.Checkpoint.from_directory(directory)
            tune.report({{"score": float(i), "step": float(i)}}, checkpoint=checkpoint)


def killed_at_two(config):
    """Trial x=1's worker process is SIGKILLed at iteration 2; the others run 4 iterations."""
    for i in range(1, 5):
        if i == 2 and config["x"] == 1:
            os.kill(os.getpid(), signal.SIGKILL)
        _sleep(config["period"])
        tune.report({{"score": float(i)}})
'''


def write_config(
    directory: Path,
    function: str,
    xs: list[int],
    period: float,
    cpu: float = 2,
    extra_space: str = "",
    search: str = "grid",
) -> Path:
    """A grid sweep over x of `usertrain:function` in `directory` (which gets the module too)."""
    (directory / "usertrain.py").write_text(TRAINABLES.format(pid_dir=str(directory / "pids")))
    path = directory / f"{function}.toml"
    path.write_text(
        textwrap.dedent(f"""
        [experiment]
        name = "{function}"
        metric = "score"
        mode = "max"
        num_samples = {1 if search == "grid" else len(xs)}
        [trainable]
        name = "usertrain:{function}"
        [resources]
        cpu = {cpu}
        [search_space]
        x = {{ {"grid" if search == "grid" else "choice"} = {xs} }}
        period = {period}
        {extra_space}
        [search]
        algorithm = "{search}"
        [scheduler]
        name = "fifo"
        """)
    )
    return path


def start_detached(config: Path, address: str, cwd: Path) -> ExperimentDir:
    proc = tuneterm(
        "run", str(config), "--detach", "--address", address, cwd=cwd, root=cwd / "runs"
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return ExperimentDir(Path(proc.stdout.strip()))


def trials(expdir: ExperimentDir) -> dict[int, Trial]:
    """The store's trials by their x."""
    with Store.open(expdir.store) as store:
        return {int(t.config["x"]): t for t in store.trials()}


def events(expdir: ExperimentDir, kind: str, trial_id: str | None = None) -> list[Event]:
    with Store.open(expdir.store) as store:
        return [
            e
            for e in store.events_since(0)
            if e.kind == kind and (trial_id is None or e.trial_id == trial_id)
        ]


def results(expdir: ExperimentDir, trial_id: str) -> list[int]:
    """The iterations a trial reported, in the order recorded."""
    return [e.iteration or 0 for e in events(expdir, EventKind.RESULT, trial_id)]


def meta(expdir: ExperimentDir) -> dict[str, Any]:
    with Store.open(expdir.store) as store:
        return store.meta()


def started(expdir: ExperimentDir, x: int, min_results: int = 0) -> Callable[[], bool]:
    def check() -> bool:
        trial = trials(expdir).get(x)
        return trial is not None and len(results(expdir, trial.trial_id)) >= min_results

    return check


def pid_alive(expdir_cwd: Path, x: int) -> bool:
    """Whether trial x's worker process (as the trainable wrote its pid) still runs."""
    pid = int((expdir_cwd / "pids" / f"{x}.pid").read_text())
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat").read_text()
    return not stat[stat.rindex(")") + 2 :].startswith("Z")
