"""Plain-text output for `tuneterm run --headless`: one line per trial event, then a summary."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from typing import TextIO

from tuneterm.domain.events import Event, EventKind
from tuneterm.domain.exit_codes import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from tuneterm.domain.health import HEALTHY
from tuneterm.domain.status import EndReason, SweepStatus
from tuneterm.domain.summary import SweepSummary, summarize
from tuneterm.domain.text import format_config, format_value, one_line, printable
from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.store import Store

_REASON_TEXT = {
    EndReason.COMPLETED.value: "completed",
    EndReason.SCHEDULER.value: "stopped by the scheduler",
    EndReason.USER.value: "stopped by the user",
    EndReason.RULE.value: "stopped by rule",
    EndReason.ERROR.value: "errored",
    EndReason.INTERRUPTED.value: "interrupted",
}

ENDED_WELL = frozenset({SweepStatus.FINISHED, SweepStatus.STOPPED})
"""Final statuses `tuneterm run --headless` exits 0 on (given a trial reported the metric); it
exits 1 on the others: FAILED and CRASHED."""


class EventPrinter:
    """Turns store events into lines; remembers where it is in the log."""

    def __init__(self, store: Store, out: TextIO) -> None:
        self.store = store
        self.out = out
        self.last_seq = 0
        meta = store.meta()
        self.metric = str(meta.get("metric", ""))
        self.origin: float | None = None
        self.ended_status: str | None = None

    def print_new(self) -> None:
        """Write a line for every event after the last one printed."""
        for event in self.store.iter_events(self.last_seq):
            self.last_seq = event.seq
            line = self.format(event)
            if line:
                self.out.write(line + "\n")
        self.out.flush()

    def format(self, event: Event) -> str | None:
        """The event's line, stamped with seconds since the first event; None for unshown kinds."""
        if self.origin is None:
            self.origin = event.time
        text = self._describe(event)
        return None if text is None else f"[{event.time - self.origin:7.1f}s] {text}"

    def _describe(self, event: Event) -> str | None:
        trial = f"trial {printable(event.trial_id or '')}"
        match event.kind:
            case EventKind.EXPERIMENT_STARTED:
                return _sweep_started(event.data)
            case EventKind.TRIAL_STARTED:
                return f"{trial} started: {format_config(event.data.get('config', {}))}"
            case EventKind.RESULT:
                return f"{trial} iter {event.iteration}: {self._metrics(event.data)}"
            case EventKind.TRIAL_ENDED:
                return f"{trial} ended: {self._end(event)}"
            case EventKind.TRIAL_HEALTH:
                return _health_line(trial, event.data)
            case EventKind.EXPERIMENT_ENDED:
                return self._sweep_ended(event.data)
        return None

    def _sweep_ended(self, data: dict[str, object]) -> str:
        self.ended_status = str(data.get("status"))
        message = data.get("message")
        suffix = f": {one_line(str(message), 400)}" if message else ""
        return f"sweep {self.ended_status}{suffix}"

    def _metrics(self, data: dict[str, float]) -> str:
        shown = [
            self.metric,
            *sorted(
                k for k in data if k != self.metric and not k.startswith(("time_", "training_"))
            ),
        ]
        return " ".join(f"{printable(k)}={format_value(data[k])}" for k in shown if k in data)

    def _end(self, event: Event) -> str:
        reason = str(event.data.get("reason"))
        text = _REASON_TEXT.get(reason, reason)
        if reason == EndReason.SCHEDULER.value:
            return f"{text} at iteration {event.iteration}"
        if reason == EndReason.RULE.value:
            rule = printable(str(event.data.get("rule")))
            return f"{text}: {rule} at iteration {event.iteration}"
        if reason == EndReason.ERROR.value:
            error = str(event.data.get("error", ""))
            last = [line for line in error.splitlines() if line.strip()][-1:] or [""]
            return f"{text} at iteration {event.iteration}: {one_line(last[0])}"
        return f"{text} after {event.iteration} iterations"


def _health_line(trial: str, data: dict[str, object]) -> str:
    """ "trial t1 flagged: nan: accuracy was nan at iteration 2", or "trial t1 healthy again"."""
    if data.get("health") == HEALTHY:
        return f"{trial} healthy again"
    return f"{trial} flagged: {one_line(printable(str(data.get('reason', ''))), 200)}"


def _sweep_started(data: dict[str, object]) -> str:
    return (
        f"sweep started on Ray {data.get('ray_version', '?')} "
        f"({format_value(data.get('cluster_cpus'))} CPUs, "
        f"{format_value(data.get('cluster_gpus'))} GPUs, {data.get('address')})"
    )


