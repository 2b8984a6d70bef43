"""`TrialFilterKeys`: the sweep screen's filters, by state (`f`) and by expression (`/`). The plots
opened from the screen show the trials its filters keep (`keeps`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING

from textual.screen import Screen

from tuneterm.domain.sweep.rows import FLAGGED, TrialRow
from tuneterm.domain.sweep.state import SweepState
from tuneterm.domain.text import one_line
from tuneterm.ui.screens.role import LiveScreen
from tuneterm.ui.widgets.header import COUNT_LABELS

if TYPE_CHECKING:
    from tuneterm.domain.filter import TrialFilter
    from tuneterm.ui.modals.filter import FilterChoice
    from tuneterm.ui.trial_readers import TrialReaders

FILTERS: tuple[str | None, ...] = (None, *(key for key, _ in COUNT_LABELS), FLAGGED)
"""`f` cycles through these (None: every trial; FLAGGED: those a health rule flags), skipping
states no trial is in."""


class TrialFilterKeys(Screen[None]):
    """Mixed into the sweep screen, which sets `state` and `_clock` and defines `_reorder`."""

    if TYPE_CHECKING:
        state: SweepState
        readers: TrialReaders | None
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

    def filter_text(self) -> str:
        """Both filters as one expression, "" while there is none: what the views opened from
        here say they show (`state == "running" and (lr < 1e-3)`; flagged: `health != "ok"`)."""
        parts = [] if self.state_filter is None else [f'state == "{self.state_filter}"']
        parts = ['health != "ok"'] if self.state_filter == FLAGGED else parts
        if self.where is not None:
            parts.append(f"({self.where.text})" if parts else self.where.text)
        return " and ".join(parts)

    def hidden_text(self, shown: int, total: int) -> str:
        """What the table says while its filters hide every one of `total` trials ("" else)."""
        if shown or not total:
            return ""
        return f"  no trial matches the filter {one_line(self.filter_text(), 160)}"

    def keeps(self, row: TrialRow) -> bool:
        """Whether the table's filters show `row`: plots opened from here show the same trials.
        Takes no lock: callers may hold the state's."""
        if self.state_filter == FLAGGED:
            if row.health_rule is None:
                return False
        elif self.state_filter is not None and row.category != self.state_filter:
            return False
        return self.where is None or self.where.matches(row, self.state.metric, self._clock())

    def action_cycle_filter(self) -> None:
        with self.state.lock:
            counts = self.state.counts()
            counts[FLAGGED] = sum(row.health_rule is not None for row in self.state.rows())
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
            rows = self.state.rows()
            metrics = [name for name, _ in self.state.metrics]
        others = {name for row in rows for name in row.config} - set(tuned)
        names = [*tuned, *sorted(others), *metrics]
        reported = self._reported_reader(rows)
        self.app.push_screen(FilterModal(self.where_text, names, reported), self._filter_chosen)

    def _reported_reader(self, rows: Sequence[TrialRow]) -> Callable[[], set[str]] | None:
        """What reads the metrics the trials report, on the modal's worker thread: the rows
        carry only the sweep's metrics, so the names of the others come from the results of the
        trial that reported most (read once per `/`, never per result)."""
        readers, longest = self.readers, max(rows, key=lambda row: row.iteration, default=None)
        if readers is None or longest is None or not longest.iteration:
            return None
        return partial(reported_metrics, readers, longest.trial_id)

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


def reported_metrics(readers: TrialReaders, trial_id: str) -> set[str]:
    """The names of the numbers (NaN included) in the trial's results (on a worker thread)."""
    with readers.lock:
        results = readers.source.trial_results(trial_id)
    return {
        name
        for result in results
        for name, value in result.metrics.items()
        if isinstance(value, int | float) and not isinstance(value, bool)
    }
