"""`ResourceColumnKeys`: the sweep screen's resource columns (`u`), and the samples they show.

While the columns are wanted (chosen with `u`, or from `AUTO_WIDTH` columns on until `u` says
otherwise), a worker asks the source for the running trials' latest samples every 2 s (one indexed
look-up per running trial), never per frame; the rows whose sample changed are repainted as any
changed row is, paced by the output budget.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import events, on, work
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer

from tuneterm.domain.resources import SAMPLE_INTERVAL_S, ResourceSample
from tuneterm.ui.messages import RefreshDue
from tuneterm.ui.trial_readers import TrialReaders
from tuneterm.ui.widgets.resource_columns import AUTO_WIDTH, resource_keys

if TYPE_CHECKING:
    from tuneterm.ui.widgets.trial_table import TrialTable

TOGGLE_RESOURCES = Binding(
    "u",
    "toggle_resources",
    "Usage",
    id="toggle-resources",
    show=False,  # the wide footer is full; `?` lists it, and from 160 columns the columns show
    tooltip=f"Show or hide the running trials' CPU %, memory and GPU memory (shown from"
    f" {AUTO_WIDTH} columns on)",
)
RUNNING_LIMIT = 1_000
"""Running trials whose samples are read, at most."""


@dataclass
class LatestSamplesRead(Message):
    latest: dict[str, ResourceSample]


class ResourceColumnKeys(Screen[None]):
    """Mixed into the sweep screen, which sets `table` and `readers` and defines
    `note_changes`."""

    if TYPE_CHECKING:
        table: TrialTable
        readers: TrialReaders | None

        def note_changes(self, changed_trial_ids: Iterable[str]) -> None: ...

    resources_chosen: bool | None = None
    """Whether `u` turned the resource columns on or off; None: by the terminal's width."""
    _latest: dict[str, ResourceSample] = {}  # noqa: RUF012 (replaced, never changed in place)
    _gpu_seen = False
    _samples_timer: Timer | None = None

    @property
    def resources_wanted(self) -> bool:
        if self.resources_chosen is not None:
            return self.resources_chosen
        return self.size.width >= AUTO_WIDTH

    def action_toggle_resources(self) -> None:
        self.resources_chosen = not self.table.resource_columns
        self._follow_resources()

    @on(events.Resize)
    def _width_changed(self) -> None:
        self._follow_resources()

    def _follow_resources(self) -> None:
        """Read samples while the columns are wanted, and show them once there is one (at
        once when chosen with `u`)."""
        wanted = self.resources_wanted and self.readers is not None
        if wanted and self._samples_timer is None:
            self._samples_timer = self.set_interval(SAMPLE_INTERVAL_S, self._read_latest)
            self._read_latest()
        elif not wanted and self._samples_timer is not None:
            self._samples_timer.stop()
            self._samples_timer = None
        self._show_resources()

    def _show_resources(self) -> None:
        shown = self.resources_chosen or (self.resources_wanted and bool(self._latest))
        keys = resource_keys(self._latest, self._gpu_seen) if shown else ()
        self.table.show_resources(keys, self._latest)

    def _read_latest(self) -> None:
        running = self.table.running_trial_ids()[:RUNNING_LIMIT]
        if self.readers is not None and (running or self._latest):
            self._fetch_latest(self.readers, running)

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="resource-columns",
        description="Read the running trials' resource use",
    )
    def _fetch_latest(self, readers: TrialReaders, trial_ids: list[str]) -> None:
        latest = readers.latest_samples(trial_ids) if trial_ids else {}
        self.post_message(LatestSamplesRead(latest))

    @on(LatestSamplesRead)
    def _latest_read(self, message: LatestSamplesRead) -> None:
        old, new = self._latest, message.latest
        changed = {tid for tid in old.keys() | new.keys() if old.get(tid) != new.get(tid)}
        self._latest = new
        self._gpu_seen = self._gpu_seen or any(s.gpu_memory_bytes is not None for s in new.values())
        self._show_resources()
        if changed:
            self.note_changes(changed)
            self.post_message(RefreshDue())