def summary_lines(summary: SweepSummary, experiment_dir: str) -> list[str]:
    """The closing summary: trials by how they ended, the best trial, the experiment directory."""
    elapsed = f"{summary.elapsed:.1f} s" if summary.elapsed is not None else "unknown time"
    stops = ", ".join(f"{n} at iteration {it}" for it, n in summary.scheduler_stops.items())
    lines = [
        f"Summary: {summary.total} trials in {elapsed}",
        f"  completed: {summary.completed}",
        f"  stopped by the scheduler: {summary.scheduler_stopped}"
        + (f" ({stops})" if stops else ""),
        f"  stopped by the user: {summary.user_stopped}",
        f"  errored: {summary.errored}",
    ]
    if summary.rule_stopped:
        lines.insert(-1, f"  stopped by a health rule: {summary.rule_stopped}")
    if summary.interrupted or summary.unfinished:
        lines.append(f"  interrupted: {summary.interrupted}, unfinished: {summary.unfinished}")
    lines += _best_lines(summary)
    lines.append(f"Experiment directory: {printable(experiment_dir)}")
    return lines


def _best_lines(summary: SweepSummary) -> list[str]:
    best = summary.best
    if best is None:
        return ["  best trial: none (no trial reported the metric)"]
    return [
        f"  best trial: {printable(best.trial_id)} {printable(summary.metric)}="
        f"{format_value(best.best_metric)} ({summary.mode})",
        f"  best config: {format_config(best.config)}",
    ]


def follow(
    store: Store,
    out: TextIO,
    driver_running: Callable[[], bool],
    experiment_dir: str,
    poll_interval: float = 0.2,
    since_seq: int = 0,
) -> str:
    """Print events after `since_seq` until the sweep ends (or its driver dies); return the final
    status. A resumed sweep starts after its earlier "sweep ended" event."""
    printer = EventPrinter(store, out)
    printer.last_seq = since_seq
    if not store.events_since(since_seq, limit=1):
        out.write("Starting Ray (its output goes to driver.log in the experiment directory)...\n")
    status = _print_until_ended(printer, driver_running, poll_interval)
    for line in summary_lines(summarize(store.trials(), store.meta()), experiment_dir):
        out.write(line + "\n")
    out.flush()
    return status


def _print_until_ended(
    printer: EventPrinter, driver_running: Callable[[], bool], poll_interval: float
) -> str:
    while True:
        printer.print_new()
        if printer.ended_status is not None:
            return printer.ended_status
        if not driver_running():
            printer.print_new()
            if printer.ended_status is not None:
                return printer.ended_status
            printer.out.write("The driver exited without ending the sweep; see driver.log.\n")
            return SweepStatus.CRASHED
        time.sleep(poll_interval)


class _InterruptHandler:
    """Ctrl-C while following a sweep: the first asks its driver to stop it, the second leaves."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process
        self.count = 0

    def __call__(self, signum: int, frame: object) -> None:
        self.count += 1
        if self.count > 1:
            raise KeyboardInterrupt
        print("Stopping the sweep (press Ctrl-C again to leave it running)...", flush=True)
        self.process.send_signal(signal.SIGUSR1)


def follow_headless(
    expdir: ExperimentDir, process: subprocess.Popen[bytes], since_seq: int = 0
) -> int:
    """Print the sweep's events (those after `since_seq`) until it ends, then a summary; return
    the exit code, 130 once the user pressed Ctrl-C (the sweep then stops, or goes on alone)."""
    interrupt = _InterruptHandler(process)
    previous = signal.signal(signal.SIGINT, interrupt)
    try:
        print(f"Experiment directory: {expdir.path}", flush=True)
        code = _follow_driver(expdir, process, since_seq)
    except KeyboardInterrupt:
        print(f"The sweep goes on in the background: {expdir.path}")
        return EXIT_INTERRUPTED
    finally:
        signal.signal(signal.SIGINT, previous)
    return EXIT_INTERRUPTED if interrupt.count else code


def _follow_driver(expdir: ExperimentDir, process: subprocess.Popen[bytes], since_seq: int) -> int:
    """The exit code once the sweep ended: 2 for a config the driver refused, else as
    `sweep_exit_code` says."""
    with Store.open(expdir.store) as store:
        status = follow(
            store, sys.stdout, lambda: process.poll() is None, str(expdir.path), since_seq=since_seq
        )
        if store.meta().get("config_error"):
            return EXIT_USAGE
        reported = any(trial.best_metric is not None for trial in store.trials())
    return sweep_exit_code(status, reported)


def sweep_exit_code(status: str, metric_reported: bool) -> int:
    """0 for a sweep that finished or was stopped with a trial reporting the metric; 1 for one
    that failed (SweepStatus.FAILED), crashed, or was stopped before the metric was reported."""
    return EXIT_OK if status in ENDED_WELL and metric_reported else EXIT_FAILED
