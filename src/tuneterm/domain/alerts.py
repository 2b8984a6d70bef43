"""Alerts: what of a sweep's event log is worth telling someone who is not watching.

`AlertDeriver` folds the store's events (`domain.events.Event`) and says which alerts they raise.
The driver derives them to post webhooks and run commands while no dashboard runs; the dashboard
derives the same ones for its notifications and bell. The events, in `AlertEvent`:

- `new_best`: the sweep's best value of its metric improved. Held back (`BestPolicy`): none
  before a few trials have reported the metric, at most one per quiet period, the latest best
  of a quiet period announced at its end, and none left over once the sweep ended (the end's
  alert names the best).
- `trial_errored`: a trial raised, or its worker died.
- `trial_unhealthy`: a trial's health turned from ok to a health rule (`domain.health`: nan,
  diverged, stalled), or a rule stopped it; once per trial until it is healthy again.
- `sweep_finished`, `sweep_failed`, `sweep_stopped`, `sweep_crashed`: the sweep ended with that
  status (see `SweepStatus`). A driver killed outright writes no end: nothing can announce it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from tuneterm.domain.events import Event, EventKind
from tuneterm.domain.health import HEALTHY
from tuneterm.domain.status import EndReason, SweepStatus, TrialStatus
from tuneterm.domain.text import number, one_line
from tuneterm.domain.trial import Trial, better


class AlertEvent(StrEnum):
    """What an alert is about; its value is the `event` field of the alert's JSON."""

    NEW_BEST = "new_best"
    TRIAL_ERRORED = "trial_errored"
    TRIAL_UNHEALTHY = "trial_unhealthy"
    SWEEP_FINISHED = "sweep_finished"
    SWEEP_FAILED = "sweep_failed"
    SWEEP_STOPPED = "sweep_stopped"
    SWEEP_CRASHED = "sweep_crashed"


ALERT_EVENTS: tuple[str, ...] = tuple(event.value for event in AlertEvent)
"""Every event name `[alerts] events` accepts."""
DEFAULT_EVENTS: tuple[str, ...] = tuple(e for e in ALERT_EVENTS if e != AlertEvent.NEW_BEST)
"""What `[alerts]` delivers when `events` is not given: all but new_best, which is the one a
long sweep raises over and over."""

_SWEEP_ENDS = {
    SweepStatus.FINISHED: AlertEvent.SWEEP_FINISHED,
    SweepStatus.FAILED: AlertEvent.SWEEP_FAILED,
    SweepStatus.STOPPED: AlertEvent.SWEEP_STOPPED,
    SweepStatus.CRASHED: AlertEvent.SWEEP_CRASHED,
}


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert, as delivered: a webhook's JSON body and a command's stdin are `payload()`."""

    event: AlertEvent
    time: float
    """When what it tells of happened (Unix seconds)."""
    experiment: str
    directory: str
    text: str
    """One line for a human: "tuneterm: lr-sweep: new best accuracy 0.987 by trial 1a2b3c"."""
    trial_id: str | None = None
    value: float | None = None
    """The metric's value it is about (a finite number), if any."""
    iteration: int | None = None

    def payload(self) -> dict[str, Any]:
        """The JSON object sent: `text` and `content` both hold the line, so that Slack's and
        Discord's incoming webhooks show it as it is; `time` is ISO 8601 in UTC."""
        return {
            "event": self.event.value,
            "text": self.text,
            "content": self.text,
            "experiment": self.experiment,
            "directory": self.directory,
            "trial": self.trial_id,
            "value": self.value,
            "iteration": self.iteration,
            "time": iso_time(self.time),
        }


def iso_time(seconds: float) -> str:
    """Unix seconds as ISO 8601 in UTC, to the second: "2026-03-03T14:02:11Z"."""
    moment = datetime.fromtimestamp(seconds, UTC).replace(microsecond=0)
    return moment.isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class BestPolicy:
    """How new_best alerts are held back, so that a sweep does not send one per result."""

    quiet_s: float = 30.0
    """At most one new_best alert per this many seconds; the latest best of the period wins."""
    min_trials: int = 3
    """No new_best alert until this many trials have reported the metric: before that, every
    first result is a "new best" and says nothing about the sweep."""


DEFAULT_POLICY = BestPolicy()


