"""`PlotScreen`: the final metric against a hyperparameter, and every trial's learning curve."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar, TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Static

from tuneterm.domain.status import EndReason, TrialStatus
from tuneterm.domain.sweep.rows import TrialRow
from tuneterm.domain.sweep.state import SweepState
from tuneterm.domain.text import printable
from tuneterm.ui.format import compact_value
from tuneterm.ui.pacing import Pacer
from tuneterm.ui.widgets.chart import MARKERS, PALETTE, Chart, Figure, Series

MOST_CURVES = 100
"""Learning curves drawn at most (the best ones): drawing is Python work per point."""
MOST_POINTS = 400
MOST_GROUPS = len(MARKERS)
LOG_SPAN = 100.0
"""A parameter whose largest value is this many times its smallest is drawn on a log axis."""
REDRAW_INTERVAL = 1.0

CURVE_STYLES: dict[str, tuple[str, str]] = {
    TrialStatus.RUNNING: ("running", "cyan"),
    EndReason.COMPLETED: ("completed", "green"),
    EndReason.SCHEDULER: ("stopped by scheduler", "yellow"),
    EndReason.USER: ("stopped by user", "blue"),
    EndReason.ERROR: ("error", "red"),
    EndReason.INTERRUPTED: ("interrupted", "red"),
}
"""A learning curve's legend label and colour, by the trial's category."""
BEST_STYLE = "bold bright_white"


@dataclass(frozen=True, slots=True)
class PlotData:
    """A copy of what the plots need, taken under the sweep state's lock."""

    metric: str
    rows: Sequence[TrialRow]
    curves: dict[str, tuple[list[float], list[float]]]
    """trial id -> (iterations, metric values), thinned to `MOST_POINTS`."""
    best_trial_id: str | None
    tuned: Sequence[str]


def plot_data(state: SweepState) -> PlotData:
    with state.lock:
        rows = state.rows()
        best = state.best()
        sign = -1.0 if state.mode == "max" else 1.0
        ranked = sorted(
            rows, key=lambda r: sign * r.best_metric if r.best_metric is not None else math.inf
        )[:MOST_CURVES]
        curves = {row.trial_id: _thinned(state, row.trial_id) for row in ranked}
        return PlotData(
            state.metric, rows, curves, best.trial_id if best else None, list(state.tuned)
        )


def _thinned(state: SweepState, trial_id: str) -> tuple[list[float], list[float]]:
    history = state.history(trial_id)
    iterations, values = history.iterations(), history.values()
    step = max(1, math.ceil(len(values) / MOST_POINTS))
    return [float(i) for i in iterations[::step]], list(values[::step])


def param_names(data: PlotData) -> list[str]:
    if data.tuned:
        return list(data.tuned)
    return list(data.rows[0].config) if data.rows else []


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def numeric_params(data: PlotData) -> list[str]:
    """Parameters every trial set to a number: candidates for the x axis."""
    return [
        name
        for name in param_names(data)
        if data.rows and all(_is_number(row.config.get(name)) for row in data.rows)
    ]


def categorical_params(data: PlotData) -> list[str]:
    """Parameters with few distinct values: candidates for colour and marker; flags and names
    (batch_norm, optimizer) before numbers."""
    names = []
    for name in param_names(data):
        values = {repr(row.config.get(name)) for row in data.rows}
        if 1 < len(values) <= MOST_GROUPS:
            names.append(name)
    return sorted(names, key=lambda n: _all_numbers(data, n))


def _all_numbers(data: PlotData, name: str) -> bool:
    return all(_is_number(row.config.get(name)) for row in data.rows)


def wants_log(values: Iterable[float]) -> bool:
    finite = [v for v in values if v > 0]
    return bool(finite) and min(finite) > 0 and max(finite) / min(finite) > LOG_SPAN


def scatter_figure(data: PlotData, x_param: str, group_param: str | None) -> Figure:
    points = [
        (row.config[x_param], row.last_metric, row.config.get(group_param) if group_param else None)
        for row in data.rows
        if row.last_metric is not None and _is_number(row.config.get(x_param))
    ]
    groups = sorted(
        {repr(group): group for _, _, group in points}.items(),
        key=lambda item: _value_order(item[1]),
    )
    series = []
    for index, (key, group) in enumerate(groups):
        members = [(x, y) for x, y, g in points if repr(g) == key]
        label = f"{printable(group_param)}={compact_value(group)}" if group_param else "trials"
        series.append(
            Series(
                label,
                [float(x) for x, _ in members],
                [y for _, y in members],
                style=PALETTE[index % len(PALETTE)],
                marker=MARKERS[index % len(MARKERS)],
            )
        )
    return Figure(
        series,
        x_label=x_param,
        log_x=wants_log(float(x) for x, _, _ in points),
        empty_text="no trial has reported the metric yet",
    )


def _value_order(value: object) -> tuple[int, float, str]:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (1, float(value), "")
    return (0 if isinstance(value, bool) else 2, 0.0, repr(value))


