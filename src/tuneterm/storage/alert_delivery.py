"""Delivering alerts: a webhook POST and a command, each from a daemon thread of its own with a
bounded queue, retried with exponential backoff.

Nothing here may slow or stop a sweep: `AlertSender.offer` never blocks (an alert that finds the
queue full is dropped, and that is logged), each attempt is bounded by a timeout, and the threads
are daemons. Every failed attempt is logged in one line on the driver's stderr (driver.log), and
every alert's outcome is recorded in the store as an `alert` event.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from tuneterm import __version__
from tuneterm.domain.alerts import Alert
from tuneterm.domain.events import EventKind
from tuneterm.domain.text import one_line
from tuneterm.storage.store import Store

QUEUE_SIZE = 100
"""Alerts waiting per channel; more are dropped (and logged) rather than held in memory."""
FIRST_BACKOFF_S = 1.0
"""Seconds before the first retry; each further retry waits twice as long as the one before."""
ANSWER_BYTES = 65_536
"""At most this much of a webhook's answer is read (and ignored)."""

USER_AGENT = f"tuneterm/{__version__}"

Log = Callable[[str], None]


def log_line(message: str) -> None:
    """One line on stderr, which is driver.log in the driver."""
    print(f"tuneterm alerts: {one_line(message, 400)}", file=sys.stderr, flush=True)


class DeliveryError(Exception):
    """One attempt failed; the message says why, on one line."""


class Channel(Protocol):
    """Where alerts go: a webhook or a command."""

    name: str
    """"webhook" or "command", as recorded in the store."""
    label: str
    """What it is, for log lines; never a webhook's secret path."""

    def send(self, body: bytes, timeout: float) -> None:
        """Deliver the alert's JSON once; DeliveryError when it was not."""
        ...


class WebhookChannel:
    """POSTs the alert's JSON to a URL (Slack and Discord take it as it is)."""

    name = "webhook"

    def __init__(self, url: str) -> None:
        self.url = url
        self.label = f"webhook to {urllib.parse.urlsplit(url).netloc}"

    def send(self, body: bytes, timeout: float) -> None:
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            # Discord's front refuses Python's default agent.
            headers={"Content-Type": "application/json", "User-Agent": USER_AGENT},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                answer.read(ANSWER_BYTES)
        except urllib.error.HTTPError as error:
            raise DeliveryError(f"HTTP {error.code} {error.reason}") from None
        except urllib.error.URLError as error:
            raise DeliveryError(_reason(error.reason, timeout)) from None
        except (OSError, ValueError) as error:
            raise DeliveryError(_reason(error, timeout)) from None


def _reason(error: object, timeout: float) -> str:
    if isinstance(error, TimeoutError):
        return f"no answer within {timeout:g} s"
    return one_line(str(error) or type(error).__name__, 200)


