"""The journal's "Pareto front" section: when a sweep weighs several metrics, the trials no other
trial beats on all of them at once (domain.pareto), with each metric and their hyperparameters."""

from __future__ import annotations

from collections.abc import Sequence

from tuneterm.domain.journal.data import JournalData
from tuneterm.domain.journal.markdown import code, table
from tuneterm.domain.pareto import pareto_front
from tuneterm.domain.text import format_config
from tuneterm.domain.trial import Trial

_BETTER = {"max": "higher is better", "min": "lower is better"}


def pareto_section(data: JournalData) -> list[str]:
    """The section's lines; none for a sweep with a single metric."""
    objectives = data.config.experiment.objectives
    if len(objectives) < 2:
        return []
    lines = ["## Pareto front", "", _explanation(objectives), ""]
    trials = [trial for trial in data.trials if trial.trial_id in data.last_values]
    if not trials:
        return [*lines, "No trial has reported every metric yet."]
    modes = [mode for _, mode in objectives]
    points = [(trial.trial_id, data.last_values[trial.trial_id]) for trial in trials]
    front = set(pareto_front(points, modes))
    on_front = _best_first([t for t in trials if t.trial_id in front], data, modes[0])
    lines.append(
        f"{len(on_front)} of the {len(trials)} trials that reported every metric are on the "
        "front (each trial's last report with all of them):"
    )
    return [*lines, "", *_front_table(on_front, data)]


def _explanation(objectives: Sequence[tuple[str, str]]) -> str:
    (first, first_mode), *others = objectives
    described = [f"{code(name)} ({_BETTER.get(mode, mode)})" for name, mode in others]
    weighed = " and ".join(
        [", ".join(described[:-1]), described[-1]] if len(others) > 2 else described
    )
    verb = "is" if len(others) == 1 else "are"
    return (
        f"The sweep weighs {len(objectives)} metrics: {code(first)} "
        f"({_BETTER.get(first_mode, first_mode)}) drives the scheduler and the search; "
        f"{weighed} {verb} weighed beside it. A trial is on the front when no other trial is at "
        "least as good on every metric and better on one."
    )


def _best_first(trials: list[Trial], data: JournalData, mode: str) -> list[Trial]:
    sign = -1.0 if mode == "max" else 1.0
    return sorted(trials, key=lambda trial: sign * data.last_values[trial.trial_id][0])


def _front_table(trials: Sequence[Trial], data: JournalData) -> list[str]:
    names = [name for name, _ in data.config.experiment.objectives]
    keys = data.config.tuned_names or None
    rows = [
        (
            trial.trial_id,
            *data.last_values[trial.trial_id],
            format_config(trial.config, keys),
        )
        for trial in trials
    ]
    return table(("trial", *names, "config"), rows)
