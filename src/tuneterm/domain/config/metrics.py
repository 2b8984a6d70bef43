"""The metrics a built-in trainable is asked for: each must be one it reports, weighed in the mode
in which it improves (a typo would leave the metric, and the Pareto front, empty forever)."""

from __future__ import annotations

from tuneterm.domain.config.space import require, show
from tuneterm.domain.config.spec import ExperimentSpec, TrainableCatalog
from tuneterm.domain.text import printable


def check_builtin_metrics(spec: ExperimentSpec, trainable: str, catalog: TrainableCatalog) -> None:
    """`experiment.metric` and every one of `experiment.metrics`, against what `trainable`
    reports."""
    _check(spec.metric, spec.mode, trainable, catalog, ("experiment.metric", "experiment.mode"))
    for name, mode in spec.objectives[1:]:
        key = f"experiment.metrics.{name}"
        _check(name, mode, trainable, catalog, (key, key))


def _check(
    name: str, mode: str, trainable: str, catalog: TrainableCatalog, keys: tuple[str, str]
) -> None:
    name_key, mode_key = keys
    reported = ", ".join(catalog.metrics)
    message = f"metric {show(name)} is never reported by trainable {show(trainable)}"
    require(name in catalog.metrics, name_key, f"{message} (it reports {reported})")
    best = "min" if name in catalog.lower_is_better else "max"
    better = "lower" if best == "min" else "higher"
    shown = printable(name, escape_layout=True)
    use = f'"{best}"' if name_key == mode_key else f'mode = "{best}"'
    message = f"{shown} is better when {better}: use {use}"
    require(mode == best, mode_key, message)
