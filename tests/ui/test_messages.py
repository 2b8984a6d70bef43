"""Which messages a newer one of their kind replaces in a queue (only the latest is drawn)."""

from __future__ import annotations

from tuneterm.domain.control import ControlAction
from tuneterm.ui.messages import (
    ControlRequested,
    JournalRendered,
    NotebookSaved,
    RefreshDue,
    SweepUpdated,
    TrialNotesLoaded,
    TrialResultsLoaded,
)


def test_a_newer_snapshot_replaces_a_queued_one() -> None:
    assert RefreshDue().can_replace(RefreshDue())
    assert JournalRendered("# old", None).can_replace(JournalRendered("# new", None))
    assert TrialResultsLoaded("t1", []).can_replace(TrialResultsLoaded("t1", []))
    assert TrialNotesLoaded("t1", []).can_replace(TrialNotesLoaded("t1", []))


def test_a_snapshot_of_another_trial_or_kind_is_kept() -> None:
    assert not TrialResultsLoaded("t1", []).can_replace(TrialResultsLoaded("t2", []))
    assert not TrialResultsLoaded("t1", []).can_replace(TrialNotesLoaded("t1", []))
    assert not RefreshDue().can_replace(JournalRendered(None, "no config"))


def test_changes_requests_and_saves_are_never_dropped() -> None:
    update = SweepUpdated(frozenset({"t1"}), 1, True)
    assert not update.can_replace(SweepUpdated(frozenset({"t2"}), 1, True))
    stop = ControlRequested(ControlAction.STOP, "t1")
    assert not stop.can_replace(ControlRequested(ControlAction.STOP, "t2"))
    assert not NotebookSaved("Note saved").can_replace(NotebookSaved("Note saved"))


def test_messages_are_dataclasses_with_their_fields_in_order() -> None:
    update = SweepUpdated(frozenset({"t1"}), 3, None)
    assert (update.changed_trial_ids, update.event_count, update.driver_alive) == (
        frozenset({"t1"}),
        3,
        None,
    )
    assert update == SweepUpdated(frozenset({"t1"}), 3, None)
