"""One experiment's row in a comparison (domain.comparison), read from its store."""

from __future__ import annotations

from pathlib import Path

from tuneterm.domain.comparison import ExperimentRow
from tuneterm.domain.summary import summarize
from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.liveness import effective_status
from tuneterm.storage.store import Store, StoreError


def experiment_row(path: Path, now: float) -> ExperimentRow:
    """Read one experiment directory; StoreError (one line naming the path) if it is not one."""
    expdir = ExperimentDir(path)
    if not expdir.store.is_file():
        raise StoreError(f"{path}: not a tuneterm experiment directory")
    with Store.open(expdir.store) as store:
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
    )
