"""The command line: bad input is one line and exit code 2 with nothing started; `ls`; the exit
codes of a followed sweep, Ctrl-C (130) included."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import RayHead
from tests.support import Terminal, only_experiment, wait_for
from tuneterm.cli.headless import sweep_exit_code
from tuneterm.cli.main import main, parser
from tuneterm.cli.preflight import bundled_config_dir
from tuneterm.domain.status import EndReason, SweepStatus
from tuneterm.storage.experiment import ExperimentDir, RootError, list_experiments
from tuneterm.storage.store import Store

TUNETERM = [sys.executable, "-m", "tuneterm"]
GOOD = (bundled_config_dir() / "default.toml").read_text()


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


@pytest.mark.parametrize(
    ("edit", "overrides", "expected"),
    [
        (("[experiment]", "[experiment\n"), (), "bad.toml:"),
        (("num_samples = 10", "num_sample = 10"), (), "experiment.num_sample: unknown key"),
        (("num_samples = 10", 'num_samples = "10"'), (), "experiment.num_samples"),
        (
            ("lr = { loguniform = [1e-4, 1e-2] }", "lr = { loguniform = [0, 1e-2] }"),
            (),
            "search_space.lr",
        ),
        (("", ""), ("trainable.name=nosuchmodule:train",), "trainable.name"),
        (
            ("", ""),
            ("dataset.name=fashion_mnist", "dataset.root=/nonexistent/data"),
            "dataset.root",
        ),
        (("", ""), ("resources.gpu=0.5",), "resources.gpu"),
        (("", ""), ("experiment.metric=acc",), "experiment.metric"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_starts_nothing(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    edit: tuple[str, str],
    overrides: tuple[str, ...],
    expected: str,
) -> None:
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    config = tmp_path / "bad.toml"
    config.write_text(GOOD.replace(*edit, 1))
    args = ["--root", str(tmp_path / "runs"), "run", str(config), "--headless"]
    for override in overrides:
        args += ["--set", override]
    code, out, err = run_cli(capsys, *args)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("error: ") and expected in err
    assert "Traceback" not in err
    assert not (tmp_path / "runs").exists()


def test_a_data_set_missing_on_disk_names_the_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "data").mkdir()
    code, _, err = run_cli(
        capsys,
        "--root",
        str(tmp_path / "runs"),
        "run",
        "--headless",
        "--set",
        "dataset.name=fashion_mnist",
        "--set",
        f"dataset.root={tmp_path / 'data'}",
    )
    assert code == 2 and "dataset.root" in err and "FashionMNIST" in err
    assert err.count("\n") == 1


def test_ls_lists_status_trials_and_best(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expdir = ExperimentDir.create(tmp_path, "demo")
    with Store.create(
        expdir.store,
        {
            "name": "demo\x1b[31m",
            "metric": "accuracy",
            "mode": "max",
            "status": SweepStatus.RUNNING,
            "driver_pid": 2**22 + 7,
        },
    ) as store:
        store.record_experiment_started(now=1_700_000_000.0)
        store.record_trial_started("t1", {})
        store.record_result("t1", 1, {"accuracy": 0.5})
    assert main(["--root", str(tmp_path), "ls"]) == 0
    out = capsys.readouterr().out
    assert SweepStatus.CRASHED in out and "accuracy=0.5" in out and str(expdir.path) in out
    assert "\x1b" not in out and "demo\\x1b[31m" in out


def test_the_console_script_is_installed() -> None:
    tuneterm = Path(sys.executable).with_name("tuneterm")
    proc = subprocess.run([str(tuneterm), "--help"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and "run" in proc.stdout and "ls" in proc.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("stop", "EXP", "t1", "--all"), "stop: give a trial id or --all, not both"),
        (("stop", "EXP"), "stop: which trial? (give its id; `stop --all` stops all)"),
        (("attach",), "no experiments under ROOT (start one with: tuneterm run CONFIG)"),
    ],
)
def test_a_command_missing_its_target_says_so_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], expected: str
) -> None:
    root = tmp_path / "runs"
    code, out, err = run_cli(
        capsys, "--root", str(root), *(a.replace("EXP", str(tmp_path)) for a in args)
    )
    assert (code, out) == (2, "")
    assert err == f"error: {expected.replace('ROOT', str(root))}\n"


def test_ls_on_an_empty_root_says_there_are_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--root", str(tmp_path), "ls"]) == 0
    assert capsys.readouterr().out == f"No experiments under {tmp_path}\n"


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "--help")
    commands = out.split("{", 1)[1].split("}", 1)[0].split(",")
    assert code == 0
    assert commands == [
        "run",
        "attach",
        "ls",
        "stop",
        "pause",
        "resume-trial",
        "resume",
        "journal",
        "compare",
        "status",
        "logs",
        "export",
    ]


def test_every_parser_refuses_abbreviations_and_keeps_its_help(
    capsys: pytest.CaptureFixture[str],
) -> None:
    top = parser()
    assert top.allow_abbrev is False
    for name, command in top.commands.items():
        assert command.allow_abbrev is False, name
        code, out, err = run_cli(capsys, name, "--help")
        assert (code, err) == (0, "") and out.startswith(f"usage: tuneterm {name} "), name


def test_an_unknown_option_is_named_with_the_closest_one_in_process(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run_cli(capsys, "run", "--headles")
    assert (code, out) == (2, "")
    assert err == "error: run: unknown option --headles (did you mean --headless?)\n"


def test_ls_on_a_root_not_made_yet_says_there_are_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--root", str(tmp_path / "later"), "ls"]) == 0
    assert capsys.readouterr().out == f"No experiments under {tmp_path / 'later'}\n"
    assert not (tmp_path / "later").exists()


def test_a_root_that_is_a_file_is_refused_by_storage_too(tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("")
    with pytest.raises(RootError, match="afile: is a file, not a directory"):
        ExperimentDir.create(afile, "demo")
    with pytest.raises(RootError, match="afile is a file, not a directory"):
        ExperimentDir.create(afile / "sub", "demo")
    with pytest.raises(RootError, match="afile: is a file, not a directory"):
        list_experiments(afile)
    assert list_experiments(tmp_path / "missing") == []


@pytest.mark.parametrize(
    ("status", "reported", "code"),
    [
        (SweepStatus.FINISHED, True, 0),
        (SweepStatus.STOPPED, True, 0),
        (SweepStatus.FINISHED, False, 1),
        (SweepStatus.STOPPED, False, 1),
        (SweepStatus.FAILED, False, 1),
        (SweepStatus.FAILED, True, 1),
        (SweepStatus.CRASHED, True, 1),
    ],
)
def test_a_followed_sweep_exits_0_only_when_it_ended_well_with_a_result(
    status: SweepStatus, reported: bool, code: int
) -> None:
    assert sweep_exit_code(status, reported) == code


# A stand-in for the driver: it records a started sweep and one result, then waits; SIGUSR1
# (what Ctrl-C sends it) ends the sweep as stopped, or is ignored with "ignore".
FAKE_DRIVER = """
import signal, sys, time
from pathlib import Path
from tuneterm.domain.status import SweepStatus
from tuneterm.storage.store import Store

