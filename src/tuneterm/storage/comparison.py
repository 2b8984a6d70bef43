"""One experiment's row in a comparison (domain.comparison), read from its store; the rows of a
journal's comparison with earlier experiments."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from tuneterm.domain.comparison import ExperimentRow
from tuneterm.domain.summary import summarize
from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.experiment_lookup import ExperimentNotFound, find_experiment
from tuneterm.storage.liveness import effective_status
from tuneterm.storage.store import Store, StoreError


def experiment_row(path: Path, now: float) -> ExperimentRow:
    """Read one experiment directory; StoreError (one line naming the path) if it is not one."""
    expdir = ExperimentDir(path)
    if not expdir.store.is_file():
        raise StoreError(f"{path}: not a tuneterm experiment directory")
    with Store.open(expdir.store) as store:
        return store_row(path, store, now)


def store_row(path: Path, store: Store, now: float) -> ExperimentRow:
    """The row of the experiment at `path`, from its store already open."""
    meta, trials = store.meta(), store.trials()
    summary = summarize(trials, meta, now)
    best = summary.best
    tuned = meta.get("tuned")
    keys = tuple(tuned) if isinstance(tuned, list) and tuned else None
    config = {} if best is None else best.config
    return ExperimentRow(
        path=path,
        name=str(meta.get("name", path.name)),
        status=effective_status(meta),
        metric=summary.metric,
        mode=summary.mode,
        best=best.best_metric if best is not None else None,
        trials=summary.total,
        stopped_early=summary.scheduler_stopped,
        elapsed=summary.elapsed,
        best_config={key: config[key] for key in (keys or tuple(config)) if key in config},
        stopped_by_rule=summary.rule_stopped,
    )


def journal_comparison(
    path: Path, store: Store, references: Sequence[str | Path], now: float
) -> tuple[tuple[ExperimentRow, ...], tuple[str, ...]]:
    """This experiment's row then each referenced experiment's (names looked up beside it,
    repeats dropped), and why any could not be read; nothing at all when none is referenced."""
    if not references:
        return (), ()
    this = store_row(path, store, now)
    rows = [dataclasses.replace(this, name=f"{this.name} (this experiment)")]
    unread, seen = [], {path.resolve()}
    for reference in references:
        try:
            directory = find_experiment(str(reference), path.parent)
            if directory.resolve() not in seen:
                seen.add(directory.resolve())
                rows.append(experiment_row(directory, now))
        except (ExperimentNotFound, StoreError, OSError) as exc:
            unread.append(" ".join(str(exc).split()))
    return tuple(rows), tuple(unread)
