"""The trial table's optional resource columns: a running trial's CPU %, resident memory and (where
any trial has a GPU) GPU memory, from its latest resource sample.

They are off at first below `AUTO_WIDTH` columns and on from there once a trial has a sample;
`u` turns them on or off whatever the width (`ResourceColumnKeys`). A trial that is not running
shows "-": its last sample says what it used, not what it uses.
"""

from __future__ import annotations

from collections.abc import Mapping

from tuneterm.domain.resources import ResourceSample, format_bytes, format_percent
from tuneterm.domain.status import TrialStatus
from tuneterm.domain.sweep.rows import TrialRow

CPU, RSS, GPU = "cpu", "rss", "gpu"
RESOURCE_KEYS = (CPU, RSS, GPU)
TITLES = {CPU: "cpu", RSS: "rss", GPU: "gpu mem"}
SHORT_TITLES = {CPU: "cpu", RSS: "rss", GPU: "gpu"}
WIDTHS = {CPU: 5, RSS: 8, GPU: 8}
"""Wide enough for every value ("1600%", "1.25 GiB", "1023 MiB"): a new sample widens nothing."""
LEGEND = {
    CPU: "CPU use of a running trial's processes, in % of one core (u: on or off)",
    RSS: "resident memory of a running trial's processes",
    GPU: "GPU memory a running trial holds",
}
AUTO_WIDTH = 160
"""From this many columns on, the resource columns show without asking, once there are samples."""


def resource_keys(latest: Mapping[str, ResourceSample], gpu: bool = False) -> tuple[str, ...]:
    """The columns to show for these samples: GPU memory too where one has it (or `gpu`)."""
    if gpu or any(sample.gpu_memory_bytes is not None for sample in latest.values()):
        return RESOURCE_KEYS
    return (CPU, RSS)


def resource_text(row: TrialRow, key: str, latest: Mapping[str, ResourceSample]) -> str:
    """A resource cell: the trial's latest sample while it runs, else "-"."""
    sample = latest.get(row.trial_id) if row.status is TrialStatus.RUNNING else None
    if sample is None:
        return "-"
    if key == CPU:
        return format_percent(sample.cpu_percent)
    if key == RSS:
        return format_bytes(sample.rss_bytes)
    return format_bytes(sample.gpu_memory_bytes)
