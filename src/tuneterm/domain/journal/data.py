"""What one rendering of the journal shows: `JournalData`, gathered from a store by
storage.journal_data.gather, so that rendering is a pure function of it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tuneterm.domain.comparison import ExperimentRow
from tuneterm.domain.config.spec import ExperimentConfig
from tuneterm.domain.figures.manifest import FigureManifest
from tuneterm.domain.hypotheses.evidence import Distribution, Evidence, TrialCurve
from tuneterm.domain.hypotheses.notebook import HypothesisEntry, Note
from tuneterm.domain.importance import Importance
from tuneterm.domain.status import SweepStatus
from tuneterm.domain.summary import SweepSummary
from tuneterm.domain.trial import Trial


class JournalError(Exception):
    """The experiment cannot be journaled (the message is one line naming the file)."""


@dataclass(frozen=True, slots=True)
class JournalData:
    """Everything one rendering of the journal shows."""

    path: Path
    """The experiment directory."""
    now: float
    """When the data was gathered: the journal's "as of" time."""
    meta: Mapping[str, Any]
    """The store's meta (name, metric, mode, started_at, driver_host, cluster_cpus, ...)."""
    status: SweepStatus | str
    """The status a user should see (a dead driver's sweep is crashed)."""
    config: ExperimentConfig
    trials: tuple[Trial, ...]
    """Every trial, in the order they started."""
    curves: tuple[TrialCurve, ...]
    """The sweep's metric per iteration, for trials that reported it."""
    training_times: Mapping[str, float]
    """Trial id -> seconds it trained (Ray's time_total_s at its last result)."""
    notes: tuple[Note, ...]
    """Every note, in time order."""
    hypotheses: tuple[HypothesisEntry, ...]
    """The config's hypotheses, then those added live."""
    evidence: Mapping[str, Evidence]
    """Hypothesis id -> what the sweep shows about it."""
    summary: SweepSummary
    final: Distribution | None
    """Each trial's last reported metric, over the trials that reported one."""
    top: tuple[Trial, ...]
    """Up to three trials with the best metric (at any iteration), best first."""
    comparison: tuple[ExperimentRow, ...] = ()
    """This experiment, then the earlier ones it is compared with (the config's compare_with,
    `tuneterm journal --compare`); empty when it is compared with none."""
    comparison_unread: tuple[str, ...] = ()
    """Why an experiment named for the comparison could not be read, one line each."""
    last_values: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    """Trial id -> its value of each of the config's metrics (`objectives`, in order), from its
    last report that carried them all; empty for a sweep with a single metric."""
    figures: FigureManifest | None = None
    """The last figure drawing (figures/figures.json), its missing files marked not drawn; None
    before the first."""
    figure_dir: str = "figures"
    """The figures' directory relative to where the journal is written, "/"-separated."""
    importance: Importance | None = None
    """Each hyperparameter's share of the metric's variance (tuneterm.analysis.importance);
    None leaves the section out."""

    @property
    def metric(self) -> str:
        return self.config.experiment.metric

    @property
    def mode(self) -> str:
        return self.config.experiment.mode


def top_trials(trials: tuple[Trial, ...], mode: str, count: int = 3) -> tuple[Trial, ...]:
    """The `count` trials with the best metric at any iteration, best first (ties: earliest)."""
    scored = [trial for trial in trials if trial.best_metric is not None]
    sign = -1.0 if mode == "max" else 1.0
    ranked = sorted(scored, key=lambda trial: sign * float(trial.best_metric or 0.0))
    return tuple(ranked[:count])
