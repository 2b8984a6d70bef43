"""The journal's data, gathered from an experiment's store and config at one moment.

`gather` reads everything `render_journal` (domain.journal.render) needs into a `JournalData`
(domain.journal.data), so that rendering is a pure function of it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from tuneterm.domain.config.spec import ConfigError, ExperimentConfig
from tuneterm.domain.events import Event, EventKind
from tuneterm.domain.hypotheses.evidence import TrialCurve, distribution
from tuneterm.domain.hypotheses.evidence import hypothesis_evidence as evidence_for
from tuneterm.domain.journal.data import JournalData, JournalError, top_trials
from tuneterm.domain.ray_result import TIME_TOTAL
from tuneterm.domain.summary import summarize
from tuneterm.domain.trial import Trial
from tuneterm.storage.comparison import journal_comparison
from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.figure_files import shown_manifest
from tuneterm.storage.importance import journal_importance
from tuneterm.storage.liveness import effective_status
from tuneterm.storage.notebook import hypothesis_entries
from tuneterm.storage.recorded_config import read_recorded_config
from tuneterm.storage.result_metrics import LastReports
from tuneterm.storage.store import Store

"""Ray's running total of a trial's training seconds, reported with every result."""

_BATCH = 50_000


def load_experiment_config(expdir: ExperimentDir) -> ExperimentConfig:
    """The config the driver runs (config.json), or JournalError naming the file. Read without
    the checks that depend on the host, so a journal can be written on another machine."""
    path = expdir.config_json
    if not path.is_file():
        raise JournalError(f"{path}: no such file (not a tuneterm experiment?)")
    try:
        return read_recorded_config(path)
    except ConfigError as exc:
        raise JournalError(" ".join(str(exc).split())) from None


class ResultReader:
    """Each trial's metric curve and training time, read from a store a batch of new events at a
    time, so that re-rendering a live journal does not decode every result again."""

    def __init__(self, metric: str) -> None:
        self._metric = metric
        self._seen = [0, 0]
        """The last sequence number read, by the metric's pass and by the training time's."""
        self._values: dict[str, dict[int, float]] = {}
        self._times: dict[str, float] = {}
        self._reports: LastReports | None = None

    def update(self, store: Store) -> set[str]:
        """Read the results recorded since the last update; the kinds of event seen meanwhile."""
        kinds: set[str] = set()
        for event in self._new_events(store, 0, self._metric):
            kinds.add(event.kind)
            value = event.data.get(self._metric)
            if _is_result(event) and isinstance(value, int | float):
                curve = self._values.setdefault(str(event.trial_id), {})
                curve[int(event.iteration or 0)] = float(value)
        for event in self._new_events(store, 1, TIME_TOTAL):
            seconds = event.data.get(TIME_TOTAL)
            if _is_result(event) and isinstance(seconds, int | float):
                self._times[str(event.trial_id)] = float(seconds)
        return kinds

    def _new_events(self, store: Store, read: int, metric: str) -> Iterator[Event]:
        while events := store.tail(self._seen[read], metric, _BATCH):
            self._seen[read] = events[-1].seq
            yield from events

    def curves(self, trials: tuple[Trial, ...]) -> tuple[TrialCurve, ...]:
        """One curve per trial with at least one value, in the trials' order."""
        curves = []
        for trial in trials:
            points = sorted(self._values.get(trial.trial_id, {}).items())
            if points:
                iterations = tuple(iteration for iteration, _ in points)
                values = tuple(value for _, value in points)
                curves.append(TrialCurve(trial.trial_id, trial.config, iterations, values))
        return tuple(curves)

    def training_times(self) -> dict[str, float]:
        return dict(self._times)

    def last_values(self, store: Store, metrics: tuple[str, ...]) -> dict[str, tuple[float, ...]]:
        """Each trial's values of `metrics` at its last report with them all (none for one)."""
        if self._reports is None or self._reports.metrics != metrics:
            self._reports = LastReports(metrics)
        self._reports.update(store)
        return self._reports.values()


def _is_result(event: Event) -> bool:
    return event.kind == EventKind.RESULT and event.trial_id is not None


def gather(
    expdir: ExperimentDir,
    store: Store,
    config: ExperimentConfig,
    now: float,
    reader: ResultReader | None = None,
    compare: Sequence[Path] = (),
    figure_dir: str = "figures",
) -> JournalData:
    """Read the journal's data; pass the same `reader` again to read only what is new. The
    comparison holds the config's compare_with, then the experiments in `compare`. `figure_dir`:
    the figures' directory as linked from where the journal is written."""
    reader = reader if reader is not None else ResultReader(config.experiment.metric)
    reader.update(store)
    meta = store.meta()
    trials = tuple(store.trials())
    curves = reader.curves(trials)
    metric, mode = config.experiment.metric, config.experiment.mode
    entries = tuple(hypothesis_entries(config, store))
    evidence = {
        entry.hypothesis.id: evidence_for(
            entry.hypothesis, config.param(entry.hypothesis.parameter), curves, metric, mode
        )
        for entry in entries
    }
    references: list[str | Path] = [*(config.experiment.compare_with or ()), *compare]
    compared = journal_comparison(expdir.path, store, references, now)
    return JournalData(
        path=expdir.path,
        now=now,
        meta=meta,
        status=effective_status(meta),
        config=config,
        trials=trials,
        curves=curves,
        training_times=reader.training_times(),
        notes=tuple(store.notes()),
        hypotheses=entries,
        evidence=evidence,
        summary=summarize(trials, meta, now),
        final=distribution([curve.values[-1] for curve in curves], mode),
        top=top_trials(trials, mode),
        comparison=compared[0],
        comparison_unread=compared[1],
        last_values=reader.last_values(store, tuple(n for n, _ in config.experiment.objectives)),
        figures=shown_manifest(expdir),
        figure_dir=figure_dir,
        importance=journal_importance(config, trials),
    )
