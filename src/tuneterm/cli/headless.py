"""Plain-text output for `tuneterm run --headless`: one line per trial event, then a summary."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

from tuneterm.domain.events import Event, EventKind
from tuneterm.domain.status import EndReason
from tuneterm.domain.summary import SweepSummary, summarize
from tuneterm.domain.text import format_config, format_value, one_line, printable
from tuneterm.storage.store import Store

_REASON_TEXT = {
    EndReason.COMPLETED.value: "completed",
    EndReason.SCHEDULER.value: "stopped by the scheduler",
    EndReason.USER.value: "stopped by the user",
    EndReason.ERROR.value: "errored",
    EndReason.INTERRUPTED.value: "interrupted",
}


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
        for event in self.store.iter_events(self.last_seq):
            self.last_seq = event.seq
            line = self.format(event)
            if line:
                self.out.write(line + "\n")
        self.out.flush()

    def format(self, event: Event) -> str | None:
        if self.origin is None:
            self.origin = event.time
        stamp = f"[{event.time - self.origin:7.1f}s]"
        trial = f"trial {printable(event.trial_id or '')}"
        data = event.data
        match event.kind:
            case EventKind.EXPERIMENT_STARTED:
                return (
                    f"{stamp} sweep started on Ray {data.get('ray_version', '?')} "
                    f"({format_value(data.get('cluster_cpus'))} CPUs, "
                    f"{format_value(data.get('cluster_gpus'))} GPUs, {data.get('address')})"
                )
            case EventKind.TRIAL_STARTED:
                return f"{stamp} {trial} started: {format_config(data.get('config', {}))}"
            case EventKind.RESULT:
                return f"{stamp} {trial} iter {event.iteration}: {self._metrics(data)}"
            case EventKind.TRIAL_ENDED:
                return f"{stamp} {trial} ended: {self._end(event)}"
            case EventKind.EXPERIMENT_ENDED:
                self.ended_status = str(data.get("status"))
                message = data.get("message")
                suffix = f": {one_line(str(message), 400)}" if message else ""
                return f"{stamp} sweep {self.ended_status}{suffix}"
        return None

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
        if reason == EndReason.ERROR.value:
            error = str(event.data.get("error", ""))
            last = [line for line in error.splitlines() if line.strip()][-1:] or [""]
            return f"{text} at iteration {event.iteration}: {one_line(last[0])}"
        return f"{text} after {event.iteration} iterations"


def summary_lines(summary: SweepSummary, experiment_dir: str) -> list[str]:
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
    if summary.interrupted or summary.unfinished:
        lines.append(f"  interrupted: {summary.interrupted}, unfinished: {summary.unfinished}")
    best = summary.best
    if best is None:
        lines.append("  best trial: none (no trial reported the metric)")
    else:
        lines += [
            f"  best trial: {printable(best.trial_id)} {printable(summary.metric)}="
            f"{format_value(best.best_metric)} ({summary.mode})",
            f"  best config: {format_config(best.config)}",
        ]
    lines.append(f"Experiment directory: {printable(experiment_dir)}")
    return lines


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
    while True:
        printer.print_new()
        if printer.ended_status is not None:
            break
        if not driver_running():
            printer.print_new()
            if printer.ended_status is None:
                printer.ended_status = "crashed"
                out.write("The driver exited without ending the sweep; see driver.log.\n")
            break
        time.sleep(poll_interval)
    for line in summary_lines(summarize(store.trials(), store.meta()), experiment_dir):
        out.write(line + "\n")
    out.flush()
    return printer.ended_status
