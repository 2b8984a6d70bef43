"""The trial table's columns: what each shows, and how wide it is at a given terminal width.

Every column is as wide as its title and its widest value (a number's value width is its
3-significant-digit form, so a number is never cut); the state column is at least as wide as
the pending labels ("stopping…"). When the terminal is too narrow for them all, in turn:
hyperparameter and metric titles shorten to their abbreviations (`column_titles`), the curve
shrinks, the trial id is cut in its middle. Then the trial id is whole again (up to
`SCROLLED_TRIAL` cells) and stays put with the state, while the columns right of them scroll
sideways (`first` is the first of those shown); the title line says how many are out of view
("‹3 more›").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rich.cells import cell_len

from tuneterm.domain.control import ControlAction
from tuneterm.domain.sweep.rows import PENDING_LABELS, TrialRow
from tuneterm.domain.text import duration, printable
from tuneterm.ui.format import compact_value, is_number, metric_text, number_text
from tuneterm.ui.widgets.column_titles import abbreviations
from tuneterm.ui.widgets.resource_columns import LEGEND, RESOURCE_KEYS, SHORT_TITLES, TITLES, WIDTHS

MIN_CURVE = 8
SHORT_CURVE = 5
"""As wide as the curve's title."""
MAX_CURVE = 40
MIN_TRIAL = 8
SCROLLED_TRIAL = 16
"""The trial id's width, at most, while columns scroll (it is not cut to `MIN_TRIAL` then)."""
RUNTIME_FLOOR = 7
"""The time column holds H:MM:SS from the start, so that a trial's first hour shifts nothing; it
widens for 10 hours and more (99:59:59, then days: "4d04h")."""
MAX_TEXT = 16
"""Cells a text hyperparameter value may widen its column to (longer ones are cut with …)."""
SEPARATOR = 1
DRIVES_MARK = "*"
"""After the first metric's title when a sweep has several: it drives the scheduler and search."""
FIXED_TITLES = {
    "trial_id": "trial",
    "state": "state",
    "iteration": "iter",
    "best": "best",
    "curve": "curve",
    "runtime": "time",
}
STATE_FLOOR = max(
    cell_len(PENDING_LABELS[action])
    for action in (ControlAction.STOP, ControlAction.PAUSE, ControlAction.RESUME)
)
"""The state column is never narrower than a row's pending label: pressing x widens nothing."""
PINNED = ("mark", "trial_id", "state")
"""Columns that stay at the left while the others scroll sideways."""
Objective = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the trial table."""

    key: str
    """The sort key it stands for (`SweepState.order`), or "mark" / "curve" (not sortable)."""
    title: str
    """As laid out: the full title, or its abbreviation on a narrow terminal."""
    width: int
    right: bool = False

    @property
    def sortable(self) -> bool:
        return self.key not in ("mark", "curve", *RESOURCE_KEYS)


@dataclass(frozen=True, slots=True)
class Layout:
    """The columns at one terminal width: all of them, and those drawn."""

    columns: tuple[Column, ...]
    """Every column, in order, as wide as laid out (the sort cycles through these)."""
    shown: tuple[Column, ...]
    """The columns drawn, in order: the pinned ones, then the scrolled window."""
    hidden_left: int = 0
    """Columns scrolled out of view to the left of the window."""
    hidden_right: int = 0
    first: int = 0
    """The first scrolling column in the window (an index among the unpinned ones)."""

    @property
    def marker(self) -> str:
        """What the title line ends with while columns are out of view: "‹2 more›"."""
        return marker_text(self.hidden_left, self.hidden_right)

    @property
    def scrolls(self) -> bool:
        return len(self.shown) < len(self.columns)


def marker_text(left: int, right: int) -> str:
    if not left and not right:
        return ""
    return f"{'‹' if left else ' '}{left + right} more{'›' if right else ' '}"


def param_key(name: str) -> str:
    return f"param:{name}"


def metric_key(name: str) -> str:
    return f"metric:{name}"


def state_text(row: TrialRow) -> str:
    """The state cell: the row's state, or the action waiting for the driver ("stopping…")."""
    if row.pending_action:
        return printable(row.pending_action)
    return printable(row.state)


def param_text(row: TrialRow, name: str, width: int | None = None) -> str:
    """A hyperparameter's cell: a number with as many digits as `width` holds (None: 3)."""
    if name not in row.config:
        return "-"
    value = row.config[name]
    if is_number(value):
        return number_text(value, width, 3 if width is None else 4)
    return compact_value(value)


def value_text(value: float | None, width: int) -> str:
    """A metric's cell."""
    return "-" if value is None else number_text(value, width, 4)


