"""`TrialTable`: one line per trial, drawn with Textual's Line API.

Each row's `Strip` is built once and cached until the trial changes; a data update repaints only
the visible lines whose trial changed or moved, so a sweep where 1 trial in 10 reports costs a
tenth of a full repaint on the wire. A data update may be given a byte allowance: lines past it stay
stale (oldest first next time), so that no data frame is big enough to hold up a key. Column widths
grow with the rows on screen, so an update costs O(visible rows). Adjacent cells of the same
style are merged into one segment (Textual would otherwise send a full style sequence per cell).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Region
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tuneterm.domain.resources import ResourceSample
from tuneterm.domain.status import TrialStatus
from tuneterm.domain.sweep.rows import TrialRow
from tuneterm.ui.widgets.columns import (
    Column,
    NaturalWidths,
    Objective,
    first_showing,
    layout,
    tuned_names,
)
from tuneterm.ui.widgets.table_height import TableHeight
from tuneterm.ui.widgets.trial_line import CurveValues, LinePainter, wire_bytes


class TrialTable(ScrollView, can_focus=True, inherit_bindings=False):
    """Trials of a sweep, one per line, in the order the app gives; the cursor follows a trial.

    It has no key bindings of its own (the screen's move the cursor and scroll the columns): a
    scroll view's arrow keys would scroll past the cursor. Columns that do not fit scroll
    sideways (`scroll_columns`), the trial id and state staying put.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "trial-table--header",
        "trial-table--cursor",
        "trial-table--best",
        "trial-table--running",
        "trial-table--pending",
        "trial-table--completed",
        "trial-table--stopped",
        "trial-table--error",
        "trial-table--curve",
        "trial-table--action",
    }

    def __init__(
        self,
        curve_values: CurveValues,
        clock: Callable[[], float],
        *,
        metrics: Sequence[Objective] = (),
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self._metrics = tuple(metrics)
        """The sweep's metrics with their modes, the first driving the search: a column each."""
        self._painter = LinePainter(curve_values, clock, self._style)
        self._clock = clock
        self._rows: dict[str, TrialRow] = {}
        self._order: list[str] = []
        self._index: dict[str, int] = {}
        self._strips: dict[str, Strip] = {}
        self._header: Strip | None = None
        self._styles: dict[str, Style] = {}
        self._tuned: list[str] = []
        self._natural = NaturalWidths([], self._metrics)
        self._layout_width = -1
        self.first_column = 0
        """The first column shown right of the state (an index among those that scroll)."""
        self.cursor_trial_id: str | None = None
        """The trial under the cursor; it keeps the cursor when rows reorder."""
        self.sort_key = "trial_id"
        self.descending = False
        self.rows_painted = 0
        """Row strips built since mount (a cache miss each): what a data update cost."""
        self.row_bytes = 0
        """About what one row costs on the wire (from the rows built so far)."""
        self.data_bytes = 0
        """Estimated bytes of the stale lines repainted so far (what the output budget counts)."""
        self._stale: dict[int, None] = {}
        """Indices of visible lines that show old data, oldest first."""
        self._height = TableHeight(self, lambda: len(self._order) + 1)
        self.empty_text = ""
        """The first line while the filters hide every trial."""

    # -- data in --------------------------------------------------------------------------------

    def update_rows(
        self,
        rows: Mapping[str, TrialRow],
        order: Sequence[str],
        best_trial_id: str | None,
        tuned: Sequence[str] = (),
        max_bytes: int | None = None,
    ) -> None:
        """Take changed rows, the new order and the hyperparameters to show (empty: the first
        trial's config keys); repaint the visible lines that changed, as many as `max_bytes`
        allows (None: all)."""
        self._rows.update(rows)
        self._tuned = list(tuned)
        dirty = set(rows)
        painter = self._painter
        if best_trial_id != painter.best_trial_id:
            dirty |= {painter.best_trial_id, best_trial_id} - {None}  # type: ignore[arg-type]
            painter.best_trial_id = best_trial_id
        for trial_id in dirty:
            self._strips.pop(trial_id, None)
        old_order = self._order
        self._set_order(order)
        if self._grow_columns():
            self._stale.clear()
            self.refresh()
            return
        self._mark_stale(dirty, old_order)
        self.paint_stale(max_bytes)

    @property
    def has_stale_lines(self) -> bool:
        """Whether visible lines still show older data than the table holds."""
        return bool(self._stale)

    def paint_stale(self, max_bytes: int | None = None) -> None:
        """Repaint stale visible lines, oldest first, as many as `max_bytes` allows (at least
        one; None: all)."""
        top, body = round(self.scroll_offset.y), self._body_height()
        visible = [index for index in self._stale if top <= index < top + body]
        if len(visible) != len(self._stale):
            self._stale = dict.fromkeys(visible)
        row_bytes = self.row_bytes or 2 * max(1, self._layout_width)
        count = len(visible) if max_bytes is None else max(1, max_bytes // row_bytes)
        width = self.scrollable_content_region.width
        for index in visible[:count]:
            del self._stale[index]
            self.refresh(Region(0, index - top + 1, width, 1))
        self.data_bytes += min(count, len(visible)) * row_bytes

    def _mark_stale(self, dirty: set[str], old_order: Sequence[str]) -> None:
        top, body = round(self.scroll_offset.y), self._body_height()
        order, stale = self._order, self._stale
        for index in range(top, min(top + body, max(len(order), len(old_order)))):
            if (
                index >= len(order)
                or index >= len(old_order)
                or old_order[index] != order[index]
                or order[index] in dirty
            ):
                stale.setdefault(index)

    def show_sort(self, sort_key: str, descending: bool) -> None:
        """Mark the sort column (▲ or ▼) in the title line; the order comes with `update_rows`."""
        self.sort_key, self.descending = sort_key, descending
        self._header = None
        self.refresh(Region(0, 0, self.scrollable_content_region.width, 1))
        for _ in self._painter.layout.columns:  # widths differ: a step may not reach it yet
            first = first_showing(self._painter.layout, sort_key)
            if first == self.first_column:
                break
            self._show_from(first)

    def _set_order(self, order: Sequence[str]) -> None:
        old_index = self.cursor_index or 0
        if order != self._order:  # unchanged is the common case: skip rebuilding the index
            self._order = list(order)
            self._index = {trial_id: index for index, trial_id in enumerate(self._order)}
        if self.cursor_trial_id not in self._index:
            # The cursor's trial was filtered out: stay at the same height in the list.
            self.cursor_trial_id = (
                self._order[min(old_index, len(self._order) - 1)] if self._order else None
            )
        self._height.sync(force=False)

    def _visible_rows(self) -> list[TrialRow]:
        """The rows on screen (before the first layout: as many as the screen has lines)."""
        top = round(self.scroll_offset.y)
        body = self._body_height() if self.size.height else self.app.size.height
        return [self._rows[tid] for tid in self._order[top : top + body] if tid in self._rows]

    def _grow_columns(self) -> bool:
        """Relayout if a column must widen for a row on screen, or the hyperparameters shown
        changed."""
        names = tuned_names(self._tuned, self._rows)
        if names != self._natural.params:
            self._natural = NaturalWidths(names, self._metrics, self._natural.resources)
            self._grow()
            self._relayout()
            return True
        if self._grow():
            self._relayout()
            return True
        return False

    def _grow(self) -> bool:
        """Widen the columns for the rows on screen, running times measured to now."""
        return self._natural.grow(self._visible_rows(), self._clock())

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self._grow():
            self._relayout()
            self.refresh()

    def _relayout(self) -> None:
        self._layout_width = self.scrollable_content_region.width
        laid_out = layout(self._natural, self._layout_width, self.first_column)
        self._painter.layout = laid_out
        self.first_column = laid_out.first
        self._strips.clear()
        self._header = None

    # -- columns --------------------------------------------------------------------------------

    def scroll_columns(self, step: int) -> None:
        """Show the columns `step` columns further right (negative: left), as far as any are
        hidden that way."""
        self._show_from(max(0, self.first_column + step))

    def _show_from(self, first: int) -> None:
        if first == self.first_column or not self._painter.layout.scrolls:
            return
        self.first_column = first
        self._relayout()
        self._stale.clear()
        self.refresh()

    def show_resources(self, keys: Sequence[str], latest: Mapping[str, ResourceSample]) -> None:
        """Show these resource columns (none: hide them) with each trial's latest sample (rows
        whose sample changed are repainted as changed rows, by `update_rows`)."""
        self._painter.resources = latest
        if tuple(keys) != self._natural.resources:
            self._natural = NaturalWidths(self._natural.params, self._metrics, keys)
            self._grow()
            self._relayout()
            self._stale.clear()
            self.refresh()

    @property
    def resource_columns(self) -> tuple[str, ...]:
        return self._natural.resources

    def running_trial_ids(self) -> list[str]:
        return [tid for tid, row in self._rows.items() if row.status is TrialStatus.RUNNING]

    @property
    def hidden_columns(self) -> tuple[int, int]:
        """How many columns are out of view to the left and to the right."""
        return self._painter.layout.hidden_left, self._painter.layout.hidden_right

    def column_legend(self) -> list[tuple[str, str]]:
        """(short title, what it shows) for every column: the help screen lists them."""
        return self._natural.legend()

    # -- reading back (tests, the app) ----------------------------------------------------------

    def unknown_trial_ids(self, trial_ids: Iterable[str]) -> set[str]:
        """Those of `trial_ids` the table has no row for yet."""
        return {trial_id for trial_id in trial_ids if trial_id not in self._rows}

    @property
    def ordered_trial_ids(self) -> tuple[str, ...]:
        return tuple(self._order)

    @property
    def columns(self) -> tuple[Column, ...]:
        """Every column, those scrolled out of view too."""
        return self._painter.layout.columns

    @property
    def shown_columns(self) -> tuple[Column, ...]:
        """The columns drawn."""
        return self._painter.layout.shown

    @property
    def cursor_index(self) -> int | None:
        return self._index.get(self.cursor_trial_id) if self.cursor_trial_id else None

    def row_text(self, trial_id: str) -> str:
        """The trial's line as drawn (without the cursor highlight)."""
        return self._row_strip(trial_id).text

    def cell_text(self, trial_id: str, column_key: str) -> str:
        """The cell as drawn, stripped (a column out of view: as it would be drawn)."""
        column = next(c for c in self._painter.layout.columns if c.key == column_key)
        return self._painter.cell(self._rows[trial_id], column)[0].strip()

    # -- cursor ---------------------------------------------------------------------------------

    def move_cursor(self, delta: int) -> None:
        index = self.cursor_index
        self.cursor_to(0 if index is None else index + delta)

    def cursor_to(self, index: int) -> None:
        if not self._order:
            return
        index = max(0, min(index, len(self._order) - 1))
        old = self.cursor_index
        self.cursor_trial_id = self._order[index]
        for changed in {old, index} - {None}:
            self._refresh_index(changed)  # type: ignore[arg-type]
        self._scroll_to_index(index)

    def page(self, direction: int) -> None:
        self.move_cursor(direction * max(1, self._body_height() - 1))

    def _scroll_to_index(self, index: int) -> None:
        top = round(self.scroll_offset.y)
        body = self._body_height()
        if index < top:
            self.scroll_to(y=index, animate=False)
        elif index >= top + body:
            self._height.sync()  # the scroll range may lag behind the rows
            self.scroll_to(y=index - body + 1, animate=False)

    def _body_height(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def on_click(self, event: events.Click) -> None:
        if event.y >= 1:
            self.cursor_to(round(self.scroll_offset.y) + event.y - 1)

    # -- painting -------------------------------------------------------------------------------

    def _refresh_index(self, index: int) -> None:
        line = index - round(self.scroll_offset.y) + 1
        if 1 <= line < self.scrollable_content_region.height:
            self.refresh(Region(0, line, self.scrollable_content_region.width, 1))

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._strips.clear()
        self._header = None

    def on_resize(self, event: events.Resize) -> None:
        self._grow()
        self._relayout()
        self._height.sync()

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            base = self.rich_style
            style = (
                base
                if not name
                else base + self.get_component_rich_style(f"trial-table--{name}", partial=True)
            )
            self._styles[name] = style
        return style

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if width != self._layout_width:
            self._relayout()
        if y == 0:
            if self._header is None:
                self._header = self._painter.header(width, self.sort_key, self.descending)
            return self._header
        index = round(self.scroll_offset.y) + y - 1
        self._stale.pop(index, None)
        if index >= len(self._order):
            text = self.empty_text if index == 0 else ""  # every trial filtered out: say so
            return Strip([Segment(text, self._style(""))]).crop_extend(0, width, self._style(""))
        trial_id = self._order[index]
        if trial_id not in self._rows:
            return Strip.blank(width, self._style(""))
        strip = self._row_strip(trial_id)
        if trial_id == self.cursor_trial_id:
            cursor = self._style("cursor")
            strip = Strip(
                [Segment(segment.text, (segment.style or Style()) + cursor) for segment in strip],
                strip.cell_length,
            ).simplify()
        return strip

    def _row_strip(self, trial_id: str) -> Strip:
        strip = self._strips.get(trial_id)
        if strip is None:
            strip = self._painter.row(self._rows[trial_id], self._layout_width)
            self._strips[trial_id] = strip
            self.rows_painted += 1
            built = wire_bytes(strip)
            self.row_bytes = (3 * self.row_bytes + built) // 4 if self.row_bytes else built
        return strip
