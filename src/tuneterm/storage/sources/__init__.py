"""Where a dashboard reads a sweep from: a tuneterm experiment's store, or plain Ray Tune files.

`open_source` picks the source for a path; both kinds follow the `EventSource` protocol.
"""

from __future__ import annotations

from pathlib import Path

from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.sources.protocol import EventSource, ReadOnlySourceError, SourceError
from tuneterm.storage.sources.raydir import RayDirSource
from tuneterm.storage.sources.raydir_files import ray_experiments
from tuneterm.storage.sources.store_source import StoreSource
from tuneterm.storage.store import Store, StoreError

__all__ = [
    "EventSource",
    "RayDirSource",
    "ReadOnlySourceError",
    "SourceError",
    "StoreSource",
    "open_source",
]


def open_source(path: Path) -> EventSource:
    """A StoreSource for a tuneterm experiment directory, a RayDirSource for a Ray Tune one (or a
    storage_path holding exactly one); SourceError otherwise.
    """
    path = Path(path).expanduser()
    if path.name == Store.FILENAME and path.is_file():
        path = path.parent
    if not ExperimentDir(path).store.is_file():
        return _ray_source(path)
    try:
        return StoreSource(path)
    except StoreError as exc:
        raise SourceError(str(exc)) from exc


def _ray_source(path: Path) -> RayDirSource:
    """The one Ray Tune experiment at or directly inside `path`; SourceError for none or several."""
    experiments = ray_experiments(path)
    if len(experiments) == 1:
        return RayDirSource(experiments[0])
    if experiments:
        names = ", ".join(experiment.name for experiment in experiments[:5])
        more = ", ..." if len(experiments) > 5 else ""
        raise SourceError(
            f"{path}: holds {len(experiments)} Ray Tune experiments ({names}{more}); open one"
        )
    raise SourceError(f"{path}: neither a tuneterm experiment nor a Ray Tune experiment directory")