class NaturalWidths:
    """The widest value seen so far in each column; only grows, so the layout stays put."""

    def __init__(
        self,
        params: Sequence[str],
        metrics: Sequence[Objective] = (),
        resources: Sequence[str] = (),
    ) -> None:
        self.params = list(params)
        self.resources = tuple(resources)
        """The resource columns shown (`resource_columns`), after the metrics."""
        self.metrics = [name for name, _ in metrics]
        """Every metric of the sweep; the first is the "last" and "best" columns'."""
        self.others = self.metrics[1:]
        # Metrics before hyperparameters: on a narrow terminal they are what shows unscrolled.
        primary = self.metrics[0] if self.metrics else ""
        self.keys = [
            "trial_id",
            "state",
            "iteration",
            "last",
            "best",
            *(metric_key(name) for name in self.others),
            *self.resources,
            *(param_key(name) for name in self.params),
            "runtime",
        ]
        self.titles: dict[str, str] = dict(FIXED_TITLES)
        self.shorts: dict[str, str] = dict(FIXED_TITLES)
        self._name_titles(primary)
        self.values: dict[str, int] = dict.fromkeys(self.keys, 1)
        self.values["state"] = STATE_FLOOR
        self.values["runtime"] = RUNTIME_FLOOR
        self._longest_runtime = 0.0
        """The longest running time measured so far (seconds), which the column holds."""
        for key in self.resources:
            self.titles[key], self.shorts[key] = TITLES[key], SHORT_TITLES[key]
            self.values[key] = WIDTHS[key]
        self._measured: dict[str, object] = {}
        """Trial id -> the config whose id and hyperparameters were measured (they never
        change: a later update measures only the state and metrics)."""

    def _name_titles(self, primary: str) -> None:
        named = [(param_key(name), name) for name in self.params]
        named += [("last", primary)] + [(metric_key(name), name) for name in self.others]
        short = abbreviations([name for _, name in named if name], FIXED_TITLES.values())
        mark = DRIVES_MARK if len(self.metrics) > 1 else ""
        for key, name in named:
            if not name:
                self.titles[key] = self.shorts[key] = "last"
                continue
            self.titles[key] = printable(name) + (mark if key == "last" else "")
            self.shorts[key] = short[name] + (mark if key == "last" else "")

    def grow(self, rows: Iterable[TrialRow], now: float | None = None) -> bool:
        """Widen for `rows` (their running times measured to `now`, when given); True if the
        layout may change: a value got wider than its column's shorter title."""
        widened: list[str] = []
        measured, values = self._measured, self.values
        longest = self._longest_runtime
        for row in rows:
            runtime = None if now is None else row.runtime(now)
            if runtime is not None and runtime > longest:
                longest = runtime
            if measured.get(row.trial_id) is not row.config:
                measured[row.trial_id] = row.config
                widened += self._grow_fixed(row)
            _widen(values, "state", cell_len(state_text(row)), widened)
            _widen(values, "iteration", len(str(row.iteration)), widened)
            _widen(values, "last", len(metric_text(row.last_metric)), widened)
            _widen(values, "best", len(metric_text(row.best_metric)), widened)
            for name, value in row.others.items():
                key = metric_key(name)
                if key in values:
                    _widen(values, key, len(metric_text(value)), widened)
        if longest > self._longest_runtime:
            self._longest_runtime = longest
            _widen(values, "runtime", cell_len(duration(longest, clock=True)), widened)
        return any(values[key] > self._title_floor(key) for key in widened)

    def _grow_fixed(self, row: TrialRow) -> list[str]:
        """Widen for what never changes in a row: its id and hyperparameters."""
        widened: list[str] = []
        _widen(self.values, "trial_id", cell_len(printable(row.trial_id)), widened)
        for name in self.params:
            width = min(MAX_TEXT, cell_len(param_text(row, name)))
            _widen(self.values, param_key(name), width, widened)
        return widened

    def _title_floor(self, key: str) -> int:
        return min(cell_len(self.titles[key]), cell_len(self.shorts[key]))

    def natural(self, key: str, short: bool = False) -> int:
        """Wide enough for the (short) title and every value."""
        titles = self.shorts if short else self.titles
        return max(self.values[key], cell_len(titles[key]))

    def legend(self) -> list[tuple[str, str]]:
        """(short title, what the column shows, full names spelt out) for every column."""
        primary = printable(self.metrics[0]) if self.metrics else "the metric"
        shows = {
            "trial_id": "trial id; ★ marks the best trial, ⚠ one a health rule flags (NaN,"
            " diverged, stalled: the detail says why)",
            "state": "running, completed, stopped@N (by the scheduler at iteration N), user, "
            "rule:nan (stopped by a health rule), error, …, or a request the driver has not"
            " answered (stopping…)",
            "iteration": "the highest iteration reported",
            "last": f"{primary}: last value",
            "best": f"{primary}: best value so far",
            "curve": f"{primary} by iteration",
            "runtime": "running time",
        }
        if len(self.metrics) > 1:
            shows["last"] += f" ({DRIVES_MARK}: drives the scheduler and the search)"
        for name in self.params:
            shows[param_key(name)] = f"{printable(name)}: hyperparameter"
        for name in self.others:
            shows[metric_key(name)] = f"{printable(name)}: last value"
        shows.update({key: LEGEND[key] for key in self.resources})
        keys = (*self.keys[:-1], "curve", "runtime")
        return [(self.shorts[key], shows[key]) for key in keys]


