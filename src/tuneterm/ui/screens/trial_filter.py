"""`TrialFilterKeys`: the sweep screen's filters, by state (`f`) and by expression (`/`). The plots
opened from the screen show the trials its filters keep (`keeps`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.screen import Screen

from tuneterm.domain.sweep.rows import TrialRow
from tuneterm.domain.sweep.state import SweepState
from tuneterm.ui.screens.role import LiveScreen
from tuneterm.ui.widgets.header import COUNT_LABELS

if TYPE_CHECKING:
    from tuneterm.domain.filter import TrialFilter
    from tuneterm.ui.modals.filter import FilterChoice

FILTERS: tuple[str | None, ...] = (None, *(key for key, _ in COUNT_LABELS))
"""`f` cycles through these (None: every trial), skipping states no trial is in."""


class TrialFilterKeys(Screen[None]):
    """Mixed into the sweep screen, which sets `state` and `_clock` and defines `_reorder`."""

    if TYPE_CHECKING:
        state: SweepState
        _clock: Callable[[], float]

        def _reorder(self) -> None: ...

    state_filter: str | None = None
    """The category `f` picked; None: every state."""
    where: TrialFilter | None = None
    """The filter expression (`/`), on top of the state filter."""

    @property
    def where_text(self) -> str:
        """The filter expression as typed; "" while there is none."""
        return self.where.text if self.where else ""

    def keeps(self, row: TrialRow) -> bool:
        """Whether the table's filters show `row`: plots opened from here show the same trials.
        Takes no lock: callers may hold the state's."""
        if self.state_filter is not None and row.category != self.state_filter:
            return False
        return self.where is None or self.where.matches(row, self.state.metric, self._clock())

    def action_cycle_filter(self) -> None:
        with self.state.lock:
            counts = self.state.counts()
        start = FILTERS.index(self.state_filter)
        for step in range(1, len(FILTERS) + 1):
            candidate = FILTERS[(start + step) % len(FILTERS)]
            if candidate is None or counts.get(candidate, 0):
                break
        self.state_filter = candidate
        self._reorder()

    def action_edit_filter(self) -> None:
        # Imported when first asked for, so that the first frame does not wait for the parser.
        from tuneterm.ui.modals.filter import FilterModal

        with self.state.lock:
            tuned = self.state.tuned
            others = {name for row in self.state.rows() for name in row.config} - set(tuned)
            metrics = [name for name, _ in self.state.metrics]
        names = [*tuned, *sorted(others), *metrics]
        self.app.push_screen(FilterModal(self.where_text, names), self._filter_chosen)

    def _filter_chosen(self, choice: FilterChoice | None) -> None:
        if choice is None or choice.where == self.where:
            return
        self.where = choice.where
        self._reorder()
        # Chosen from the palette over another view (the plots): it follows too.
        for screen in self.app.screen_stack:
            if screen is not self and isinstance(screen, LiveScreen):
                screen.note_changes(())
                screen.flush()
