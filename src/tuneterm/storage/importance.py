"""The journal's hyperparameter importance: computed from the store's trials and the config's
search space with `tuneterm.analysis.importance` (scikit-learn), imported on the first render
that has enough finished trials, never with this module."""

from __future__ import annotations

from collections.abc import Sequence

from tuneterm.domain.config.spec import ExperimentConfig
from tuneterm.domain.importance import MIN_TRIALS, Importance, finished_samples, too_few
from tuneterm.domain.text import one_line
from tuneterm.domain.trial import Trial


def journal_importance(config: ExperimentConfig, trials: Sequence[Trial]) -> Importance:
    """Each tuned hyperparameter's share of the first metric's variance; a failure is said in
    the result's reason, so that the journal is written all the same."""
    metric = config.experiment.metric
    finished = len(finished_samples(trials))
    if finished < MIN_TRIALS:
        return too_few(metric, finished)
    try:
        from tuneterm.analysis.importance import importance

        return importance(trials, config.search_space, metric)
    except Exception as exc:
        reason = one_line(f"not computed: {type(exc).__name__}: {exc}", 300)
        return Importance(metric, (), finished, None, reason)
