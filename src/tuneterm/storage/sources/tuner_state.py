"""Ray Tune's `tuner.pkl`: the metric, its mode and the scheduler a plain Ray Tune sweep ran with.

The file is a (cloud)pickle of Ray's own objects. It is read without Ray and without running
anything it names: every class or function it refers to is replaced by an inert stand-in that
only keeps the state the pickle gives it, so a hostile or foreign file yields, at worst, nothing.
"""

from __future__ import annotations

import io
import pickle
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TUNER_FILE = "tuner.pkl"
LARGEST = 16 << 20
"""Bytes of tuner.pkl read at most: the file holds configs, not data."""

_HALVING = ("AsyncHyperBand", "ASHA", "HyperBand")
"""Scheduler class names that stop trials below their `max_t` (successive halving)."""


@dataclass(frozen=True)
class TunerFacts:
    """What a saved tuner says of the sweep; None where it does not say."""

    metric: str | None = None
    mode: str | None = None
    scheduler: str | None = None
    """"asha" (any successive-halving scheduler), "median", "fifo", or another class's name."""
    max_t: int | None = None
    """The iteration a trial that was not stopped early reaches: ASHA's `max_t`, else the run's
    `stop = {"training_iteration": N}`."""

    @property
    def stops_early(self) -> bool:
        return self.scheduler in ("asha", "median")


class _Inert:
    """Stands for any class or function a pickle names; keeps only the state it is given."""

    qualified = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Called with whatever a reduce gives; nothing is kept."""

    @property
    def state(self) -> dict[str, Any]:
        # Unpickling may create an instance without calling __init__.
        state: dict[str, Any] = self.__dict__.setdefault("_given", {})
        return state

    def __setstate__(self, state: Any) -> None:
        parts = state if isinstance(state, tuple) else (state,)
        for part in parts:
            if isinstance(part, dict):
                self.state.update(part)

    def __call__(self, *args: Any, **kwargs: Any) -> _Inert:
        return _Inert()

    def __setitem__(self, key: Any, value: Any) -> None:
        self.state[str(key)] = value

    def append(self, item: Any) -> None:
        """A list the pickle fills: its items are not needed."""

    def extend(self, items: Any) -> None:
        """A list the pickle fills: its items are not needed."""


class _InertUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> type[_Inert]:
        return type(name, (_Inert,), {"qualified": f"{module}.{name}"})


def read_tuner_facts(directory: Path) -> TunerFacts | None:
    """The facts in `directory/tuner.pkl`; None when it is missing, too large or unreadable."""
    path = directory / TUNER_FILE
    try:
        if path.stat().st_size > LARGEST:
            return None
        loaded = _InertUnpickler(io.BytesIO(path.read_bytes())).load()
    except Exception:  # a foreign pickle may fail in any way; it only ever costs the facts
        return None
    return tuner_facts(loaded)


def tuner_facts(loaded: Any) -> TunerFacts | None:
    """The facts in an unpickled (inert) tuner state."""
    tuner = loaded if isinstance(loaded, dict) else _state(loaded)
    tune_config = _state(tuner.get("_tune_config"))
    if not tune_config:
        return None
    run_config = _state(tuner.get("_run_config"))
    scheduler = tune_config.get("scheduler")
    scheduler_state = _state(scheduler)
    kind = _scheduler_kind(scheduler)
    max_t = scheduler_state.get("_max_t") if kind == "asha" else None
    stop = run_config.get("stop")
    if max_t is None and isinstance(stop, dict):
        max_t = stop.get("training_iteration")
    metric = tune_config.get("metric") or scheduler_state.get("_metric")
    mode = tune_config.get("mode") or scheduler_state.get("_mode")
    return TunerFacts(
        metric=metric if isinstance(metric, str) and metric else None,
        mode=mode if mode in ("max", "min") else None,
        scheduler=kind,
        max_t=max_t if isinstance(max_t, int) and not isinstance(max_t, bool) else None,
    )


def _state(value: Any) -> Mapping[str, Any]:
    if isinstance(value, _Inert):
        return value.state
    return value if isinstance(value, dict) else {}


def _scheduler_kind(scheduler: Any) -> str | None:
    if not isinstance(scheduler, _Inert):
        return None
    name = type(scheduler).qualified.rsplit(".", 1)[-1]
    if any(part in name for part in _HALVING):
        return "asha"
    if "Median" in name:
        return "median"
    if "FIFO" in name:
        return "fifo"
    return name
