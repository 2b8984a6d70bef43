"""The trial table's columns: what each shows and how wide it is at a given terminal width."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rich.cells import cell_len

from tuneterm.domain.sweep.rows import TrialRow
from tuneterm.domain.text import printable
from tuneterm.ui.format import compact_value, metric_text

MIN_CURVE = 8
SHORT_CURVE = 4
MAX_CURVE = 40
MIN_PARAM = 5
MIN_TRIAL = 8
SEPARATOR = 1


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the trial table."""

    key: str
    """The sort key it stands for (`SweepState.order`), or "mark" / "curve" (not sortable)."""
    title: str
    width: int
    right: bool = False

    @property
    def sortable(self) -> bool:
        return self.key not in ("mark", "curve")


def param_key(name: str) -> str:
    return f"param:{name}"


def state_text(row: TrialRow) -> str:
    """The state cell: the row's state, or the action waiting for the driver ("stopping…")."""
    if row.pending_action:
        return printable(row.pending_action)
    return printable(row.state)


def param_text(row: TrialRow, name: str) -> str:
    return compact_value(row.config[name]) if name in row.config else "-"


class NaturalWidths:
    """The widest value seen so far in each column; only grows, so the layout stays put."""

    def __init__(self, params: Sequence[str]) -> None:
        self.params = list(params)
        self.titles: dict[str, str] = {
            "trial_id": "trial",
            "state": "state",
            "iteration": "iter",
            "last": "last",
            "best": "best",
            "runtime": "time",
        }
        self.titles.update({param_key(name): printable(name) for name in self.params})
        self.values: dict[str, int] = dict.fromkeys(self.titles, 1)
        self.values["runtime"] = 7  # H:MM:SS, so that a long trial does not shift the layout

    def grow(self, rows: Iterable[TrialRow]) -> bool:
        """Widen for `rows`; True if the layout may change: a column got wider than its title,
        or a hyperparameter's values did (narrow layouts cut its title to them)."""
        before = {key: self.natural(key) for key in self.values}
        params_before = [self.values[param_key(name)] for name in self.params]
        values = self.values
        for row in rows:
            _widen(values, "trial_id", cell_len(printable(row.trial_id)))
            _widen(values, "state", cell_len(state_text(row)))
            _widen(values, "iteration", len(str(row.iteration)))
            _widen(values, "last", len(metric_text(row.last_metric)))
            _widen(values, "best", len(metric_text(row.best_metric)))
            for name in self.params:
                _widen(values, param_key(name), cell_len(param_text(row, name)))
        if params_before != [values[param_key(name)] for name in self.params]:
            return True
        return any(self.natural(key) != width for key, width in before.items())

    def natural(self, key: str) -> int:
        """Wide enough for the title and every value."""
        return max(self.values[key], cell_len(self.titles[key]))


def _widen(widths: dict[str, int], key: str, width: int) -> None:
    if width > widths[key]:
        widths[key] = width


def layout(natural: NaturalWidths, total_width: int) -> list[Column]:
    """Columns that fit `total_width`, the curve taking what is left. When too little is left,
    narrow in turn: hyperparameter titles to their values' width, the curve to its minimum,
    hyperparameter values, then the trial id (text cut with …)."""
    params = [param_key(name) for name in natural.params]
    fixed_keys = ["trial_id", "state", "iteration", *params, "last", "best", "runtime"]
    widths = {key: natural.natural(key) for key in fixed_keys}
    separators = SEPARATOR * (len(fixed_keys) + 1)  # plus the best-trial mark and the curve
    deficit = 1 + sum(widths.values()) + separators + MIN_CURVE - total_width
    floors = [(key, max(MIN_PARAM, natural.values[key])) for key in params]
    floors += [(key, MIN_PARAM) for key in params] + [("trial_id", MIN_TRIAL)]
    curve_floor = MIN_CURVE
    for index, (key, floor) in enumerate(floors):
        if deficit <= 0:
            break
        if index == len(params):  # titles are cut: now give up curve cells before values
            curve_cut = min(deficit, MIN_CURVE - SHORT_CURVE)
            curve_floor -= curve_cut
            deficit -= curve_cut
        cut = min(deficit, max(0, widths[key] - floor))
        widths[key] -= cut
        deficit -= cut
    used = 1 + sum(widths.values()) + separators
    curve = max(0, min(MAX_CURVE, total_width - used))
    return _columns(natural, widths, curve)


def _columns(natural: NaturalWidths, widths: dict[str, int], curve: int) -> list[Column]:
    columns = [
        Column("mark", "", 1),
        Column("trial_id", "trial", widths["trial_id"]),
        Column("state", "state", widths["state"]),
        Column("iteration", "iter", widths["iteration"], right=True),
    ]
    columns += [
        Column(param_key(name), printable(name), widths[param_key(name)], right=True)
        for name in natural.params
    ]
    columns += [
        Column("last", "last", widths["last"], right=True),
        Column("best", "best", widths["best"], right=True),
        Column("curve", "curve", curve),
        Column("runtime", "time", widths["runtime"], right=True),
    ]
    return [column for column in columns if column.width > 0]


def tuned_names(tuned: Sequence[str], rows: Mapping[str, TrialRow]) -> list[str]:
    """The hyperparameters to show: the sweep's tuned names, else the first trial's config keys."""
    if tuned:
        return list(tuned)
    for row in rows.values():
        return [name for name, value in row.config.items() if not isinstance(value, dict | list)]
    return []
