"""Inside each trial's worker process: its output and its resource use, sent to the sweep's relay.

`with_agent` wraps a trial's function. While the function runs, the agent
- captures the process's stdout and stderr at the file-descriptor level (fds 1 and 2 become pipes;
  a reader thread per stream passes every byte on to the original fd, so Ray's worker logs still
  get it, and keeps it for the relay), restored when the function returns or raises;
- samples the process and its children every `SAMPLE_INTERVAL_S` (psutil: CPU %, resident memory;
  nvidia-ml-py, where it imports and a GPU is visible: GPU memory and utilisation);
- sends output (every `SEND_INTERVAL_S` while there is some) and samples to the relay actor
  (relay.py) named at wrapping time, which the driver drains.

Output beyond `MAX_LINES_PER_BATCH` lines or `MAX_BYTES_PER_BATCH` bytes per send interval is
dropped, with a line saying how many lines were (Ray's worker log still has them all).

Nothing here may fail a trial: every error is swallowed and reported once on the worker's stderr.
The agent's modules (this one, trial_capture, trial_sampler) import nothing else from tuneterm, so
that they can be shipped by value to nodes where tuneterm is not installed (space.py does).
"""

from __future__ import annotations

import contextlib
import functools
import sys
import threading
import time
import warnings
from collections.abc import Callable
from types import ModuleType
from typing import Any

from tuneterm.runner import trial_capture, trial_sampler
from tuneterm.runner.trial_capture import (
    SEND_INTERVAL_S,
    Chunk,
    FdCapture,
    Outbox,
    flush_python_streams,
    warn_once,
)
from tuneterm.runner.trial_sampler import SAMPLE_INTERVAL_S, ResourceSampler, Sample

RELAY_NAMESPACE = "tuneterm"
"""The Ray namespace of the relay actors (named after their experiment)."""
FINAL_SEND_TIMEOUT_S = 2.0
"""How long a trial's end waits for the relay to take its last output."""
RELAY_LOOKUP_S = 30.0
"""How long the agent keeps looking for the relay actor before it gives up."""


def agent_modules() -> list[ModuleType]:
    """The agent's modules, to be shipped by value with a wrapped trial function."""
    return [sys.modules[__name__], trial_capture, trial_sampler]


def with_agent(function: Callable[..., Any], relay_name: str) -> Callable[..., Any]:
    """`function` run with a trial agent reporting to the relay actor `relay_name`; its name,
    signature and attributes stay the function's (Tune reads them)."""

    @functools.wraps(function)
    def run_with_agent(config: Any, *args: Any, **kwargs: Any) -> Any:
        agent = TrialAgent.start(relay_name)
        try:
            return function(config, *args, **kwargs)
        finally:
            if agent is not None:
                agent.stop()

    return run_with_agent


class TrialAgent:
    """One trial's output capture, sampler and sender (see the module docstring)."""

    def __init__(self, relay_name: str, trial_id: str) -> None:
        self.trial_id = trial_id
        self._relay = _RelayLink(relay_name)
        self._wake = threading.Event()
        self._outbox = Outbox(self._wake.set)
        self._sampler = ResourceSampler.create()
        self._captures: list[FdCapture] = []
        self._stopping = threading.Event()
        self._sender = threading.Thread(target=self._send_loop, name="tuneterm-agent", daemon=True)

    @classmethod
    def start(cls, relay_name: str) -> TrialAgent | None:
        """An agent started for the current trial; None outside a trial or if it cannot start."""
        try:
            from ray import tune

            with warnings.catch_warnings():  # outside a trial, Ray warns and returns None
                warnings.simplefilter("ignore")
                trial_id = tune.get_context().get_trial_id()
            if not trial_id:
                return None
            agent = cls(relay_name, str(trial_id))
            agent._begin()
            return agent
        except Exception as exc:
            warn_once("start", f"not started ({type(exc).__name__}: {exc})")
            return None

    def _begin(self) -> None:
        for fd in (1, 2):
            try:
                self._captures.append(FdCapture(fd, self._outbox.add))
            except Exception as exc:
                warn_once(f"capture{fd}", f"fd {fd} not captured ({type(exc).__name__}: {exc})")
        self._sender.start()

    def stop(self) -> None:
        """Restore the fds, send what is left, and wait a little for the relay to take it."""
        try:
            for capture in reversed(self._captures):
                capture.restore()
            self._stopping.set()
            self._wake.set()
            self._sender.join(timeout=FINAL_SEND_TIMEOUT_S + 1.0)
        except Exception as exc:
            warn_once("stop", f"stop failed ({type(exc).__name__}: {exc})")

    def _send_loop(self) -> None:
        """Send output as soon as some comes after a quiet spell, then at most every
        SEND_INTERVAL_S while it keeps coming; a sample every SAMPLE_INTERVAL_S."""
        next_sample = time.monotonic() + SAMPLE_INTERVAL_S
        last_send = 0.0
        while not self._stopping.is_set():
            self._wake.wait(max(0.0, next_sample - time.monotonic()))
            batching = last_send + SEND_INTERVAL_S - time.monotonic()
            if self._stopping.wait(max(0.0, batching)):
                break
            self._wake.clear()
            samples: list[Sample] = []
            if time.monotonic() >= next_sample:
                next_sample = time.monotonic() + SAMPLE_INTERVAL_S
                samples = self._sampler.sample()
            self._send(samples, wait=False)
            last_send = time.monotonic()
        self._send(self._sampler.sample(), wait=True)

    def _send(self, samples: list[Sample], wait: bool) -> None:
        try:
            flush_python_streams()
            chunks = self._outbox.take()
            if chunks or samples:
                self._relay.push(self.trial_id, chunks, samples, wait)
        except Exception as exc:
            warn_once("send", f"output not sent ({type(exc).__name__}: {exc})")


class _RelayLink:
    """The relay actor, looked up by name on first use (and again until found or given up)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._handle: Any = None
        self._given_up_at = time.monotonic() + RELAY_LOOKUP_S

    def push(self, trial_id: str, chunks: list[Chunk], samples: list[Sample], wait: bool) -> None:
        handle = self._find()
        if handle is None:
            return
        reference = handle.push.remote(trial_id, chunks, samples)
        if wait:
            import ray

            with contextlib.suppress(Exception):
                ray.get(reference, timeout=FINAL_SEND_TIMEOUT_S)

    def _find(self) -> Any:
        if self._handle is None and time.monotonic() < self._given_up_at:
            import ray

            try:
                self._handle = ray.get_actor(self.name, namespace=RELAY_NAMESPACE)
            except ValueError:
                if time.monotonic() >= self._given_up_at - SEND_INTERVAL_S:
                    warn_once("relay", f"no relay actor {self.name!r}: output not kept")
        return self._handle
