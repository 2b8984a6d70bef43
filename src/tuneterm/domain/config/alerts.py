"""[alerts]: where the driver sends the sweep's alerts (`domain.alerts`) while nobody watches.

    [alerts]
    webhook = "https://hooks.slack.com/services/..."  # POSTs the alert's JSON
    command = "notify-send tuneterm"                  # runs with the alert's JSON on stdin
    events = ["sweep_finished", "trial_errored"]      # default: every event but new_best
    timeout_s = 10                                     # per attempt
    retries = 3                                        # then 1 s, 2 s, 4 s apart

Whether the command's program exists is a question for the machine, asked through an
`AlertChecker` (part of validation's `Workspace`), so that the check itself reads nothing.
"""

from __future__ import annotations

import dataclasses
import shlex
import urllib.parse
from dataclasses import dataclass
from typing import Protocol

from tuneterm.domain.alerts import ALERT_EVENTS, DEFAULT_EVENTS
from tuneterm.domain.config.space import ValidationError, did_you_mean, require, show

__all__ = ["AlertChecker", "AlertSpec", "checked_alerts"]

MAX_TIMEOUT_S = 300.0
MAX_RETRIES = 10


@dataclass(frozen=True)
class AlertSpec:
    """[alerts]: a webhook and/or a command told of the sweep's events (see `domain.alerts`)."""

    webhook: str | None = None
    """An http or https URL the alert's JSON is POSTed to (Slack and Discord incoming webhooks
    show its `text` / `content`)."""
    command: str | None = None
    """A command line (split like a shell's, never run by one) run with the alert's JSON on
    stdin; its program must be found on PATH or at its path."""
    events: tuple[str, ...] | None = None
    """The event names delivered; None delivers `DEFAULT_EVENTS` (every one but new_best)."""
    timeout_s: float = 10.0
    """Seconds one attempt may take (the webhook's answer, the command's run)."""
    retries: int = 3
    """Attempts after a failed first one, 1 s, 2 s, 4 s, ... apart."""

    @property
    def chosen_events(self) -> tuple[str, ...]:
        """The events delivered."""
        return DEFAULT_EVENTS if self.events is None else self.events

    @property
    def delivers(self) -> bool:
        """Whether anything is configured to receive alerts."""
        return self.webhook is not None or self.command is not None


class AlertChecker(Protocol):
    """Where an alert command's program is looked for."""

    def absolute(self, path: str) -> str:
        """`path` with ~ expanded, made absolute."""
        ...

    def command_problem(self, program: str) -> str | None:
        """Why `program` (a name looked up on PATH, or a path) cannot be run here, on one line;
        None when it can."""
        ...


def checked_alerts(spec: AlertSpec, checker: AlertChecker) -> AlertSpec:
    """`spec` with its events listed once each, timeout_s a float and a relative program path
    made absolute; ValidationError for a
    webhook that is not an http(s) URL, a command not found, an unknown event name, or a
    timeout or retry count out of range."""
    if spec.webhook is not None:
        _check_webhook(spec.webhook)
    if spec.command is not None:
        spec = dataclasses.replace(spec, command=_checked_command(spec.command, checker))
    events = None if spec.events is None else tuple(dict.fromkeys(spec.events))
    for name in events or ():
        hint = did_you_mean(name, ALERT_EVENTS)
        message = f"unknown event {show(name)}{hint}; the events are {', '.join(ALERT_EVENTS)}"
        require(name in ALERT_EVENTS, "alerts.events", message)
    timeout = spec.timeout_s
    message = f"must be more than 0 and at most {MAX_TIMEOUT_S:g} seconds (got {show(timeout)})"
    require(0 < timeout <= MAX_TIMEOUT_S, "alerts.timeout_s", message)
    message = f"must be from 0 to {MAX_RETRIES} (got {show(spec.retries)})"
    require(0 <= spec.retries <= MAX_RETRIES, "alerts.retries", message)
    return dataclasses.replace(spec, events=events, timeout_s=float(timeout))


def _check_webhook(url: str) -> None:
    key = "alerts.webhook"
    require(url.strip() == url and url != "", key, f"{show(url)} is not a URL")
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError for a port out of range)
    except ValueError as error:
        raise ValidationError(key, f"{show(url)} is not a URL: {error}") from None
    scheme = parts.scheme.lower()
    message = f"{show(url)} is not an http or https URL"
    require(scheme in ("http", "https") and bool(parts.hostname), key, message)
    require(not any(char.isspace() for char in url), key, f"{show(url)} contains a space")


def _checked_command(command: str, checker: AlertChecker) -> str:
    """`command`, its program made absolute when given as a relative path: a resumed sweep's
    driver may start in another directory."""
    key = "alerts.command"
    try:
        argv = shlex.split(command)
    except ValueError as error:
        raise ValidationError(key, f"cannot be split into words: {error}") from None
    require(bool(argv), key, "must not be empty")
    problem = checker.command_problem(argv[0])
    if problem is not None:
        raise ValidationError(key, problem)
    if "/" not in argv[0] or argv[0].startswith("/"):
        return command
    return shlex.join([checker.absolute(argv[0]), *argv[1:]])
