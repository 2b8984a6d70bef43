"""`tuneterm journal` and `tuneterm compare`, called as the CLI calls them: output, files written,
and bad input as one line naming the path with exit code 2."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from tests.journal_support import (
    new_experiment,
    record_sweep,
    utc,  # noqa: F401
)
from tuneterm.cli.report import (
    add_compare_parser,
    add_journal_parser,
    compare_command,
    journal_command,
)
from tuneterm.storage.experiment import ExperimentDir


def parse(*argv: str) -> argparse.Namespace:
    """The arguments as the tuneterm parser (with --root) hands them over."""
    parser = argparse.ArgumentParser(prog="tuneterm")
    parser.add_argument("--root", type=Path, default=None)
    commands = parser.add_subparsers(dest="command", required=True)
    add_journal_parser(commands)
    add_compare_parser(commands)
    return parser.parse_args(argv)


def run(*argv: str) -> int:
    args = parse(*argv)
    return journal_command(args) if args.command == "journal" else compare_command(args)


@pytest.fixture
def finished(tmp_path: Path) -> ExperimentDir:
    expdir, store = new_experiment(tmp_path / "runs")
    with store:
        record_sweep(store)
    return expdir


def test_journal_prints_the_markdown(
    finished: ExperimentDir, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("journal", str(finished.path)) == 0
    out, err = capsys.readouterr()
    assert out.startswith("# Journal: demo\n") and "## Conclusions" in out and err == ""
    assert not finished.journal.exists(), "printing writes nothing"


def test_journal_defaults_to_the_most_recent_experiment(
    finished: ExperimentDir, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("--root", str(finished.path.parent), "journal") == 0
    assert capsys.readouterr().out.startswith("# Journal: demo\n")


def test_journal_write_keeps_an_edited_journal(
    finished: ExperimentDir, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("journal", str(finished.path), "--write") == 0
    assert capsys.readouterr().out == f"journal written to {finished.journal}\n"
    assert finished.journal.read_text().startswith("# Journal: demo\n")
    finished.journal.write_text("mine\n")
    assert run("journal", str(finished.path), "--write") == 0
    out = capsys.readouterr().out
    assert "edited outside tuneterm" in out and out.count("\n") == 1
    assert finished.journal.read_text() == "mine\n"
    assert (finished.path / "journal.tuneterm.md").read_text().startswith("# Journal: demo\n")


def test_journal_output_writes_any_file(
    finished: ExperimentDir, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "report.md"
    assert run("journal", str(finished.path), "--output", str(target)) == 0
    assert target.read_text().startswith("# Journal: demo\n")
    assert capsys.readouterr().out == f"journal written to {target}\n"


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("nothing", "{path}: not a tuneterm experiment directory"),
        ("bad-config", "{path}/config.json: cannot read: "),
        ("missing-config", "{path}/config.json: no such file"),
        ("invalid-config", "{path}/config.json: experiment.name: required key is missing"),
    ],
)
def test_journal_errors_are_one_line_naming_the_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], setup: str, expected: str
) -> None:
    if setup == "nothing":
        path = tmp_path / "plain"
        path.mkdir()
    else:
        expdir, store = new_experiment(tmp_path)
        store.close()
        path = expdir.path
        if setup == "bad-config":
            expdir.config_json.write_text("{not json")
        elif setup == "invalid-config":
            expdir.config_json.write_text("{}")
        else:
            expdir.config_json.unlink()
    assert run("journal", str(path)) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert err.startswith("error: " + expected.format(path=path))


def test_journal_with_no_experiments_says_where_it_looked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("--root", str(tmp_path / "empty"), "journal") == 2
    assert capsys.readouterr().err == (
        f"error: no experiments under {tmp_path / 'empty'} (start one with: tuneterm run CONFIG)\n"
    )


def test_journal_output_to_an_unwritable_place_is_one_line(
    finished: ExperimentDir, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "no" / "such" / "dir" / "report.md"
    assert run("journal", str(finished.path), "--output", str(target)) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {target}: cannot write") and err.count("\n") == 1


def test_compare_sets_experiments_side_by_side(
    finished: ExperimentDir, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty, store = new_experiment(tmp_path / "other")
    store.close()
    assert run("compare", str(finished.path), str(empty.path)) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        *("name", "status", "metric", "best", "trials", "stopped", "early", "time", "best"),
        "config",
    ]
    # 4 trials, 1 stopped by ASHA (25%), T0 -> T0 + 100; best t1.
    assert lines[1].split() == [
        *("demo", "finished", "accuracy", "(max)", "0.9", "4", "1", "(25%)", "1", "min", "40"),
        *("s", "batch_norm=True", "lr=0.001"),
    ]
    assert lines[2].split()[:6] == ["demo", "created", "accuracy", "(max)", "-", "0"]
    assert run("compare", "--markdown", str(finished.path)) == 0
    markdown = capsys.readouterr().out.splitlines()
    assert markdown[0].startswith("| name | status | metric | best |")
    assert markdown[2] == (
        "| demo | finished | accuracy (max) | 0.9 | 4 | 1 (25%) | 1 min 40 s "
        "| batch_norm=True lr=0.001 |"
    )


def test_compare_names_a_directory_that_is_not_an_experiment(
    finished: ExperimentDir, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("compare", str(finished.path), str(tmp_path / "nope")) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == f"error: {tmp_path / 'nope'}: not a tuneterm experiment directory\n"
