"""Trials' resource samples in the store (table `resource_samples`, schema 3): the driver records
them as they arrive; readers get one trial's time series, or each trial's latest sample."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tuneterm.domain.resources import ResourceSample, TrialSample
from tuneterm.storage.store import Store

_COLUMNS = "time, cpu_percent, rss_bytes, gpu_memory_bytes, gpu_util_percent"


def record_samples(store: Store, samples: Iterable[TrialSample]) -> int:
    """Append samples in one transaction; returns how many."""
    rows = [
        (
            item.trial_id,
            item.sample.time,
            item.sample.cpu_percent,
            item.sample.rss_bytes,
            item.sample.gpu_memory_bytes,
            item.sample.gpu_util_percent,
        )
        for item in samples
    ]
    if rows:
        with store.transaction() as conn:
            conn.executemany(
                f"INSERT INTO resource_samples (trial_id, {_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )
    return len(rows)


def resource_samples(
    store: Store, trial_id: str, since: float | None = None
) -> list[ResourceSample]:
    """One trial's samples in time order; with `since`, only those taken after it."""
    rows = store.query(
        f"SELECT {_COLUMNS} FROM resource_samples WHERE trial_id = ? AND time > ?"
        " ORDER BY time, rowid",
        (trial_id, float("-inf") if since is None else since),
    )
    return [_sample(row) for row in rows]


def latest_resource_samples(
    store: Store, trial_ids: Iterable[str] | None = None
) -> dict[str, ResourceSample]:
    """The newest sample of each trial (of `trial_ids`, else of every trial in the store) that
    has one, by trial id: one indexed look-up per trial, however long the series."""
    if trial_ids is None:
        trial_ids = [row[0] for row in store.query("SELECT trial_id FROM trials ORDER BY rowid")]
    latest: dict[str, ResourceSample] = {}
    for trial_id in trial_ids:
        rows = store.query(
            f"SELECT {_COLUMNS} FROM resource_samples WHERE trial_id = ?"
            " ORDER BY time DESC, rowid DESC LIMIT 1",
            (trial_id,),
        )
        if rows:
            latest[trial_id] = _sample(rows[0])
    return latest


def _sample(row: tuple[Any, ...]) -> ResourceSample:
    time, cpu, rss, gpu_memory, gpu_util = row
    return ResourceSample(
        time=float(time),
        cpu_percent=float(cpu),
        rss_bytes=int(rss),
        gpu_memory_bytes=None if gpu_memory is None else int(gpu_memory),
        gpu_util_percent=None if gpu_util is None else float(gpu_util),
    )