def _widen(widths: dict[str, int], key: str, width: int, widened: list[str]) -> None:
    if width > widths[key]:
        widths[key] = width
        widened.append(key)


def layout(natural: NaturalWidths, total_width: int, first: int = 0) -> Layout:
    """The columns at `total_width`: all of them if they fit, in turn with short titles, a short
    curve and a cut trial id; else the unpinned ones scroll, `first` the first shown."""
    steps = ((False, MIN_CURVE, None), (True, MIN_CURVE, None), (True, SHORT_CURVE, None))
    for short, curve, trial in (*steps, (True, SHORT_CURVE, MIN_TRIAL)):
        widths = _widths(natural, short, trial)
        spare = total_width - _line_width(widths.values()) - SEPARATOR - curve
        if spare >= 0:
            widths["curve"] = curve + min(spare, MAX_CURVE - curve)
            columns = _columns(natural, widths, short)
            return Layout(columns, columns)
    widths = _widths(natural, True, SCROLLED_TRIAL)
    widths["curve"] = SHORT_CURVE
    return _scrolled(_columns(natural, widths, True), total_width, first)


def _widths(natural: NaturalWidths, short: bool, trial: int | None) -> dict[str, int]:
    widths = {"mark": 1} | {key: natural.natural(key, short) for key in natural.keys}
    if trial is not None:
        widths["trial_id"] = min(widths["trial_id"], trial)
    return widths


def _line_width(widths: Iterable[int]) -> int:
    """Cells of columns this wide side by side, a separator between each two."""
    sizes = list(widths)
    return sum(sizes) + SEPARATOR * max(0, len(sizes) - 1)


def _columns(natural: NaturalWidths, widths: Mapping[str, int], short: bool) -> tuple[Column, ...]:
    titles = natural.shorts if short else natural.titles
    keys = ["mark", *natural.keys[:-1], "curve", "runtime"]
    return tuple(
        Column(
            key,
            "" if key == "mark" else titles.get(key, FIXED_TITLES.get(key, "")),
            widths[key],
            right=key not in ("mark", "trial_id", "state", "curve"),
        )
        for key in keys
    )


def _scrolled(columns: tuple[Column, ...], total_width: int, first: int) -> Layout:
    """The pinned columns, then as many of the others from `first` on as fit beside them and
    the marker; `first` no further right than it takes to show the last column."""
    pinned = [column for column in columns if column.key in PINNED]
    scrolling = [column for column in columns if column.key not in PINNED]
    marker = len(marker_text(0, len(scrolling)))
    room = total_width - _line_width(c.width for c in pinned) - SEPARATOR - marker
    first = max(0, min(first, _last_first(scrolling, room)))
    window: list[Column] = []
    used = 0
    for column in scrolling[first:]:
        if window and used + SEPARATOR + column.width > room:
            break
        window.append(column)
        used += SEPARATOR + column.width
    window = _widen_curve(window, room - used)
    right = len(scrolling) - first - len(window)
    return Layout(columns, (*pinned, *window), first, right, first)


def first_showing(laid_out: Layout, key: str) -> int:
    """The `first` that scrolls the fewest columns for column `key` to be shown."""
    scrolling = [column.key for column in laid_out.columns if column.key not in PINNED]
    if not laid_out.scrolls or key not in scrolling:
        return laid_out.first
    index = scrolling.index(key)
    if index < laid_out.first:
        return index
    shown = len(laid_out.shown) - len(PINNED)
    if index < laid_out.first + shown:
        return laid_out.first
    return laid_out.first + index - (laid_out.first + shown) + 1


def _last_first(scrolling: Sequence[Column], room: int) -> int:
    """The first column to show so that the window ends with the last column."""
    used, index = 0, len(scrolling)
    while index > 0 and used + SEPARATOR + scrolling[index - 1].width <= room:
        index -= 1
        used += SEPARATOR + scrolling[index].width
    return min(index, len(scrolling) - 1)


def _widen_curve(window: list[Column], spare: int) -> list[Column]:
    """The curve, where shown, takes the room the window leaves (up to `MAX_CURVE`)."""
    return [
        Column(c.key, c.title, min(MAX_CURVE, c.width + spare), c.right)
        if c.key == "curve" and spare > 0
        else c
        for c in window
    ]


def tuned_names(tuned: Sequence[str], rows: Mapping[str, TrialRow]) -> list[str]:
    """The hyperparameters to show: the sweep's tuned names, else the first trial's config keys."""
    if tuned:
        return list(tuned)
    for row in rows.values():
        return [name for name, value in row.config.items() if not isinstance(value, dict | list)]
    return []
