"""The kind of a note, chosen in the note dialog by keyboard alone: observation by default, ctrl+t
cycles, tab reaches the row of kinds (arrows move, enter picks). The store keeps it, the trial's
detail shows it, and the journal files the note under its kind's section."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import RadioSet, TextArea

from tests.ui.helpers import screen_text, wait_for_events, wait_for_workers, wait_until
from tests.ui.journal_recorded import write_config
from tests.ui.recorded import RecordedSweep
from tuneterm.domain.hypotheses.notebook import NoteKind
from tuneterm.storage.store import Store
from tuneterm.ui.modals.note import NoteModal
from tuneterm.ui.screens.detail import TrialDetailScreen
from tuneterm.ui.screens.journal import JournalScreen
from tuneterm.ui.screens.sweep import SweepScreen


@pytest.fixture
def journal_sweep(sweep: RecordedSweep) -> RecordedSweep:
    write_config(sweep.path)
    return sweep


def kinds_in_store(sweep: RecordedSweep) -> list[tuple[str, NoteKind]]:
    with Store.open(sweep.path / Store.FILENAME) as store:
        return [(note.text, note.kind) for note in store.notes()]


def section(markdown: str, title: str) -> str:
    start = markdown.index(f"## {title}\n")
    end = markdown.find("\n## ", start + 1)
    return markdown[start : end if end != -1 else len(markdown)]


async def test_a_note_is_an_observation_unless_another_kind_is_chosen(
    journal_sweep: RecordedSweep, make_app: Any
) -> None:
    app = make_app(journal_sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, journal_sweep.event_count)
        await pilot.press("n")
        modal = app.screen
        assert isinstance(modal, NoteModal) and modal.kind is NoteKind.OBSERVATION
        assert "at iteration 9 · observation" in screen_text(app)  # the first row's trial
        await pilot.press(*"loss is flat", "ctrl+s")
        await wait_for_workers(pilot, app, "notebook")
    assert kinds_in_store(journal_sweep) == [("loss is flat", NoteKind.OBSERVATION)]


async def test_ctrl_t_cycles_the_kind_while_typing(
    journal_sweep: RecordedSweep, make_app: Any
) -> None:
    app = make_app(journal_sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, journal_sweep.event_count)
        await pilot.press("n", *"seed", "ctrl+t", *" the split", "ctrl+t", "ctrl+t")
        modal = app.screen
        assert isinstance(modal, NoteModal) and modal.kind is NoteKind.LESSON
        assert modal.query_one(TextArea).text == "seed the split", "ctrl+t types nothing"
        assert "at iteration 9 · lesson" in screen_text(app)
        assert modal.query_one(RadioSet).pressed_index == 3
        await pilot.press("ctrl+t")  # past the last kind, back to the first
        assert modal.kind is NoteKind.OBSERVATION
        await pilot.press("ctrl+t", "ctrl+s")  # saved at once, as an insight
        await wait_for_workers(pilot, app, "notebook")
    assert kinds_in_store(journal_sweep) == [("seed the split", NoteKind.INSIGHT)]


async def test_the_kind_chosen_from_the_row_of_kinds_files_the_note_in_the_journal(
    journal_sweep: RecordedSweep, make_app: Any
) -> None:
    app = make_app(journal_sweep.path)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for_events(pilot, app, journal_sweep.event_count)
        await pilot.press("j", "j", "j", "n")  # a1b2c_00003, completed at iteration 9
        modal = app.screen
        assert isinstance(modal, NoteModal)
        await pilot.press(*"rerun with lr 3e-3", "shift+tab")
        assert isinstance(app.focused, RadioSet)
        await pilot.press("right", "right", "enter", "tab")  # next experiment; back to the text
        assert isinstance(app.focused, TextArea) and modal.kind is NoteKind.NEXT_EXPERIMENT
        assert "at iteration 9 · next experiment" in screen_text(app)
        await pilot.press(*" and bn", "ctrl+s")
        assert isinstance(app.screen, SweepScreen)
        await wait_for_workers(pilot, app, "notebook")
        assert kinds_in_store(journal_sweep) == [
            ("rerun with lr 3e-3 and bn", NoteKind.NEXT_EXPERIMENT)
        ]

        await pilot.press("enter")
        detail = app.screen
        assert isinstance(detail, TrialDetailScreen)
        await wait_until(pilot, lambda: bool(detail.notes_shown))
        assert "next experiment · " in screen_text(app)

        await pilot.press("escape", "J")
        journal = app.screen
        assert isinstance(journal, JournalScreen)
        await wait_until(pilot, lambda: journal.markdown is not None)
        markdown = journal.markdown or ""
    assert "rerun with lr 3e-3 and bn" in section(markdown, "Next experiments")
    assert "rerun with lr 3e-3" not in section(markdown, "Observations")
    assert "No notes yet" in section(markdown, "Observations")
