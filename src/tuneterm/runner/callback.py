"""The tune Callback that writes every trial event into the experiment's store."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ray.tune import Callback

from tuneterm.domain.ray_result import NO_ERROR_TEXT, NOT_METRICS, numeric_metrics
from tuneterm.domain.status import EndReason
from tuneterm.runner.decisions import StopDecisions
from tuneterm.runner.ray_trial import last_iteration, result_iteration
from tuneterm.storage.store import Store


def plain_config(config: dict[str, Any]) -> dict[str, Any]:
    """A trial's config as JSON-friendly values (numpy scalars become Python ones)."""
    plain: dict[str, Any] = {}
    for key, value in config.items():
        if hasattr(value, "item"):
            value = value.item()
        plain[key] = value if isinstance(value, str | int | float | bool | None) else str(value)
    return plain


class StoreCallback(Callback):
    """Records trial started / result / ended (with its reason) / errored, as they happen.

    Hooks run on the driver's Tune loop; each write is one short SQLite transaction. Why a trial
    ended comes from `decisions`, where the scheduler and the trial controller record their stops.
    """

    def __init__(self, store_path: Path, decisions: StopDecisions) -> None:
        self._store_path = Path(store_path)
        self._stop_decisions = decisions
        self._store: Store | None = None
        self._started: set[str] = set()

    def __getstate__(self) -> dict[str, Any]:
        # Tune pickles callbacks into its experiment state: keep the connection out of it.
        return {
            "_store_path": self._store_path,
            "_stop_decisions": self._stop_decisions,
            "_store": None,
            "_started": set(),
        }

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store.open(self._store_path)
        return self._store

    def setup(self, *args: Any, **info: Any) -> None:
        self.store  # noqa: B018  (open early so a broken store fails before any trial runs)

    def on_trial_start(self, iteration: int, trials: list[Any], trial: Any, **info: Any) -> None:
        self._record_started(trial)

    def on_trial_result(
        self, iteration: int, trials: list[Any], trial: Any, result: dict[str, Any], **info: Any
    ) -> None:
        self._record_started(trial)
        metrics = numeric_metrics(result, skip=NOT_METRICS)
        self.store.record_result(trial.trial_id, result_iteration(result), metrics)

    def on_trial_complete(self, iteration: int, trials: list[Any], trial: Any, **info: Any) -> None:
        reason, at = self._stop_decisions.take(trial.trial_id, last_iteration(trial))
        rule = self._stop_decisions.take_rule(trial.trial_id)
        self._record_started(trial)
        self.store.record_trial_ended(
            trial.trial_id, reason, at, rule=rule if reason is EndReason.RULE else None
        )

    def on_trial_error(self, iteration: int, trials: list[Any], trial: Any, **info: Any) -> None:
        self._record_started(trial)
        self.store.record_trial_ended(
            trial.trial_id, EndReason.ERROR, last_iteration(trial), error=_error_text(trial)
        )

    def _record_started(self, trial: Any) -> None:
        if trial.trial_id not in self._started:
            self._started.add(trial.trial_id)
            self.store.record_trial_started(trial.trial_id, plain_config(trial.config))


def _error_text(trial: Any) -> str:
    error_file = trial.error_file
    if error_file:
        try:
            return explain_worker_death(Path(error_file).read_text(errors="replace"))
        except OSError:
            pass
    return NO_ERROR_TEXT


_WORKER_DIED = "its worker process has died"
_PID = re.compile(r"^\s*pid: (\d+)$", re.MULTILINE)


def explain_worker_death(error: str) -> str:
    """Ray's error text, with a last line that says what a dead worker process most likely means.

    Ray 2.60 does not record how a worker process ended (the raylet reaps it and logs no exit
    status), so a signal cannot be named for certain: SIGKILL (`kill -9`, the kernel's OOM
    killer) is what leaves no trace at all; a crash such as SIGSEGV also ends it without an
    exception.
    """
    if _WORKER_DIED not in error:
        return error
    match = _PID.search(error)
    pid = f" (pid {match.group(1)})" if match else ""
    return error.rstrip("\n") + (
        f"\nThe trial's worker process{pid} died without raising an exception: it was killed by"
        " a signal (SIGKILL: kill -9 or the kernel's OOM killer) or crashed (e.g. SIGSEGV).\n"
    )