store_path, on_stop = Path(sys.argv[1]), sys.argv[2]

def stop(signum, frame):
    with Store.open(store_path) as store:
        store.record_experiment_ended(SweepStatus.STOPPED)
    sys.exit(0)

signal.signal(signal.SIGUSR1, stop if on_stop == "stop" else signal.SIG_IGN)
with Store.open(store_path) as store:
    store.record_experiment_started()
    store.record_trial_started("t1", {"x": 1})
    store.record_result("t1", 1, {"score": 1.0})
time.sleep(120)
"""

# `run --headless` after its driver started: follow_headless on the stand-in.
FOLLOWER = """
import subprocess, sys
from pathlib import Path
from tuneterm.cli.headless import follow_headless
from tuneterm.storage.experiment import ExperimentDir

expdir = ExperimentDir(Path(sys.argv[1]))
command = [sys.executable, "-c", sys.argv[2], str(expdir.store), sys.argv[3]]
driver = subprocess.Popen(command, start_new_session=True)
print(f"driver {driver.pid}", flush=True)
sys.exit(follow_headless(expdir, driver))
"""


class Follower:
    """A FOLLOWER process, its stdout collected line by line in a thread."""

    def __init__(self, tmp_path: Path, on_stop: str) -> None:
        expdir = ExperimentDir.create(tmp_path / "runs", "fake")
        meta = {"name": "fake", "metric": "score", "mode": "max", "status": SweepStatus.CREATED}
        Store.create(expdir.store, meta).close()
        self.process = subprocess.Popen(
            [sys.executable, "-c", FOLLOWER, str(expdir.path), FAKE_DRIVER, on_stop],
            stdout=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    def wait_for_line(self, text: str) -> str:
        wait_for(lambda: any(text in line for line in self.lines), timeout=30)
        return next(line for line in self.lines if text in line)

    def driver_pid(self) -> int:
        return int(self.wait_for_line("driver ").split()[1])

    def kill(self) -> None:
        """End the follower and its driver, whatever state a failed test left them in."""
        for pid in (self.process.pid, *([self.driver_pid()] if self.lines else [])):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait()


@pytest.fixture
def follower_on(tmp_path: Path) -> Iterator[Callable[[str], Follower]]:
    started: list[Follower] = []

    def start(on_stop: str) -> Follower:
        started.append(Follower(tmp_path, on_stop))
        return started[-1]

    yield start
    for follower in started:
        follower.kill()


def test_ctrl_c_stops_the_followed_sweep_prints_its_summary_and_exits_130(
    follower_on: Callable[[str], Follower],
) -> None:
    follower = follower_on("stop")
    follower.wait_for_line("trial t1 iter 1")
    follower.process.send_signal(signal.SIGINT)
    assert follower.process.wait(timeout=30) == 130
    out = "".join(follower.lines)
    assert "Stopping the sweep" in out and "sweep stopped" in out and "Summary: 1 trials" in out
    assert "Traceback" not in out


def test_a_second_ctrl_c_leaves_the_sweep_running_and_exits_130(
    follower_on: Callable[[str], Follower],
) -> None:
    follower = follower_on("ignore")
    follower.wait_for_line("trial t1 iter 1")
    follower.process.send_signal(signal.SIGINT)
    follower.wait_for_line("Stopping the sweep")
    follower.process.send_signal(signal.SIGINT)
    assert follower.process.wait(timeout=30) == 130
    assert "The sweep goes on in the background" in "".join(follower.lines)
    os.kill(follower.driver_pid(), 0)  # the driver is still there


@pytest.mark.slow
def test_a_sigint_closes_the_dashboard_with_exit_code_130_but_ctrl_c_as_a_key_does_not(
    tmp_path: Path,
) -> None:
    expdir = ExperimentDir.create(tmp_path / "runs", "demo")
    meta = {"name": "demo", "metric": "score", "mode": "max", "status": SweepStatus.CREATED}
    with Store.create(expdir.store, meta) as store:
        store.record_experiment_started()
        store.record_trial_started("t1", {"x": 1})
        store.record_result("t1", 1, {"score": 1.0})
        store.record_experiment_ended(SweepStatus.FINISHED)
    env = {**os.environ, "TERM": "xterm-256color"}
    terminal = Terminal([*TUNETERM, "attach", str(expdir.path)], tmp_path, env, size=(24, 80))
    try:
        terminal.wait_for_text(lambda text: "demo" in text and "t1" in text, timeout=30)
        terminal.process.write(b"\x03")
        terminal.wait_for_text(lambda text: "to quit" in text, timeout=10)
        assert terminal.process.isalive()
        os.kill(terminal.process.pid, signal.SIGINT)
        deadline = time.monotonic() + 15
        while terminal.process.isalive() and time.monotonic() < deadline:
            terminal.pump(0.1)  # a full pty would block the dashboard's last writes
        terminal.process.wait()
        assert terminal.process.exitstatus == 130
        assert b"Traceback" not in terminal.raw
    finally:
        if terminal.process.isalive():
            terminal.process.kill(signal.SIGKILL)


SLOW_TRAINABLE = """
import time
from ray import tune


