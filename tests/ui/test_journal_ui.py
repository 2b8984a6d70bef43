"""The journal in the dashboard: verdicts, notes and hypotheses are written to the store first and
shown only then; notes appear in the trial's detail and in the journal; journal.md follows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select, TextArea

from tests.ui.helpers import screen_text, wait_for_events, wait_for_workers, wait_until
from tests.ui.journal_recorded import write_config
from tests.ui.recorded import RecordedSweep, record_sweep
from tests.ui.test_screens import ReadOnly
from tuneterm.domain.config.spec import Hypothesis
from tuneterm.domain.hypotheses.notebook import Note, NoteKind
from tuneterm.domain.hypotheses.verdict import Verdict
from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.sources import open_source
from tuneterm.storage.store import Store
from tuneterm.ui.app import TuneTermApp, create_app
from tuneterm.ui.modals.note import DISCARD_HINT, EMPTY_HINT, NoteModal
from tuneterm.ui.modals.verdict import HypothesisModal, VerdictModal
from tuneterm.ui.screens.compare import CompareScreen
from tuneterm.ui.screens.detail import TrialDetailScreen
from tuneterm.ui.screens.hypotheses import HypothesesScreen
from tuneterm.ui.screens.journal import JournalScreen
from tuneterm.ui.screens.sweep import SweepScreen

NOTE = "Loss plateaus after epoch 3 [bold]not markup[/] \x1b[31mnot red"
SHOWN_NOTE = "Loss plateaus after epoch 3 [bold]not markup[/] \\x1b[31mnot red"


@pytest.fixture
def journal_sweep(sweep: RecordedSweep) -> RecordedSweep:
    """The recorded sweep with its config.json: three hypotheses (H1 batch_norm, H2 lr, H3
    batch_size)."""
    write_config(sweep.path)
    return sweep


def store_of(sweep: RecordedSweep) -> Store:
    return Store.open(sweep.path / Store.FILENAME)


async def open_hypotheses(pilot: Pilot[object], app: TuneTermApp) -> HypothesesScreen:
    await pilot.press("h")
    screen = app.screen
    assert isinstance(screen, HypothesesScreen)
    await wait_until(pilot, lambda: screen.notebook is not None)
    return screen


def verdict_shown(screen: HypothesesScreen, hypothesis_id: str) -> str:
    table = screen.query_one("#hypotheses-list", DataTable)
    return str(table.get_cell(hypothesis_id, "verdict"))


def notifications(app: TuneTermApp) -> list[str]:
    return [notification.message for notification in app._notifications]


async def test_a_verdict_is_stored_then_shown_and_a_changed_one_kept_as_history(
    journal_sweep: RecordedSweep, make_app: Any
) -> None:
    app = make_app(journal_sweep.path)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for_events(pilot, app, journal_sweep.event_count)
        screen = await open_hypotheses(pilot, app)
        assert [view.hypothesis.id for view in screen.notebook.views] == ["H1", "H2", "H3"]
        assert verdict_shown(screen, "H2") == "suggests INCONCLUSIVE"

        await pilot.press("j", "c")
        assert isinstance(app.screen, VerdictModal)
        await pilot.press(*"lr 0.3 diverges", "enter")
        await wait_for_workers(pilot, app, "notebook")
        with store_of(journal_sweep) as store:
            first = store.verdicts()
        assert [(r.hypothesis_id, r.verdict, r.justification) for r in first] == [
            ("H2", Verdict.CONFIRMED, "lr 0.3 diverges")
        ]
        await wait_until(pilot, lambda: verdict_shown(screen, "H2") == "CONFIRMED")
        assert "H2 marked CONFIRMED" in notifications(app)

        await pilot.press("r", "enter")  # changed, with no justification
        await wait_for_workers(pilot, app, "notebook")
        with store_of(journal_sweep) as store:
            both = store.verdicts()
        assert [(r.verdict, r.justification) for r in both] == [
            (Verdict.CONFIRMED, "lr 0.3 diverges"),
            (Verdict.REJECTED, ""),
        ]
        await wait_until(pilot, lambda: verdict_shown(screen, "H2") == "REJECTED")
        text = screen_text(app)
        assert "verdicts, the current one first" in text
        assert text.index("REJECTED") < text.index("CONFIRMED  lr 0.3 diverges")
        assert "CONFIRMED  lr 0.3 diverges" in text
        assert verdict_shown(screen, "H1") == "suggests INCONCLUSIVE"


async def test_escape_in_the_verdict_question_records_nothing(
    journal_sweep: RecordedSweep, make_app: Any
) -> None:
    app = make_app(journal_sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, journal_sweep.event_count)
        screen = await open_hypotheses(pilot, app)
        await pilot.press("i", *"maybe", "escape")
        assert app.screen is screen
        await wait_for_workers(pilot, app, "notebook")
        with store_of(journal_sweep) as store:
            assert store.verdicts() == []


async def test_evidence_shows_both_comparisons_and_the_suggestion(
    journal_sweep: RecordedSweep, make_app: Any
) -> None:
    app = make_app(journal_sweep.path)
    async with app.run_test(size=(120, 60)) as pilot:
        await wait_for_events(pilot, app, journal_sweep.event_count)
        await open_hypotheses(pilot, app)
        text = screen_text(app)
        assert "expected: batch_norm = true is best · from the config" in text
        assert "[bold]not markup[/]" in text  # the reasoning, literally
        assert "accuracy at each trial's last iteration" in text
        assert "accuracy at iteration 1, which every trial reached" in text
        assert "suggests INCONCLUSIVE  ⚠ thin evidence" in text
        assert "not judged yet" in text


async def test_n_saves_a_note_on_the_highlighted_trial_shown_in_its_detail_and_the_journal(
    journal_sweep: RecordedSweep, make_app: Any
) -> None:
    app = make_app(journal_sweep.path)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for_events(pilot, app, journal_sweep.event_count)
        await pilot.press("j", "j", "j", "n")  # a1b2c_00003, completed at iteration 9
        modal = app.screen
        assert isinstance(modal, NoteModal)
        assert (modal.trial_id, modal.iteration) == ("a1b2c_00003", 9)
        assert "Note on trial a1b2c_00003 at iteration 9" in screen_text(app)
        modal.query_one(TextArea).insert(NOTE + "\nsecond line")
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, SweepScreen)
        await wait_for_workers(pilot, app, "notebook")
        with store_of(journal_sweep) as store:
            notes = store.notes()
        assert [(n.text, n.trial_id, n.iteration) for n in notes] == [
            (NOTE + "\nsecond line", "a1b2c_00003", 9)
        ]
        assert "Note saved (observation)" in notifications(app)

        await pilot.press("enter")
        detail = app.screen
        assert isinstance(detail, TrialDetailScreen)
        await wait_until(pilot, lambda: detail.notes_shown is not None)
        assert detail.notes_shown == notes
        text = screen_text(app)
        assert SHOWN_NOTE in text and "second line" in text
        assert "iteration 9" in text and "\x1b" not in text

        await pilot.press("escape", "J")
        journal = app.screen
        assert isinstance(journal, JournalScreen)
        await wait_until(pilot, lambda: journal.markdown is not None)
        assert "Loss plateaus after epoch 3" in (journal.markdown or "")
        written = ExperimentDir(journal_sweep.path).journal.read_text()
        assert "Loss plateaus after epoch 3" in written


async def test_a_note_from_the_trial_detail_is_about_that_trial(
    journal_sweep: RecordedSweep, make_app: Any
) -> None:
    app = make_app(journal_sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, journal_sweep.event_count)
        await pilot.press("G", "k", "k", "k", "enter")  # a1b2c_00006, running at iteration 5
        detail = app.screen
        assert isinstance(detail, TrialDetailScreen)
        await pilot.press("n", *"diverging?", "ctrl+s")
        assert app.screen is detail
        await wait_until(pilot, lambda: bool(detail.notes_shown))
        assert detail.notes_shown is not None
        note = detail.notes_shown[0]
        assert (note.text, note.trial_id, note.iteration) == ("diverging?", "a1b2c_00006", 5)
        assert "diverging?" in screen_text(app)


async def test_a_note_from_the_hypotheses_screen_is_about_the_whole_sweep(
    journal_sweep: RecordedSweep, make_app: Any
) -> None:
    app = make_app(journal_sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, journal_sweep.event_count)
        await open_hypotheses(pilot, app)
        await pilot.press("n")
        assert "Note on the whole sweep" in screen_text(app)
        await pilot.press(*"ASHA cut half at 1", "ctrl+s")
        await wait_for_workers(pilot, app, "notebook")
        with store_of(journal_sweep) as store:
            assert [(n.text, n.trial_id) for n in store.notes()] == [("ASHA cut half at 1", None)]


async def test_a_typed_note_is_discarded_only_by_a_second_escape(
    journal_sweep: RecordedSweep, make_app: Any
) -> None:
    app = make_app(journal_sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, journal_sweep.event_count)
        await pilot.press("n", "ctrl+s")
        assert isinstance(app.screen, NoteModal)  # nothing to save
        assert EMPTY_HINT in screen_text(app)
        await pilot.press(*"draft", "escape")
        assert isinstance(app.screen, NoteModal)
        assert DISCARD_HINT in screen_text(app)
        await pilot.press("escape")
        assert isinstance(app.screen, SweepScreen)
        await pilot.press("n")
        assert app.screen.query_one(TextArea).text == ""
        await pilot.press("escape")
        assert isinstance(app.screen, SweepScreen)
        with store_of(journal_sweep) as store:
            assert store.notes() == []


class LockedNotes(ReadOnly):
    read_only = False

    def add_note(
        self,
        text: str,
        trial_id: str | None,
        iteration: int | None,
        kind: NoteKind = NoteKind.OBSERVATION,
    ) -> Note:
        raise OSError("database is locked")


async def test_a_note_that_could_not_be_saved_is_not_lost(journal_sweep: RecordedSweep) -> None:
    source = open_source(journal_sweep.path)
    app = create_app(LockedNotes(source), poll_interval=0.01)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, journal_sweep.event_count)
        await pilot.press("n", *"keep every word", "ctrl+s")
        await wait_for_workers(pilot, app, "notebook")
        assert any(
            "Could not save the note: OSError: database is locked" in m for m in notifications(app)
        )
        await pilot.press("n")
        assert app.screen.query_one(TextArea).text == "keep every word"
    source.close()


async def test_a_new_hypothesis_is_checked_in_the_form_before_anything_is_saved(
    journal_sweep: RecordedSweep, make_app: Any
) -> None:
    app = make_app(journal_sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, journal_sweep.event_count)
        screen = await open_hypotheses(pilot, app)
        await pilot.press("a")
        form = app.screen
        assert isinstance(form, HypothesisModal)
        assert form.query_one("#hypothesis-id", Input).value == "H4"
        assert form.parameters == ["lr", "batch_size", "batch_norm"]  # tuned only
        await pilot.press(*"Small batches generalise better")
        form.query_one(Select).value = "batch_size"
        form.query_one("#hypothesis-expected", Input).value = "16"
        await pilot.press("ctrl+s")
        assert app.screen is form
        assert form.error is not None and form.error.startswith("expected: 16 is not a possible")
        assert "expected: 16 is not a possible value of 'batch_size'" in screen_text(app)
        with store_of(journal_sweep) as store:
            assert store.live_hypotheses() == []

        form.query_one("#hypothesis-expected", Input).value = "lower"
        form.query_one("#hypothesis-reasoning", Input).value = "more gradient noise"
        await pilot.press("ctrl+s")
        assert app.screen is screen
        await wait_for_workers(pilot, app, "notebook")
        with store_of(journal_sweep) as store:
            [(added, _)] = store.live_hypotheses()
        assert added == Hypothesis(
            "H4", "Small batches generalise better", "batch_size", "lower", "more gradient noise"
        )
        await wait_until(pilot, lambda: screen.query_one(DataTable).row_count == 4)
        assert verdict_shown(screen, "H4").startswith("suggests ")


async def test_without_a_recorded_config_no_hypothesis_can_be_added(
    sweep: RecordedSweep, make_app: Any
) -> None:
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        screen = await open_hypotheses(pilot, app)
        assert "No hypotheses yet" in screen_text(app)
        await pilot.press("a", "c")
        assert app.screen is screen
        assert any("no recorded config" in m for m in notifications(app))


async def test_a_read_only_source_changes_nothing(sweep: RecordedSweep) -> None:
    source = open_source(sweep.path)
    app = create_app(ReadOnly(source), poll_interval=0.01)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        await pilot.press("n")
        assert isinstance(app.screen, SweepScreen)
        await pilot.press("h")
        await wait_until(pilot, lambda: app.screen.notebook is not None)
        await pilot.press("a", "c", "escape", "J")
        assert isinstance(app.screen, JournalScreen)
        assert "plain Ray Tune directory has no journal" in screen_text(app)
        await pilot.press("w")
        assert all(m.startswith("Read-only") for m in notifications(app))
        assert len(notifications(app)) == 4
    source.close()
    with store_of(sweep) as store:
        assert store.notes() == [] and store.verdicts() == []
    assert not ExperimentDir(sweep.path).journal.exists()


async def test_a_hand_edited_journal_md_is_not_clobbered(
    journal_sweep: RecordedSweep, make_app: Any
) -> None:
    journal = ExperimentDir(journal_sweep.path).journal
    journal.write_text("# My own words\n")
    app = make_app(journal_sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, journal_sweep.event_count)
        await pilot.press("n", *"keep going", "ctrl+s")
        await wait_for_workers(pilot, app, "notebook")
        assert journal.read_text() == "# My own words\n"
        beside = journal_sweep.path / "journal.tuneterm.md"
        assert "keep going" in beside.read_text()
        assert any("edited outside tuneterm" in m for m in notifications(app))


async def test_w_in_the_journal_view_writes_journal_md(
    journal_sweep: RecordedSweep, make_app: Any
) -> None:
    app = make_app(journal_sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, journal_sweep.event_count)
        await pilot.press("J")
        screen = app.screen
        assert isinstance(screen, JournalScreen)
        await wait_until(pilot, lambda: screen.markdown is not None)
        await pilot.press("w")
        await wait_for_workers(pilot, app, "journal-file")
        journal = ExperimentDir(journal_sweep.path).journal
        assert journal.read_text() == screen.markdown
        assert f"journal written to {journal}" in notifications(app)


async def test_notes_newer_than_journal_md_bring_it_up_to_date_on_attach(
    journal_sweep: RecordedSweep, make_app: Any
) -> None:
    journal_sweep.store.add_note("written by a dashboard that was killed")
    app = make_app(journal_sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, journal_sweep.event_count)
        journal = ExperimentDir(journal_sweep.path).journal
        # The check runs once the first frame is out (JOURNAL_CATCH_UP_DELAY after mount).
        await wait_until(pilot, lambda: journal.is_file(), timeout=5.0)
        await wait_for_workers(pilot, app, "journal-file")
        assert "written by a dashboard that was killed" in journal.read_text()


async def test_compare_sets_the_experiments_of_the_directory_side_by_side(
    sweep: RecordedSweep, make_app: Any, tmp_path: Path
) -> None:
    other = record_sweep(tmp_path / "other-20231115-080000", name="other", seed=1)
    app = make_app(sweep.path)
    async with app.run_test(size=(160, 30)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        await pilot.press("C")
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        await wait_until(pilot, lambda: screen.rows is not None)
        assert screen.rows is not None
        assert {row.path for row in screen.rows} == {sweep.path, other.path}
        text = screen_text(app)
        assert "▶ mnist-asha" in text and "  other" in text
        assert "accuracy (max)" in text and "0.7264" in text
        await pilot.press("escape")
        assert isinstance(app.screen, SweepScreen)
    other.store.close()


async def test_a_verdict_recorded_elsewhere_shows_up(
    journal_sweep: RecordedSweep, make_app: Any
) -> None:
    app = make_app(journal_sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, journal_sweep.event_count)
        screen = await open_hypotheses(pilot, app)
        journal_sweep.store.record_verdict("H3", Verdict.REJECTED, "from another dashboard")
        await wait_until(pilot, lambda: verdict_shown(screen, "H3") == "REJECTED", timeout=8)
