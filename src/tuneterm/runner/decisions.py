"""Why each trial was decided to stop, from that decision until the trial's end is recorded."""

from __future__ import annotations

from typing import Any

from tuneterm.domain.status import EndReason


class StopDecisions:
    """The reason and iteration of every stop decided in this driver process, by trial id.

    Ray marks every finished trial TERMINATED, whether it completed, was cut by the scheduler or
    was stopped by the user. The recording schedulers and the trial controller record here who
    decided; the store callback takes the decision when Ray reports the trial complete.
    """

    def __init__(self) -> None:
        self._by_trial: dict[str, tuple[EndReason, int]] = {}
        self._rules: dict[str, str] = {}
        """The health rule of each RULE decision."""

    def __getstate__(self) -> dict[str, Any]:
        # Tune pickles its schedulers and callbacks into the experiment state; decisions are
        # facts of one driver process, never restored.
        return {"_by_trial": {}, "_rules": {}}

    def __contains__(self, trial_id: object) -> bool:
        return trial_id in self._by_trial

    def record(
        self, trial_id: str, reason: EndReason, iteration: int, rule: str | None = None
    ) -> None:
        """Remember that `trial_id` is to stop at `iteration`, for `reason` (for RULE: the health
        `rule`)."""
        self._by_trial[trial_id] = (reason, iteration)
        if rule is not None:
            self._rules[trial_id] = rule

    def take(self, trial_id: str, last_iteration: int) -> tuple[EndReason, int]:
        """The decision on `trial_id`, forgotten once taken; a trial nobody stopped completed
        at its `last_iteration`."""
        return self._by_trial.pop(trial_id, (EndReason.COMPLETED, last_iteration))

    def take_rule(self, trial_id: str) -> str | None:
        """The health rule a RULE decision on `trial_id` named, forgotten once taken."""
        return self._rules.pop(trial_id, None)
