"""`ResourcePanel`: what a trial uses, in its detail screen: CPU, resident memory, GPU memory and
GPU utilisation, each as its latest value and a sparkline of its history ("-" where the trial has
no GPU). Read from the source every `REFRESH_INTERVAL` seconds on a worker thread, only the
samples newer than those held; hidden while the trial has none."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.message import Message
from textual.widget import Widget

from tuneterm.domain.resources import (
    SAMPLE_INTERVAL_S,
    ResourceSample,
    format_bytes,
    format_percent,
)
from tuneterm.ui.format import fit, sparkline

REFRESH_INTERVAL = SAMPLE_INTERVAL_S
HISTORY = 1_800
"""Samples held: an hour at one every 2 s."""
WIDE = 140
"""From this width on, the four measures share one line."""
LABEL_WIDTH = 9
VALUE_WIDTH = 8
SampleLoader = Callable[[str, float | None], Sequence[ResourceSample]]
"""(trial id, time of the newest sample held or None) -> newer samples; called on a worker."""


@dataclass
class ResourceSamplesRead(Message):
    samples: Sequence[ResourceSample]


@dataclass(frozen=True)
class Measure:
    """One thing the panel shows."""

    label: str
    value: Callable[[ResourceSample], float | None]
    text: Callable[[float | None], str]


def _rss(sample: ResourceSample) -> float:
    return float(sample.rss_bytes)


def _gpu_memory(sample: ResourceSample) -> float | None:
    memory = sample.gpu_memory_bytes
    return None if memory is None else float(memory)


def _byte_text(value: float | None) -> str:
    return format_bytes(None if value is None else int(value))


MEASURES = (
    Measure("cpu", lambda sample: sample.cpu_percent, format_percent),
    Measure("rss", _rss, _byte_text),
    Measure("gpu mem", _gpu_memory, _byte_text),
    Measure("gpu util", lambda sample: sample.gpu_util_percent, format_percent),
)


def downsampled(values: Sequence[float], width: int) -> list[float]:
    """`values` as at most `width` bucket means, oldest first."""
    if len(values) <= width:
        return list(values)
    size = len(values) / width
    buckets = [
        values[int(n * size) : max(int(n * size) + 1, int((n + 1) * size))] for n in range(width)
    ]
    return [sum(bucket) / len(bucket) for bucket in buckets]


def measure_cell(measure: Measure, samples: Sequence[ResourceSample], width: int) -> Text:
    """One measure in `width` cells: its label, its latest value, a sparkline of its history."""
    latest = measure.value(samples[-1])
    text = Text(fit(measure.label, LABEL_WIDTH), style="bold")
    text.append(fit(measure.text(latest), VALUE_WIDTH, right=True))
    room = width - LABEL_WIDTH - VALUE_WIDTH - 1
    history = [value for sample in samples if (value := measure.value(sample)) is not None]
    if latest is not None and room > 0 and len(history) > 1:
        text.append(" ")
        text.append(sparkline(downsampled(history, room)), style="cyan")
    return text


def panel_text(samples: Sequence[ResourceSample], width: int) -> Text:
    """The four measures, two to a line (four from `WIDE` cells on)."""
    per_line = 4 if width >= WIDE else 2
    gap = 3
    cell = max(LABEL_WIDTH + VALUE_WIDTH, (width - gap * (per_line - 1)) // per_line)
    text = Text(no_wrap=True, overflow="crop")
    for index, measure in enumerate(MEASURES):
        if index:
            text.append("\n" if index % per_line == 0 else " " * gap)
        shown = measure_cell(measure, samples, cell)
        shown.pad_right(cell - cell_len(shown.plain))
        text.append_text(shown)
    return text


class ResourcePanel(Widget):
    """One trial's resource use, refreshed about every 2 s while the screen is open."""

    DEFAULT_CSS = """
    ResourcePanel {
        height: auto;
    }
    """

    def __init__(self, trial_id: str, load: SampleLoader | None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.trial_id = trial_id
        self._load = load
        self.samples: deque[ResourceSample] = deque(maxlen=HISTORY)
        """The samples held, oldest first."""

    def on_mount(self) -> None:
        self.display = False
        self.border_title = "resources"
        if self._load is not None:
            self._read(self._load, None)
            self.set_interval(REFRESH_INTERVAL, self._read_newer)

    def _read_newer(self) -> None:
        if self._load is not None:
            self._read(self._load, self.samples[-1].time if self.samples else None)

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="trial-resources",
        description="Read the trial's resource use",
    )
    def _read(self, load: SampleLoader, since: float | None) -> None:
        samples = load(self.trial_id, since)
        if samples:
            self.post_message(ResourceSamplesRead(samples))

    @on(ResourceSamplesRead)
    def _samples_read(self, message: ResourceSamplesRead) -> None:
        newest = self.samples[-1].time if self.samples else None
        self.samples.extend(s for s in message.samples if newest is None or s.time > newest)
        self.display = bool(self.samples)
        self.refresh(layout=True)

    def render(self) -> Text:
        if not self.samples:
            return Text()
        return panel_text(self.samples, self.content_region.width or self.size.width)
