"""`tuneterm logs`: which trial, how lines are printed, and how --follow ends."""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path

import pytest

from tests.support import tuneterm
from tuneterm.cli import logs
from tuneterm.cli.logs import LinePrinter, follow
from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.output_merge import InterleavedFollower
from tuneterm.storage.output_writer import OutputWriter
from tuneterm.storage.store import Store
from tuneterm.storage.trial_output import STDERR, STDOUT, OutputLine, output_paths


def experiment_with_output(directory: Path) -> Path:
    directory.mkdir()
    with Store.create(ExperimentDir(directory).store, {"name": "x", "metric": "m"}) as store:
        store.record_trial_started("abc_00001", {})
        store.record_trial_started("abc_00011", {})
    writer = OutputWriter(directory)
    writer.write("abc_00001", STDOUT, b"epoch 1\n\x1b]0;title\x07[red]x[/red]\n", 1.0)
    writer.write("abc_00001", STDERR, b"warning\n", 2.0)
    writer.write("abc_00001", STDOUT, b"last, unterminated", 3.0)
    writer.close()
    return directory


def test_logs_prints_both_streams_in_order_escaped_with_stderr_marked(tmp_path: Path) -> None:
    directory = experiment_with_output(tmp_path / "exp")
    proc = tuneterm("logs", str(directory), "00001", cwd=tmp_path, root=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (
        "epoch 1\n\\x1b]0;title\\x07[red]x[/red]\nstderr| warning\nlast, unterminated\n"
    )


def test_logs_refuses_an_unknown_or_ambiguous_trial_and_a_bad_directory(
    tmp_path: Path,
) -> None:
    directory = tmp_path / "exp"
    directory.mkdir()
    with Store.create(ExperimentDir(directory).store, {"name": "x", "metric": "m"}) as store:
        store.record_trial_started("abc_00001", {})
        store.record_trial_started("abc_00011", {})
    for args, message in [
        ((str(directory), "00002"), "logs: no trial '00002' in this experiment"),
        ((str(directory), "1"), "logs: '1' matches 2 trials (abc_00001, abc_00011)"),
        ((str(tmp_path), "1"), "not a tuneterm experiment directory"),
        ((str(tmp_path / "nowhere"), "1"), "no such experiment directory"),
    ]:
        proc = tuneterm("logs", *args, cwd=tmp_path, root=tmp_path)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        assert message in proc.stderr and len(proc.stderr.splitlines()) == 1, proc.stderr
    proc = tuneterm("logs", str(directory), "00011", cwd=tmp_path, root=tmp_path)
    assert (proc.returncode, proc.stdout) == (0, ""), "a trial that printed nothing yet"


def test_stderr_is_marked_in_red_on_a_terminal() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Terminal()
    LinePrinter(out).write([OutputLine(STDERR, "bad \x1b[2J"), OutputLine(STDOUT, "ok")])
    assert out.getvalue() == "\x1b[31mstderr| \x1b[0mbad \\x1b[2J\nok\n"


def test_follow_prints_what_arrives_and_ends_a_grace_period_after_the_trial(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logs, "END_GRACE_S", 0.3)
    writer = OutputWriter(tmp_path)
    follower = InterleavedFollower(*output_paths(tmp_path, "t"))
    ended = threading.Event()

    def trial() -> None:
        for number in range(3):
            writer.write("t", STDOUT, b"line %d\n" % number, 0.0)
            time.sleep(0.1)
        ended.set()
        time.sleep(0.1)  # the last batch lands after the end is recorded
        writer.write("t", STDERR, b"late\n", 0.0)

    out = io.StringIO()
    thread = threading.Thread(target=trial)
    thread.start()
    began = time.monotonic()
    follow(follower, LinePrinter(out), ended.is_set)
    thread.join()
    assert out.getvalue() == "line 0\nline 1\nline 2\nstderr| late\n"
    assert time.monotonic() - began < 5