@dataclass
class _Best:
    """The sweep's best so far and what of it is still to be announced."""

    value: float | None = None
    trial_id: str | None = None
    sent_at: float = -math.inf
    pending: Alert | None = None
    reported: set[str] = field(default_factory=set)
    """Trials that have reported a finite value of the metric."""


class AlertDeriver:
    """Folds a sweep's events in order; `observe` returns the alerts they raise, `due` the held
    back new_best whose quiet period is over. Events before `observe`'s `news_from` (a history
    replayed on attach) are folded without raising any."""

    def __init__(
        self,
        experiment: str,
        directory: str,
        metric: str,
        mode: str,
        policy: BestPolicy = DEFAULT_POLICY,
    ) -> None:
        self.experiment, self.directory = experiment, directory
        self.metric, self.mode, self.policy = metric, mode, policy
        self._best = _Best()
        self._started: set[str] = set()
        self._ended: dict[str, str] = {}
        """Trial id -> why it ended (an `EndReason` value)."""
        self._unhealthy: set[str] = set()

    def seed(self, trials: Sequence[Trial]) -> None:
        """Start from the store's trials (a resumed sweep's history), silently."""
        for trial in trials:
            self._started.add(trial.trial_id)
            if trial.status is TrialStatus.ENDED and trial.reason is not None:
                self._ended[trial.trial_id] = trial.reason.value
            if trial.best_metric is not None and math.isfinite(trial.best_metric):
                self._best.reported.add(trial.trial_id)
                if better(self.mode, trial.best_metric, self._best.value):
                    self._best.value, self._best.trial_id = trial.best_metric, trial.trial_id

    def seed_best(self, value: float | None, trial_id: str | None, reported: Iterable[str]) -> None:
        """Start from a best known another way (a dashboard's sweep state), and the trials that
        have reported the metric, instead of folding every result of the history."""
        self._best.reported.update(reported)
        if value is not None and better(self.mode, value, self._best.value):
            self._best.value, self._best.trial_id = value, trial_id

    @property
    def counting_reports(self) -> bool:
        """Whether fewer than `policy.min_trials` trials have reported the metric yet."""
        return len(self._best.reported) < self.policy.min_trials

    def note_reported(self, trial_ids: Iterable[str]) -> None:
        """Trials that reported the metric, for a caller that hands over only the results that
        beat the best (see `seed_best`)."""
        self._best.reported.update(trial_ids)

    def observe(self, events: Iterable[Event], news_from: float = -math.inf) -> list[Alert]:
        """The alerts `events` raise, in order; those before `news_from` raise none and hold no
        new best back (the state is updated all the same)."""
        alerts = []
        for event in events:
            news = event.time >= news_from
            alert = self._one(event, news)
            if alert is not None and news:
                alerts.append(alert)
        return alerts

    def due(self, now: float) -> list[Alert]:
        """The held-back new_best, once `policy.quiet_s` has passed since the last one."""
        best = self._best
        if best.pending is None or now - best.sent_at < self.policy.quiet_s:
            return []
        alert, best.pending, best.sent_at = best.pending, None, now
        return [alert]

    @property
    def best(self) -> tuple[float | None, str | None]:
        """The sweep's best value so far and the trial that reported it."""
        return self._best.value, self._best.trial_id

    def _one(self, event: Event, news: bool) -> Alert | None:
        kind = event.kind
        if kind == EventKind.RESULT:
            return self._result(event, news)
        if kind == EventKind.TRIAL_STARTED and event.trial_id is not None:
            self._started.add(event.trial_id)
            self._ended.pop(event.trial_id, None)
            self._unhealthy.discard(event.trial_id)
        elif kind == EventKind.TRIAL_ENDED:
            return self._trial_ended(event)
        elif kind == EventKind.TRIAL_HEALTH:
            data = event.data
            return self._health(event, str(data.get("health", HEALTHY)), data.get("reason"))
        elif kind == EventKind.EXPERIMENT_ENDED:
            return self._sweep_ended(event)
        return None

    def _result(self, event: Event, news: bool) -> Alert | None:
        value = finite_value(event.data.get(self.metric))
        if value is None:
            return None
        best, trial_id = self._best, event.trial_id or ""
        best.reported.add(trial_id)
        if not better(self.mode, value, best.value):
            return None
        best.value, best.trial_id = value, trial_id
        if len(best.reported) < self.policy.min_trials or not news:
            return None
        text = f"new best {self.metric} {number(value)} by trial {trial_id}"
        iteration = f" (iteration {event.iteration})" if event.iteration is not None else ""
        alert = self._alert(AlertEvent.NEW_BEST, event, text + iteration, value, event.iteration)
        if event.time - best.sent_at < self.policy.quiet_s:
            best.pending = alert
            return None
        best.pending, best.sent_at = None, event.time
        return alert

    def _trial_ended(self, event: Event) -> Alert | None:
        trial_id = event.trial_id or ""
        reason = str(event.data.get("reason", EndReason.INTERRUPTED.value))
        self._ended[trial_id] = reason
        if reason == EndReason.RULE:
            rule = str(event.data.get("rule", EndReason.RULE.value))
            return self._health(event, rule, f"{rule}: stopped by the rule")
        if reason != EndReason.ERROR:
            return None
        at = f" at iteration {event.iteration}" if event.iteration else ""
        error = _last_line(str(event.data.get("error") or ""))
        text = f"trial {trial_id} errored{at}" + (f": {error}" if error else "")
        return self._alert(AlertEvent.TRIAL_ERRORED, event, text, None, event.iteration)

    def _health(self, event: Event, health: str, reason: object) -> Alert | None:
        trial_id = event.trial_id or ""
        if health == HEALTHY:
            self._unhealthy.discard(trial_id)
            return None
        if trial_id in self._unhealthy:
            return None
        self._unhealthy.add(trial_id)
        why = one_line(str(reason or health), 200)
        text = f"trial {trial_id} is unhealthy: {why}"
        return self._alert(AlertEvent.TRIAL_UNHEALTHY, event, text, None, event.iteration)

    def _sweep_ended(self, event: Event) -> Alert | None:
        status = str(event.data.get("status", ""))
        try:
            kind = _SWEEP_ENDS[SweepStatus(status)]
        except (ValueError, KeyError):
            return None
        self._best.pending = None
        message = one_line(str(event.data.get("message") or ""), 200)
        text = f"{kind.value.removeprefix('sweep_')}: {self._tally()}"
        if message:
            text += f" ({message})"
        value, trial_id = self._best.value, self._best.trial_id
        if value is not None:
            text += f"; best {self.metric} {number(value)} by trial {trial_id}"
        return Alert(
            kind, event.time, self.experiment, self.directory, self._say(text), trial_id, value
        )

    def _tally(self) -> str:
        counts = Counter(self._ended.values())
        total = len(self._started | set(self._ended))
        parts = [f"{count} {ending_words(reason)}" for reason, count in counts.most_common()]
        unfinished = total - sum(counts.values())
        if unfinished:
            parts.append(f"{unfinished} unfinished")
        trials = "1 trial" if total == 1 else f"{total} trials"
        return trials + (f" ({', '.join(parts)})" if parts else "")

    def _alert(
        self,
        kind: AlertEvent,
        event: Event,
        text: str,
        value: float | None,
        iteration: int | None,
    ) -> Alert:
        return Alert(
            kind,
            event.time,
            self.experiment,
            self.directory,
            self._say(text),
            event.trial_id,
            value,
            iteration,
        )

    def _say(self, text: str) -> str:
        return one_line(f"tuneterm: {self.experiment}: {text}", 400)


_ENDING_WORDS = {
    EndReason.COMPLETED.value: "completed",
    EndReason.SCHEDULER.value: "stopped by the scheduler",
    EndReason.USER.value: "stopped by the user",
    EndReason.ERROR.value: "errored",
    EndReason.INTERRUPTED.value: "interrupted",
    EndReason.RULE.value: "stopped by a health rule",
}


def ending_words(reason: str) -> str:
    """How a trial ended for `reason` (an `EndReason` value), in words: "errored"."""
    return _ENDING_WORDS.get(reason, one_line(reason, 40))


def _last_line(error: str) -> str:
    """The line of a traceback that names the exception: its last non-empty one."""
    lines = [line for line in error.splitlines() if line.strip()]
    return one_line(lines[-1], 200) if lines else ""


def finite_value(value: object) -> float | None:
    """`value` as a float when it is a finite number (a metric as JSON gives it); else None."""
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None
