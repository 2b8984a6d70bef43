"""The main screen: the sweep's header, its trial table and the footer of keys (those that stop,
pause and resume trials are in `trial_control`, the filters in `trial_filter`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType

from tuneterm.domain.sweep.state import SweepState
from tuneterm.ui.keys import DETACH, SHOW_HELP
from tuneterm.ui.messages import TrialDetailRequested
from tuneterm.ui.plot_keys import SHOW_PARALLEL
from tuneterm.ui.screens.resource_keys import TOGGLE_RESOURCES, ResourceColumnKeys
from tuneterm.ui.screens.trial_control import TrialControlKeys
from tuneterm.ui.screens.trial_filter import TrialFilterKeys
from tuneterm.ui.trial_readers import TrialReaders
from tuneterm.ui.widgets.footer import KeyFooter
from tuneterm.ui.widgets.header import SweepFacts, SweepHeader
from tuneterm.ui.widgets.trial_table import TrialTable

_MOVE = Binding.Group("Move", compact=True)
_SORT = Binding.Group("Sort", compact=True)
"""`s` and `S` share one footer entry, "sS Sort", leaving room for `/`."""
READ_ONLY_BINDING_ID = "control-read-only"
NARROW_FOOTER_HIDES = (
    "reverse_sort",
    "pause_trial",
    "resume_trial",
    "stop_sweep",
    "app.show_hypotheses",
    "app.show_journal",
    "app.show_compare",
    "command_palette",
)
"""Footer keys left out below `WIDE_FOOTER` columns, so that 80 fit the rest (`?` lists all)."""
WIDE_FOOTER = 160
PARETO_TIP = "The trade-off between the sweep's metrics: trials no other beats on all of them"


class SweepScreen(TrialControlKeys, TrialFilterKeys, ResourceColumnKeys):
    """The live view of one sweep."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "show_detail",
            "Detail",
            id="show-detail",
            key_display="⏎",
            tooltip="Open the trial under the cursor: config, every metric, traceback",
        ),
        Binding(
            "s",
            "cycle_sort",
            "Sort",
            id="cycle-sort",
            group=_SORT,
            tooltip="Sort by the next column (trial, state, iter, metrics, params, time)",
        ),
        Binding(
            "S",
            "reverse_sort",
            "Reverse",
            id="reverse-sort",
            group=_SORT,
            tooltip="Reverse the sort order",
        ),
        Binding(
            "f",
            "cycle_filter",
            "State",
            id="cycle-filter",
            tooltip="Show only trials in the next state (all, running, completed, ...)",
        ),
        Binding(
            "slash",
            "edit_filter",
            "Where",
            id="edit-filter",
            key_display="/",
            tooltip='Show only trials where an expression holds: lr < 1e-3 and state == "running"',
        ),
        Binding(
            "x",
            "stop_trial",
            "Stop",
            id="stop-trial",
            tooltip="Stop the highlighted trial (asks first); it ends as stopped by the user",
        ),
        Binding(
            "space,P",
            "pause_trial",
            "Pause",
            id="pause-trial",
            tooltip="Pause the highlighted trial (asks first), freeing its resources",
        ),
        Binding(
            "r",
            "resume_trial",
            "Resume",
            id="resume-trial",
            tooltip="Resume the highlighted paused trial",
        ),
        Binding(
            "X",
            "stop_sweep",
            "Stop sweep",
            id="stop-sweep",
            tooltip="Stop the whole sweep and every running trial (asks first)",
        ),
        Binding(
            "p",
            "app.show_plots",
            "Plots",
            id="show-plots",
            tooltip="Metric vs hyperparameter scatter, all learning curves, heat grid of two",
        ),
        SHOW_PARALLEL,
        TOGGLE_RESOURCES,
        Binding(
            "i",
            "app.show_importance",
            "Importance",
            id="show-importance",
            show=False,
            tooltip="Each hyperparameter's share of the metric's variance, as trials finish",
        ),
        Binding("F", "app.show_pareto", "Pareto", id="show-pareto", show=False, tooltip=PARETO_TIP),
        Binding(
            "n",
            "app.write_note",
            "Note",
            id="write-note",
            tooltip="Write a note, stamped with the highlighted trial and its iteration",
        ),
        SHOW_HELP,
        DETACH,
        Binding(
            "h",
            "app.show_hypotheses",
            "Hypotheses",
            id="show-hypotheses",
            tooltip="The hypotheses, their evidence so far; mark verdicts, add one",
        ),
        Binding(
            "J",
            "app.show_journal",
            "Journal",
            id="show-journal",
            tooltip="The experiment's journal, rendered as journal.md will read",
        ),
        Binding(
            "C",
            "app.show_compare",
            "Compare",
            id="show-compare",
            tooltip="This experiment beside the others in its directory",
        ),
        Binding(
            "down,j",
            "cursor_down",
            "Down",
            id="cursor-down",
            group=_MOVE,
            tooltip="Move the cursor down one trial",
        ),
        Binding(
            "up,k",
            "cursor_up",
            "Up",
            id="cursor-up",
            group=_MOVE,
            tooltip="Move the cursor up one trial",
        ),
        Binding(
            "g,home",
            "cursor_top",
            "Top",
            id="cursor-top",
            group=_MOVE,
            tooltip="Move the cursor to the first trial",
        ),
        Binding(
            "G,end",
            "cursor_bottom",
            "Bottom",
            id="cursor-bottom",
            group=_MOVE,
            tooltip="Move the cursor to the last trial",
        ),
        Binding(
            "left,less_than_sign",
            "scroll_columns(-1)",
            "Columns left",
            id="columns-left",
            group=_MOVE,
            tooltip="Show the column left of those shown, when the table is too wide",
        ),
        Binding(
            "right,greater_than_sign",
            "scroll_columns(1)",
            "Columns right",
            id="columns-right",
            group=_MOVE,
            tooltip="Show the column right of those shown (trial and state stay put)",
        ),
        Binding(
            "pagedown",
            "page_down",
            "Page down",
            id="page-down",
            group=_MOVE,
            show=False,
            tooltip="Move the cursor down one screen",
        ),
        Binding(
            "pageup",
            "page_up",
            "Page up",
            id="page-up",
            group=_MOVE,
            show=False,
            tooltip="Move the cursor up one screen",
        ),
        # Comes after the control keys: when they are disabled (read-only), it says why.
        Binding(
            "x,space,P,r,X",
            "explain_read_only",
            "Read-only",
            id=READ_ONLY_BINDING_ID,
            show=False,
            tooltip="Say why a plain Ray Tune directory cannot be controlled",
        ),
    ]

    def __init__(
        self,
        state: SweepState,
        facts: Callable[[str | None, str], SweepFacts],
        clock: Callable[[], float],
        *,
        read_only: bool = False,
        readers: TrialReaders | None = None,
    ) -> None:
        super().__init__()
        self.state = state
        self.readers = readers
        """Where the resource columns' samples come from (None: no resource columns)."""
        self.read_only = read_only
        """No driver reads requests (a plain Ray Tune directory): the control keys are off."""
        self._facts = facts
        self._clock = clock
        self.sort_key = "trial_id"
        self.descending = False
        self._pending_ids: set[str] = set()
        self._pending = False
        self.table = TrialTable(self._curve_values, clock, metrics=state.metrics, id="trials")
        self.header = SweepHeader(facts(None, ""), id="sweep-header")

    def compose(self) -> ComposeResult:
        yield self.header
        yield self.table
        yield KeyFooter(NARROW_FOOTER_HIDES, WIDE_FOOTER)

    def _curve_values(self, trial_id: str, width: int) -> Sequence[float]:
        with self.state.lock:
            return self.state.history(trial_id).downsample(width)

    # -- data -----------------------------------------------------------------------------------

    def note_changes(self, changed_trial_ids: Iterable[str]) -> None:
        """Remember trials to repaint at the next `flush` (the header is always repainted)."""
        self._pending_ids.update(changed_trial_ids)
        self._pending = True

    def flush(self, max_bytes: int | None = None) -> None:
        """Show the sweep state's current rows for the noted trials, the new order and header;
        table lines past `max_bytes` (None: no limit) stay stale for the next flush."""
        if not self._pending:
            self.table.paint_stale(max_bytes)
            return
        changed_ids, self._pending_ids, self._pending = self._pending_ids, set(), False
        with self.state.lock:
            order = self._order_locked()
            wanted = changed_ids | self.table.unknown_trial_ids(order)
            rows = {tid: self.state.row(tid) for tid in wanted}
            best = self.state.best()
            tuned = self.state.tuned
            total = len(self.state)
        self.table.empty_text = self.hidden_text(len(order), total)
        self.table.update_rows(rows, order, best.trial_id if best else None, tuned, max_bytes)
        facts = self._facts(self.state_filter, self.where_text)
        self.header.show(replace(facts, shown=len(order)))

    def _order_locked(self) -> list[str]:
        """The displayed order; the caller holds the state's lock."""
        return self.state.order(
            self.sort_key, self.descending, self.state_filter, now=self._clock(), where=self.where
        )

    # -- actions --------------------------------------------------------------------------------

    def action_cycle_sort(self) -> None:
        keys = [column.key for column in self.table.columns if column.sortable] or ["trial_id"]
        position = keys.index(self.sort_key) + 1 if self.sort_key in keys else 0
        following = keys[position % len(keys)]
        self._sort_by(following, self._metric_descending(following))

    def action_reverse_sort(self) -> None:
        self._sort_by(self.sort_key, not self.descending)

    def _metric_descending(self, sort_key: str) -> bool:
        """Metric columns sort best first."""
        if sort_key.startswith("metric:"):
            return dict(self.state.metrics).get(sort_key.removeprefix("metric:")) == "max"
        return sort_key in ("last", "best") and self.state.mode == "max"

    def _sort_by(self, sort_key: str, descending: bool) -> None:
        self.sort_key, self.descending = sort_key, descending
        self.table.show_sort(sort_key, descending)
        self._reorder()

    def _reorder(self) -> None:
        """Apply a new sort or filter now, with whatever data is pending: a key press is never
        held back by the output budget."""
        self.note_changes(())
        self.flush()
        self.table.refresh()

    def action_cursor_down(self) -> None:
        self.table.move_cursor(1)

    def action_cursor_up(self) -> None:
        self.table.move_cursor(-1)

    def action_cursor_top(self) -> None:
        self.table.cursor_to(0)

    def action_cursor_bottom(self) -> None:
        self.table.cursor_to(len(self.table.ordered_trial_ids) - 1)

    def action_page_down(self) -> None:
        self.table.page(1)

    def action_page_up(self) -> None:
        self.table.page(-1)

    def action_scroll_columns(self, step: int) -> None:
        self.table.scroll_columns(step)

    def note_subject(self) -> tuple[str | None, int | None]:
        """What a note written now is stamped with: the highlighted trial and its iteration."""
        trial_id = self.table.cursor_trial_id
        with self.state.lock:
            if trial_id is None or trial_id not in self.state:
                return None, None
            return trial_id, self.state.row(trial_id).iteration

    def action_show_detail(self) -> None:
        if self.table.cursor_trial_id is not None:
            self.post_message(TrialDetailRequested(self.table.cursor_trial_id))