def rung_iterations(rows: Iterable[TrialRow]) -> list[int]:
    """Where the scheduler cut: the distinct iterations at which it stopped trials."""
    return sorted(
        {
            row.stop_iteration
            for row in rows
            if row.reason is EndReason.SCHEDULER and row.stop_iteration is not None
        }
    )


def curves_figure(data: PlotData) -> Figure:
    by_id = {row.trial_id: row for row in data.rows}
    series, present = [], {}
    for trial_id, (xs, ys) in data.curves.items():
        if trial_id == data.best_trial_id or not ys:
            continue
        label, style = CURVE_STYLES.get(by_id[trial_id].category, ("pending", "white"))
        present[label] = style
        series.append(Series(label, xs, ys, style=style))
    legend = [(f"━ {label}", style) for label, style in present.items()]
    if data.best_trial_id is not None and data.curves.get(data.best_trial_id, ([], []))[1]:
        xs, ys = data.curves[data.best_trial_id]
        series.append(Series("best", xs, ys, style=BEST_STYLE))
        legend.append((f"━ ★ best {printable(data.best_trial_id)}", BEST_STYLE))
    rungs = rung_iterations(data.rows)
    return Figure(
        series,
        x_label="iteration",
        x_marks=[float(r) for r in rungs],
        legend=legend,
        x_marks_label=("rungs " + ", ".join(map(str, rungs))) if rungs else "",
        empty_text="no learning curve yet",
    )


class PlotScreen(Screen[None]):
    """Two views of the whole sweep, switched with `v`."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape", "app.pop_screen", "Back", id="plots-back", tooltip="Back to the trial table"
        ),
        Binding(
            "v",
            "toggle_view",
            "Curves/scatter",
            id="toggle-plot-view",
            tooltip="Switch between the metric-vs-parameter scatter and the learning curves",
        ),
        Binding(
            "x",
            "cycle_x",
            "X param",
            id="cycle-x-param",
            tooltip="Plot the final metric against the next numeric hyperparameter",
        ),
        Binding(
            "c",
            "cycle_group",
            "Colour by",
            id="cycle-group-param",
            tooltip="Mark and colour the points by the next categorical hyperparameter",
        ),
    ]

    def __init__(self, state: SweepState) -> None:
        super().__init__()
        self.state = state
        self.data = plot_data(state)
        self.view = "scatter"
        """"scatter" (final metric vs a hyperparameter) or "curves" (learning curves)."""
        numeric, categorical = numeric_params(self.data), categorical_params(self.data)
        self.x_param: str | None = numeric[0] if numeric else None
        self.group_param: str | None = next((n for n in categorical if n != self.x_param), None)
        self._pacer = Pacer(REDRAW_INTERVAL)

    def compose(self) -> ComposeResult:
        yield Static(id="plot-title")
        yield Chart(id="plot-chart")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._draw()

    def _draw(self) -> None:
        self._pacer.loaded()
        self.query_one("#plot-title", Static).update(self._title())
        chart = self.query_one("#plot-chart", Chart)
        if self.view == "curves":
            chart.show(curves_figure(self.data))
        elif self.x_param is None:
            chart.show(Figure([], empty_text="no numeric hyperparameter to plot against"))
        else:
            chart.show(scatter_figure(self.data, self.x_param, self.group_param))

    def _title(self) -> Text:
        metric = printable(self.data.metric)
        if self.view == "curves":
            shown = len(self.data.curves)
            text = Text(f" {metric} learning curves", style="bold")
            if shown < len(self.data.rows):
                text.append(f" (the best {shown} of {len(self.data.rows)})")
            text.append("   v: scatter", style="dim")
            return text
        text = Text(f" final {metric} vs {printable(self.x_param or '-')}", style="bold")
        if self.group_param:
            text.append(f", by {printable(self.group_param)}", style="bold")
        text.append("   x: parameter  c: colour by  v: curves", style="dim")
        return text

    def action_toggle_view(self) -> None:
        self.view = "curves" if self.view == "scatter" else "scatter"
        self._draw()

    def action_cycle_x(self) -> None:
        self.x_param = _following(numeric_params(self.data), self.x_param)
        self._draw()

    def action_cycle_group(self) -> None:
        choices: list[str | None] = [None, *categorical_params(self.data)]
        self.group_param = _following(choices, self.group_param)
        self._draw()

    # -- live -----------------------------------------------------------------------------------

    def note_changes(self, changed_trial_ids: Iterable[str]) -> None:
        self._pacer.pending = True

    def flush(self) -> None:
        """Redraw from a fresh copy of the sweep, at most once per `REDRAW_INTERVAL`."""
        if not self._pacer.due(self):
            return
        self.data = plot_data(self.state)
        if self.x_param is None:
            self.x_param = next(iter(numeric_params(self.data)), None)
        self._draw()

    def on_screen_resume(self) -> None:
        # Back from the help screen: catch up at once (a key press is never held back).
        self.flush()


T = TypeVar("T")


def _following(choices: Sequence[T], current: T) -> T:
    if not choices:
        return current
    if current not in choices:
        return choices[0]
    return choices[(choices.index(current) + 1) % len(choices)]
