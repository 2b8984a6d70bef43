"""The driver's end of the trial agents (trial_agent.py): a relay actor per sweep, drained by a
callback into the trial output files and the store's resource samples.

Agents on any node push to the relay actor, which runs on the driver's node with no CPU and holds
what they sent until the driver's `OutputRelay` callback drains it (about every 100 ms, from
`on_step_end`, one `drain` in flight at a time: it never waits on the actor). Output goes to
`logs/<trial_id>/` under the experiment directory (storage.output_writer), samples to the store
(storage.samples). Nothing here may stop the sweep: errors are logged once and swallowed.
"""

from __future__ import annotations

import hashlib
import logging
import time
from pathlib import Path
from typing import Any

import ray
from ray.tune import Callback

from tuneterm.domain.resources import ResourceSample, TrialSample
from tuneterm.runner.trial_agent import RELAY_NAMESPACE
from tuneterm.runner.trial_capture import Chunk
from tuneterm.runner.trial_sampler import Sample
from tuneterm.storage.output_writer import OutputWriter
from tuneterm.storage.samples import record_samples
from tuneterm.storage.store import Store

DRAIN_INTERVAL_S = 0.1
DRAIN_WAIT_S = 0.02
"""How long a step waits for the drain it started (a local actor answers in a millisecond or
two); a drain not back by then is taken at a later step."""
FINAL_DRAIN_TIMEOUT_S = 3.0
MAX_HELD_BYTES = 64 << 20
"""Output the relay holds for a driver that does not drain it; beyond, output is dropped."""

log = logging.getLogger("tuneterm.relay")

Item = tuple[str, str, Any]
"""What the relay hands the driver: ("output", trial id, chunk) or ("sample", trial id, sample)."""


def relay_name(experiment_dir: Path) -> str:
    """The relay actor's name for an experiment: its directory's name and a hash of its path."""
    digest = hashlib.sha1(str(experiment_dir.resolve()).encode()).hexdigest()[:8]
    return f"tuneterm-relay-{experiment_dir.name}-{digest}"


class Relay:
    """Holds what the trial agents push until the driver drains it (runs as a Ray actor)."""

    def __init__(self) -> None:
        self._items: list[Item] = []
        self._held = 0
        self._dropped: dict[tuple[str, str], int] = {}

    def push(self, trial_id: str, chunks: list[Chunk], samples: list[Sample]) -> None:
        for chunk in chunks:
            data = chunk[1]
            if self._held + len(data) > MAX_HELD_BYTES:
                key = (trial_id, chunk[0])
                self._dropped[key] = self._dropped.get(key, 0) + data.count(b"\n")
                continue
            self._held += len(data)
            self._items.append(("output", trial_id, chunk))
        self._items.extend(("sample", trial_id, sample) for sample in samples)

    def drain(self) -> list[Item]:
        items, self._items, self._held = self._items, [], 0
        for (trial_id, stream), count in self._dropped.items():
            marker = f"\n[tuneterm: {count} lines dropped: the driver fell behind]\n".encode()
            items.append(("output", trial_id, (stream, marker, time.time())))
        self._dropped = {}
        return items


def start_relay(name: str) -> Any:
    """The relay actor `name`, started on this (the driver's) node if it is not running."""
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    here = NodeAffinitySchedulingStrategy(ray.get_runtime_context().get_node_id(), soft=False)
    actor = ray.remote(Relay).options(
        name=name,
        namespace=RELAY_NAMESPACE,
        num_cpus=0,
        max_concurrency=1,
        scheduling_strategy=here,
        get_if_exists=True,
    )
    return actor.remote()


class OutputRelay(Callback):
    """Drains the relay actor into the trial output files and the store (see the module)."""

    def __init__(self, experiment_dir: Path, store_path: Path, name: str) -> None:
        self._experiment_dir = Path(experiment_dir)
        self._store_path = Path(store_path)
        self._name = name
        self._reset()

    def _reset(self) -> None:
        self._actor: Any = None
        self._in_flight: Any = None
        self._last_drain = 0.0
        self._writer: OutputWriter | None = None
        self._store: Store | None = None
        self._failed: set[str] = set()

    def __getstate__(self) -> dict[str, Any]:
        # Tune pickles callbacks into its experiment state: no actor, file or connection.
        return {"_experiment_dir": self._experiment_dir, "_store_path": self._store_path,
                "_name": self._name}  # fmt: skip

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._reset()

    def setup(self, *args: Any, **info: Any) -> None:
        self._guarded("start", self._start)

    def on_step_end(self, iteration: int, trials: list[Any], **info: Any) -> None:
        self._guarded("drain", self._poll)

    def on_trial_complete(self, iteration: int, trials: list[Any], trial: Any, **info: Any) -> None:
        self._guarded("drain", self._poll)

    def on_trial_error(self, iteration: int, trials: list[Any], trial: Any, **info: Any) -> None:
        self._guarded("drain", self._poll)

    def on_experiment_end(self, trials: list[Any], **info: Any) -> None:
        self._guarded("final drain", self._final_drain)
        self._guarded("close", self._close)

    def _start(self) -> None:
        self._actor = start_relay(self._name)
        self._writer = OutputWriter(self._experiment_dir)
        self._store = Store.open(self._store_path)

    def _poll(self) -> None:
        """Start a drain when one is due; take a drain's items once it is back."""
        if self._actor is None:
            return
        now = time.monotonic()
        if self._in_flight is None and now - self._last_drain >= DRAIN_INTERVAL_S:
            self._last_drain = now
            self._in_flight = self._actor.drain.remote()
            self._take(DRAIN_WAIT_S)
        elif self._in_flight is not None:
            self._take(0)

    def _take(self, wait_s: float) -> None:
        ready, _ = ray.wait([self._in_flight], timeout=wait_s)
        if ready:
            reference, self._in_flight = self._in_flight, None
            self._write(ray.get(reference))

    def _final_drain(self) -> None:
        """Everything the relay still holds, waiting for it a moment (the sweep has ended)."""
        if self._actor is None:
            return
        if self._in_flight is not None:
            self._write(ray.get(self._in_flight, timeout=FINAL_DRAIN_TIMEOUT_S))
            self._in_flight = None
        self._write(ray.get(self._actor.drain.remote(), timeout=FINAL_DRAIN_TIMEOUT_S))

    def _write(self, items: list[Item]) -> None:
        samples = []
        for kind, trial_id, payload in items:
            if kind == "output" and self._writer is not None:
                stream, data, at = payload
                self._writer.write(trial_id, stream, data, at)
            elif kind == "sample":
                samples.append(TrialSample(trial_id, ResourceSample(*payload)))
        if samples and self._store is not None:
            record_samples(self._store, samples)

    def _close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        if self._store is not None:
            self._store.close()
        if self._actor is not None:
            ray.kill(self._actor)
        self._reset()

    def _guarded(self, what: str, action: Any) -> None:
        try:
            action()
        except Exception:
            if what not in self._failed:
                self._failed.add(what)
                log.exception("tuneterm: trial output relay: %s failed (once logged)", what)
            if what == "drain":
                self._in_flight = None
