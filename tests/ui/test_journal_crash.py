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

from tests.cli.test_terminal import Terminal
from tests.support import wait_for
from tests.ui.journal_recorded import write_config
from tests.ui.recorded import record_sweep
from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.store import Store

pytestmark = pytest.mark.slow

NOTE = "lr above 0.1 never learns"


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
        terminal.wait_for_text(lambda s: "a1b2c_00003" in s, timeout=30)
        terminal.process.write(b"jjjn")
        terminal.wait_for_text(lambda s: "Note on trial a1b2c_00003 at iteration 9" in s, 10)
        terminal.process.write(NOTE.encode() + b"\x13")  # ctrl+s
        terminal.wait_for_text(lambda s: "Note saved" in s, timeout=10)
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
        again.wait_for_text(lambda s: "a1b2c_00003" in s, timeout=30)
        wait_for(lambda: journal.exists() and NOTE in journal.read_text(), timeout=15)
        again.process.write(b"J")
        screen = again.wait_for_text(lambda s: NOTE in s, timeout=15)
        assert "Observations" in screen
        again.process.write(b"q")  # quits from the journal view too
        deadline = time.monotonic() + 15
        while again.process.isalive() and time.monotonic() < deadline:
            again.pump(0.2)
        assert not again.process.isalive()
    finally:
        if again.process.isalive():
            again.process.terminate(force=True)
