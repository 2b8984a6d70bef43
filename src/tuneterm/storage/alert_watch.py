"""The driver's alerts: a daemon thread that follows the store and hands the alerts its events
raise (`domain.alerts`) to the configured webhook and command (`alert_delivery`).

It reads what the driver's own callback and end records write, so it sees trial ends with their
reasons and the sweep's end however it came, and the Tune loop does nothing for it. Used as a
context manager around the sweep: on the way out it reads the last events (the sweep's end) and
waits at most `END_WAIT_S` for their delivery.
"""

from __future__ import annotations

import shlex
import threading
import time
from types import TracebackType
from typing import TYPE_CHECKING

from tuneterm.domain.alerts import DEFAULT_POLICY, Alert, AlertDeriver, BestPolicy
from tuneterm.storage.alert_delivery import (
    AlertSender,
    Channel,
    CommandChannel,
    Log,
    WebhookChannel,
    log_line,
)
from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.store import Store

if TYPE_CHECKING:
    from tuneterm.domain.config.alerts import AlertSpec
    from tuneterm.domain.config.spec import ExperimentConfig

POLL_S = 0.5
"""Seconds between two reads of the store: an alert goes out at most this long after its event."""
END_WAIT_S = 5.0
"""Seconds the driver waits, at the sweep's end, for the last alerts to go out."""
BATCH = 5_000


def channels_of(spec: AlertSpec) -> list[Channel]:
    """The channels `spec` configures."""
    channels: list[Channel] = []
    if spec.webhook is not None:
        channels.append(WebhookChannel(spec.webhook))
    if spec.command is not None:
        channels.append(CommandChannel(shlex.split(spec.command)))
    return channels


class AlertWatch:
    """Follows one experiment's store from a daemon thread while the sweep runs; does nothing
    when the config's [alerts] delivers nowhere."""

    def __init__(
        self,
        expdir: ExperimentDir,
        config: ExperimentConfig,
        *,
        poll_s: float = POLL_S,
        end_wait_s: float = END_WAIT_S,
        policy: BestPolicy = DEFAULT_POLICY,
        log: Log = log_line,
    ) -> None:
        self.expdir, self.spec = expdir, config.alerts
        experiment = config.experiment
        self.deriver = AlertDeriver(
            experiment.name, str(expdir.path), experiment.metric, experiment.mode, policy
        )
        self.poll_s, self.end_wait_s, self.log = poll_s, end_wait_s, log
        self.senders: list[AlertSender] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> AlertWatch:
        if not self.spec.delivers:
            return self
        try:
            self._start()
        except Exception as error:  # alerts must never keep a sweep from starting
            self.log(f"alerts are off for this run: {type(error).__name__}: {error}")
        return self

    def _start(self) -> None:
        store = Store.open(self.expdir.store)
        try:
            self.deriver.seed(store.trials())
            seq = store.last_seq()
        except BaseException:
            store.close()
            raise
        for channel in channels_of(self.spec):
            sender = AlertSender(
                channel, self.expdir.store, self.spec.timeout_s, self.spec.retries, self.log
            )
            self.senders.append(sender)
        self._thread = threading.Thread(
            target=self._follow, args=(store, seq), name="tuneterm-alerts", daemon=True
        )
        self._thread.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Read the last events, then give their alerts at most `end_wait_s` to go out."""
        if self._thread is None:
            return
        deadline = time.monotonic() + self.end_wait_s
        self._stop.set()
        self._thread.join(max(0.0, deadline - time.monotonic()))
        for sender in self.senders:
            sender.close(deadline)
        self._thread = None

    def _follow(self, store: Store, seq: int) -> None:
        chosen = frozenset(self.spec.chosen_events)
        try:
            while True:
                stopping = self._stop.is_set()
                seq = self._poll(store, seq, chosen)
                if stopping:
                    return
                self._stop.wait(self.poll_s)
        except Exception as error:  # a bug here must never reach the sweep
            self.log(f"alerts stopped: {type(error).__name__}: {error}")
        finally:
            store.close()

    def _poll(self, store: Store, seq: int, chosen: frozenset[str]) -> int:
        """Derive the alerts of the events after `seq`, offer the chosen ones; the new `seq`."""
        while events := store.tail(seq, self.deriver.metric, BATCH):
            seq = events[-1].seq
            self._offer(self.deriver.observe(events), chosen)
        self._offer(self.deriver.due(time.time()), chosen)
        return seq

    def _offer(self, alerts: list[Alert], chosen: frozenset[str]) -> None:
        for alert in alerts:
            if alert.event in chosen:
                for sender in self.senders:
                    sender.offer(alert)
