"""Messages from the ingest and loader threads and the screens: small facts, in the past tense."""

from __future__ import annotations

from collections.abc import Sequence

from textual.message import Message

from tuneterm.model.control import ControlAction
from tuneterm.model.trial import Result


class SweepUpdated(Message):
    """The ingest thread applied a batch of events to the sweep state.

    At most one is in flight: the thread waits for the app to take it before posting the next,
    and keeps applying events (accumulating changed trial ids) meanwhile.
    """

    def __init__(
        self, changed_trial_ids: frozenset[str], event_count: int, driver_alive: bool | None
    ) -> None:
        super().__init__()
        self.changed_trial_ids = changed_trial_ids
        """Trials whose row changed since the previous message."""
        self.event_count = event_count
        """Events applied since the previous message (0 for a driver liveness change only)."""
        self.driver_alive = driver_alive
        """Whether the driver process still runs (None: unknown, e.g. a plain Ray directory)."""


class TrialResultsLoaded(Message):
    """Every result of one trial, read from the source for the detail screen."""

    def __init__(self, trial_id: str, results: Sequence[Result]) -> None:
        super().__init__()
        self.trial_id = trial_id
        self.results = results


class TrialDetailRequested(Message):
    """The user asked to see one trial in full."""

    def __init__(self, trial_id: str) -> None:
        super().__init__()
        self.trial_id = trial_id


class RefreshDue(Message):
    """A screen held back a data refresh (to redraw at most once a second) and wants it now;
    the app applies it when the output budget allows."""


class ControlRequested(Message):
    """The user confirmed a control request: stop, pause or resume a trial, or stop the sweep."""

    def __init__(self, action: ControlAction, trial_id: str | None) -> None:
        super().__init__()
        self.action = action
        self.trial_id = trial_id
        """The trial it names; None for STOP_ALL."""


class ControlFailed(Message):
    """A control request could not be written to the store (the driver never saw it)."""

    def __init__(self, action: ControlAction, trial_id: str | None, error: str) -> None:
        super().__init__()
        self.action = action
        self.trial_id = trial_id
        self.error = error
        """What went wrong, in one line."""
