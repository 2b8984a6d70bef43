"""What a trial uses while it runs: CPU, resident memory and, where a GPU is visible, its GPU.

A sampler inside each trial's worker process measures the process and its children about every
`SAMPLE_INTERVAL_S` seconds; the driver records every sample in the store as a time series.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

SAMPLE_INTERVAL_S = 2.0
"""How often a running trial's resource use is sampled."""


@dataclass(frozen=True, slots=True)
class ResourceSample:
    """One measurement of a trial's worker process and its children."""

    time: float
    """Wall-clock time (Unix seconds) of the measurement, on the trial's node."""
    cpu_percent: float
    """CPU use since the previous sample, in percent of one core (above 100 on several)."""
    rss_bytes: int
    """Resident memory of the process and its children."""
    gpu_memory_bytes: int | None = None
    """GPU memory the processes hold on the trial's GPUs; None when no GPU is visible to it."""
    gpu_util_percent: float | None = None
    """Mean utilisation of the trial's GPUs (the whole devices); None when no GPU is visible."""


@dataclass(frozen=True, slots=True)
class TrialSample:
    """A sample with the trial it belongs to (what the store holds, one row each)."""

    trial_id: str
    sample: ResourceSample


def latest_by_trial(samples: Iterable[TrialSample]) -> dict[str, ResourceSample]:
    """Each trial's newest sample (by time; a later one in `samples` wins a tie)."""
    latest: dict[str, ResourceSample] = {}
    for item in samples:
        known = latest.get(item.trial_id)
        if known is None or item.sample.time >= known.time:
            latest[item.trial_id] = item.sample
    return latest


def format_bytes(count: int | None) -> str:
    """A memory size in binary units, 3 significant digits below 100 ("512 MiB", "1.25 GiB");
    "-" for None."""
    if count is None:
        return "-"
    units = ("B", "KiB", "MiB", "GiB", "TiB")
    size, unit = float(count), 0
    while size >= 1024 and unit < len(units) - 1:
        size, unit = size / 1024, unit + 1
    if unit == 0 or size >= 100:
        return f"{size:.0f} {units[unit]}"
    return f"{size:.3g} {units[unit]}"


def format_percent(value: float | None) -> str:
    """A percentage, whole: "37%"; "-" for None."""
    return "-" if value is None else f"{value:.0f}%"
