"""The command line: bad input is one line and exit code 2 with nothing started; `ls`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tuneterm.cli.main import main
from tuneterm.cli.preflight import bundled_config_dir
from tuneterm.domain.status import SweepStatus
from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.store import Store

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
    ]