class CommandChannel:
    """Runs a command with the alert's JSON on stdin; its output goes to driver.log."""

    name = "command"

    def __init__(self, argv: Sequence[str]) -> None:
        self.argv = list(argv)
        self.label = f"command {os.path.basename(self.argv[0])}"

    def send(self, body: bytes, timeout: float) -> None:
        try:
            # A session of its own, so that a timeout kills whatever the command started too.
            process = subprocess.Popen(self.argv, stdin=subprocess.PIPE, start_new_session=True)
        except OSError as error:
            raise DeliveryError(f"cannot run it: {error.strerror or error}") from None
        try:
            process.communicate(body, timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            raise DeliveryError(f"still running after {timeout:g} s: killed") from None
        if process.returncode != 0:
            raise DeliveryError(f"exited with status {process.returncode}")


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    if process.stdin is not None:
        process.stdin.close()


def command_problem(program: str) -> str | None:
    """Why `program` cannot be run here (not on PATH; a path that is missing, a directory or
    not executable); None when it can."""
    if os.sep not in program:
        found = shutil.which(program) is not None
        return None if found else f"command {program!r} not found on PATH"
    path = os.path.expanduser(program)
    if not os.path.exists(path):
        return f"{program} does not exist"
    if os.path.isdir(path):
        return f"{program} is a directory, not a program"
    if not os.access(path, os.X_OK):
        return f"{program} is not executable"
    return None


@dataclass(frozen=True)
class Outcome:
    """How an alert's delivery ended."""

    delivered: bool
    attempts: int
    error: str = ""
    """The last attempt's failure, when it was not delivered."""


class AlertSender:
    """One channel's daemon thread and queue; `offer` enqueues, `close` lets it finish."""

    def __init__(
        self,
        channel: Channel,
        store_path: Path | None,
        timeout_s: float,
        retries: int,
        log: Log = log_line,
        first_backoff_s: float = FIRST_BACKOFF_S,
    ) -> None:
        self.channel = channel
        self.store_path = store_path
        """Where outcomes are recorded (a connection of the thread's own); None records none."""
        self.timeout_s, self.retries = timeout_s, retries
        self.first_backoff_s = first_backoff_s
        self.log = log
        self.abandon = threading.Event()
        """Set when the driver stops waiting: no further retries."""
        self._queue: queue.Queue[Alert | None] = queue.Queue(QUEUE_SIZE)
        self._thread = threading.Thread(
            target=self._run, name=f"tuneterm-alerts-{channel.name}", daemon=True
        )
        self._thread.start()

    def offer(self, alert: Alert) -> None:
        """Queue `alert` without waiting; drop it (and log that) when the queue is full."""
        try:
            self._queue.put_nowait(alert)
        except queue.Full:
            self.log(
                f"{alert.event} dropped: {QUEUE_SIZE} alerts already wait for the "
                f"{self.channel.label}"
            )

    def close(self, deadline: float) -> bool:
        """Deliver what is queued until `deadline` (monotonic), then give up; True when all was."""
        with contextlib.suppress(queue.Full):
            self._queue.put(None, timeout=max(0.0, deadline - time.monotonic()))
        self._thread.join(max(0.0, deadline - time.monotonic()))
        if not self._thread.is_alive():
            return True
        self.abandon.set()
        self.log(f"the driver is ending: the {self.channel.label} gave up on the alerts left")
        return False

    def _run(self) -> None:
        store = None
        try:
            while (alert := self._queue.get()) is not None:
                outcome = self.deliver(alert)
                if self.store_path is not None:
                    store = store or Store.open(self.store_path)
                    record_outcome(store, alert, self.channel.name, outcome)
        except Exception as error:  # a bug here must never reach the sweep
            self.log(f"the {self.channel.label} stopped: {type(error).__name__}: {error}")
        finally:
            if store is not None:
                store.close()

    def deliver(self, alert: Alert) -> Outcome:
        """Attempt `alert` up to 1 + retries times, `first_backoff_s` * 2**n apart."""
        body = json.dumps(alert.payload()).encode()
        attempts = 1 + self.retries
        for attempt in range(1, attempts + 1):
            try:
                self.channel.send(body, self.timeout_s)
            except DeliveryError as error:
                last = str(error)
            else:
                self.log(f"{alert.event} sent by {self.channel.label} (attempt {attempt})")
                return Outcome(True, attempt)
            if attempt == attempts or self.abandon.is_set():
                break
            backoff = self.first_backoff_s * 2 ** (attempt - 1)
            self.log(
                f"{alert.event} by {self.channel.label}: attempt {attempt} of {attempts}"
                f" failed ({last}); retrying in {backoff:g} s"
            )
            if self.abandon.wait(backoff):
                break
        self.log(
            f"{alert.event} not delivered by {self.channel.label} after {attempt} attempts: {last}"
        )
        return Outcome(False, attempt, last)


def record_outcome(store: Store, alert: Alert, channel: str, outcome: Outcome) -> None:
    """The alert and how its delivery went, as an `alert` event (never the webhook's URL)."""
    data = {
        **alert.payload(),
        "channel": channel,
        "delivered": outcome.delivered,
        "attempts": outcome.attempts,
        "error": outcome.error,
    }
    del data["content"]
    with store.transaction():
        store.append_event(time.time(), EventKind.ALERT, alert.trial_id, alert.iteration, data)