def slow(config):
    for i in range(1, 1000):
        time.sleep(0.5)
        tune.report({"score": float(i)})
"""

SLOW_CONFIG = """
[experiment]
name = "slow"
metric = "score"
mode = "max"
num_samples = 1
[trainable]
name = "usertrain:slow"
[search_space]
x = { grid = [1] }
[search]
algorithm = "grid"
"""


@pytest.mark.ray
@pytest.mark.slow
def test_ctrl_c_in_a_headless_run_stops_the_sweep_and_exits_130(
    tmp_path: Path, ray_head: RayHead
) -> None:
    (tmp_path / "usertrain.py").write_text(SLOW_TRAINABLE)
    (tmp_path / "slow.toml").write_text(SLOW_CONFIG)
    root = tmp_path / "runs"
    run = subprocess.Popen(
        [*TUNETERM, "run", "slow.toml", "--headless", "--address", ray_head.address],
        cwd=tmp_path,
        env={**os.environ, "TUNETERM_ROOT": str(root)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []

    def read() -> None:
        for line in run.stdout or []:
            lines.append(line)

    threading.Thread(target=read, daemon=True).start()
    try:
        wait_for(lambda: any(" iter 2: " in line for line in lines), timeout=90)
        run.send_signal(signal.SIGINT)
        assert run.wait(timeout=90) == 130, "".join(lines)
    finally:
        if run.poll() is None:
            run.kill()
    out = "".join(lines)
    assert "Stopping the sweep" in out and "sweep stopped" in out and "Summary: 1 trials" in out
    assert "Traceback" not in out + (run.stderr.read() if run.stderr else "")
    with Store.open(only_experiment(root).store) as store:
        assert store.meta()["status"] == SweepStatus.STOPPED
        assert [t.reason for t in store.trials()] == [EndReason.INTERRUPTED]
