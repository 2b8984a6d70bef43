"""Never lose a word: a dashboard SIGKILLed right after it said a note was saved leaves the note
in the store, and reattaching shows it in the journal (view and journal.md). Real pseudo-terminal,
no Ray: the sweep is recorded through the Store API, with no driver left to keep journal.md."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest

from tests.support import (
    ScreenText,
    Terminal,
    assert_footer_keys,
    assert_sweep_header,
    wait_for,
)
from tests.ui.journal_recorded import write_config
from tests.ui.recorded import record_sweep
from tuneterm.domain.status import SweepStatus
from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.store import Store

pytestmark = pytest.mark.slow

NOTE = "lr above 0.1 never learns"
PROMPT = "Note on trial a1b2c_00003 at iteration 9"


def shows_the_recorded_sweep(screen: ScreenText) -> None:
    assert_sweep_header(screen, "mnist-asha", SweepStatus.RUNNING)
    assert "best accuracy 0.7264 ★ a1b2c_00003" in screen.header
    assert screen.lines[1].split()[:2] == ["10", "trials:"], screen.lines[1]
    assert screen.row("a1b2c_00003")[:3] == ["a1b2c_00003", "completed", "9"]
    assert screen.row("a1b2c_00004")[:3] == ["a1b2c_00004", "error", "2"]
    assert_footer_keys(screen, "⏎ Detail", "x Stop", "n Note", "? Help", "q Quit")


def asks_for_the_note(screen: ScreenText) -> None:
    screen.line_with(PROMPT)
    screen.line_with("ctrl+s saves · escape cancels")
    assert_sweep_header(screen, "mnist-asha", SweepStatus.RUNNING)


def says_the_note_is_saved(screen: ScreenText) -> None:
    screen.line_with("Note saved")
    assert PROMPT not in str(screen)
    assert screen.row("a1b2c_00003")[:3] == ["a1b2c_00003", "completed", "9"]


def shows_the_note_in_the_journal(screen: ScreenText) -> None:
    assert screen.header.split()[0] == "Journal" and "w writes it now" in screen.header
    screen.line_with("Journal: mnist-asha")
    note = screen.line_with(f"(trial a1b2c_00003, iteration 9): {NOTE}")
    assert screen.line_with("Observations") < note < screen.line_with("Results and analysis")
    assert_footer_keys(screen, "esc Back", "w Write journal.md", "q Quit")


def dashboard(expdir: Path, size: tuple[int, int]) -> Terminal:
    env = {**os.environ, "TERM": "xterm-256color", "NO_COLOR": "1"}
    argv = [sys.executable, "-m", "tuneterm", "attach", str(expdir)]
    return Terminal(argv, cwd=expdir.parent, env=env, size=size)


def test_a_note_saved_just_before_the_dashboard_is_killed_is_in_the_journal(
    tmp_path: Path,
) -> None:
    sweep = record_sweep(tmp_path / "mnist-20231114-221320")
    write_config(sweep.path)
    sweep.store.close()
    terminal = dashboard(sweep.path, (24, 80))
    try:
        terminal.wait_for_screen(shows_the_recorded_sweep, timeout=30)
        terminal.process.write(b"jjjn")
        terminal.wait_for_screen(asks_for_the_note, timeout=10)
        terminal.process.write(NOTE.encode() + b"\x13")  # ctrl+s
        terminal.wait_for_screen(says_the_note_is_saved, timeout=10)
        os.kill(terminal.process.pid, signal.SIGKILL)
    finally:
        if terminal.process.isalive():
            terminal.process.terminate(force=True)

    with Store.open(sweep.path / Store.FILENAME) as store:
        notes = store.notes()
    assert [(n.text, n.trial_id, n.iteration) for n in notes] == [(NOTE, "a1b2c_00003", 9)]

    journal = ExperimentDir(sweep.path).journal
    again = dashboard(sweep.path, (200, 100))
    try:
        again.wait_for_screen(shows_the_recorded_sweep, timeout=30)
        wait_for(lambda: journal.exists() and NOTE in journal.read_text(), timeout=15)
        again.process.write(b"J")
        again.wait_for_screen(shows_the_note_in_the_journal, timeout=15)
        again.process.write(b"q")  # quits from the journal view too
        deadline = time.monotonic() + 15
        while again.process.isalive() and time.monotonic() < deadline:
            again.pump(0.2)
        assert not again.process.isalive()
    finally:
        if again.process.isalive():
            again.process.terminate(force=True)
