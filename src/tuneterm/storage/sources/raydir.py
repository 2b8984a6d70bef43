"""A sweep read from the files plain Ray Tune writes, for experiments run without tuneterm.

Ray Tune's `storage_path/<experiment>/` holds one directory per trial (`params.json`, `result.json`
with one JSON object per report, `error.txt` if it failed) and `experiment_state-<ts>.json`, whose
newest copy says each trial's status. `RayDirSource` follows those files as they grow and turns
them into the same events a tuneterm store holds. The state file is Ray-internal (read defensively);
`tuner.pkl` is read inertly (tuner_state.py) for the metric, its mode and the scheduler, so that a
trial the scheduler stopped shows so; without it, the metric and mode are guessed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tuneterm.domain.config.spec import ExperimentConfig, Hypothesis
from tuneterm.domain.control import ControlAction
from tuneterm.domain.events import Event, EventKind
from tuneterm.domain.hypotheses.notebook import HypothesisEntry, Note, NoteKind, VerdictRecord
from tuneterm.domain.hypotheses.verdict import Verdict
from tuneterm.domain.ray_result import NO_ERROR_TEXT, NOT_METRICS, RAY_KEYS, numeric_metrics
from tuneterm.domain.resources import ResourceSample
from tuneterm.domain.status import EndReason, SweepStatus
from tuneterm.domain.trial import Result
from tuneterm.storage.sources.protocol import ReadOnlySourceError
from tuneterm.storage.sources.raydir_files import (
    file_mtime,
    file_size,
    first_report,
    first_start,
    guess_metric,
    guess_mode,
    parse_report,
    read_from,
    read_text,
    subdirectories,
    trial_id_from,
)
from tuneterm.storage.sources.raydir_state import (
    ExperimentState,
    newest_state_file,
    read_experiment_state,
    trial_end,
)
from tuneterm.storage.sources.tuner_state import TunerFacts, read_tuner_facts

_CHUNK = 4 << 20


@dataclass
class _TrialFiles:
    """One trial directory and how far it has been read."""

    path: Path
    trial_id: str
    config: dict[str, Any]
    started_at: float
    offset: int = 0
    """Bytes of result.json turned into events (always at a line boundary)."""
    started: bool = False
    """Whether its trial_started event was sent."""
    last_iteration: int = 0
    last_time: float | None = None
    ended: EndReason | None = None
    """The end last reported in an event; None while running (as far as the files say)."""

    @property
    def start_data(self) -> dict[str, Any]:
        return {"config": self.config}


class RayDirSource:
    """An EventSource over a plain Ray Tune experiment directory: read-only, no driver to ask."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.read_only = True
        self._trials: dict[str, _TrialFiles] = {}
        self._by_id: dict[str, _TrialFiles] = {}
        self._seq = 0
        self._state = ExperimentState()
        self._state_key: tuple[str, int, int] | None = None
        self._metric: str | None = None
        self._reported_status: SweepStatus | None = None
        self._tuner: TunerFacts | None = None
        self._tuner_read = False

    # -- the EventSource protocol ----------------------------------------------------------

    def meta(self) -> dict[str, Any]:
        """Name (the directory's), metric and mode (Ray's if recorded, else guessed), status."""
        state = self._refresh_state()
        tuner = self._tuner_facts() or TunerFacts()
        if tuner.metric is None and state.metric is None and self._metric is None:
            self._metric = self._guess_metric() or None
        metric = tuner.metric or state.metric or self._metric or ""
        meta: dict[str, Any] = {
            "name": self.path.name,
            "metric": metric,
            "mode": tuner.mode or guess_mode(metric),
            "status": state.status.value,
            "source": "ray",
        }
        if self._trials or state.start_time is not None:
            meta["started_at"] = self._start_time(state)
        return meta

    def poll(self, limit: int = 50_000) -> list[Event]:
        """Events for what the files gained since the last poll, at most `limit`."""
        state = self._refresh_state()
        trials = self._discover(state)
        events: list[Event] = []
        if self._reported_status is None:
            self._report_status(SweepStatus.RUNNING, self._start_time(state), events)
        complete = True
        for files in trials:
            if len(events) >= limit:
                complete = False
                break
            complete = self._poll_trial(files, state, events, limit) and complete
        if complete and len(events) < limit:
            status = state.status
            if status != self._reported_status:
                self._report_status(status, state.mtime or None, events)
        return events

    def trial_results(self, trial_id: str) -> list[Result]:
        """Every complete report in the trial's result.json, with every numeric metric."""
        if trial_id not in self._by_id:
            self._discover(self._refresh_state())
        files = self._by_id.get(trial_id)
        if files is None:
            return []
        data = read_from(files.path / "result.json", 0, None)
        results = []
        for line in data[: data.rfind(b"\n") + 1].splitlines():
            report = parse_report(line)
            if report is not None:
                iteration, time, metrics = report
                results.append(Result(trial_id, iteration, time or 0.0, metrics))
        return results

    def driver_alive(self) -> bool | None:
        return None

    def request_control(self, action: ControlAction, trial_id: str | None) -> int:
        """Always refused: plain Ray Tune files have no tuneterm driver to read requests."""
        raise ReadOnlySourceError(
            f"{self.path.name} is a plain Ray Tune directory, read-only: only sweeps started"
            f" with `tuneterm run` can be stopped, paused or resumed (not {action.value})"
        )

    def add_note(
        self,
        text: str,
        trial_id: str | None,
        iteration: int | None,
        kind: NoteKind = NoteKind.OBSERVATION,
    ) -> Note:
        raise self._read_only("notes")

    def add_hypothesis(self, hypothesis: Hypothesis) -> None:
        raise self._read_only("hypotheses")

    def record_verdict(
        self, hypothesis_id: str, verdict: Verdict, justification: str
    ) -> VerdictRecord:
        raise self._read_only("verdicts")

    def notebook(self) -> tuple[list[HypothesisEntry], list[Note]]:
        """Always empty: only a tuneterm store keeps a notebook."""
        return [], []

    def config(self) -> ExperimentConfig | None:
        return None

    def resource_samples(self, trial_id: str, since: float | None = None) -> list[ResourceSample]:
        """Always none: Ray Tune records no resource use per trial."""
        return []

    def latest_resource_samples(
        self, trial_ids: Iterable[str] | None = None
    ) -> dict[str, ResourceSample]:
        return {}

    def output_paths(self, trial_id: str) -> tuple[Path, Path] | None:
        """Ray's own `stdout` and `stderr` in the trial folder (`RunConfig(log_to_file=True)`
        writes them), if it has either; else None."""
        if trial_id not in self._by_id:
            self._discover(self._refresh_state())
        files = self._by_id.get(trial_id)
        if files is None:
            return None
        paths = (files.path / "stdout", files.path / "stderr")
        return paths if any(path.is_file() for path in paths) else None

    def mark_seen(self, at: float) -> None:
        """Nothing: a plain Ray Tune directory has no store to keep it in."""

    def _read_only(self, what: str) -> ReadOnlySourceError:
        return ReadOnlySourceError(
            f"{self.path.name} is a plain Ray Tune directory, read-only: only sweeps started"
            f" with `tuneterm run` keep {what}"
        )

    def close(self) -> None:
        """Nothing stays open between polls."""

    # -- following the files ---------------------------------------------------------------

    def _refresh_state(self) -> ExperimentState:
        """The newest experiment state file, parsed again only when it changed."""
        newest = newest_state_file(self.path)
        if newest is None:
            return self._state
        path, stat = newest
        key = (path.name, stat.st_mtime_ns, stat.st_size)
        if key != self._state_key:
            try:
                self._state = read_experiment_state(path.read_text(), stat.st_mtime)
                self._state_key = key
            except (OSError, ValueError):
                pass  # caught mid-write: the previous state stands until the next poll
        return self._state

    def _discover(self, state: ExperimentState) -> list[_TrialFiles]:
        """Known trials and those whose directory appeared since, in directory-name order."""
        trials = []
        for child in subdirectories(self.path):
            files = self._trials.get(child.name) or self._open_trial(child, state)
            if files is not None:
                trials.append(files)
        return trials

    def _open_trial(self, path: Path, state: ExperimentState) -> _TrialFiles | None:
        try:
            config = json.loads((path / "params.json").read_text())
        except (OSError, ValueError):
            return None  # not a trial, or params.json not written yet
        known = state.trials.get(path.name)
        trial_id = (known.trial_id if known else None) or trial_id_from(path)
        started_at = known.start_time if known and known.start_time else first_start(path)
        files = _TrialFiles(path, trial_id, config if isinstance(config, dict) else {}, started_at)
        self._trials[path.name] = files
        self._by_id[trial_id] = files
        return files

    def _poll_trial(
        self, files: _TrialFiles, state: ExperimentState, events: list[Event], limit: int
    ) -> bool:
        """Append the trial's new events; False if `limit` cut its results short."""
        known = state.trials.get(files.path.name)
        if not files.started:
            started = EventKind.TRIAL_STARTED
            self._emit(events, files.started_at, started, files.trial_id, None, files.start_data)
            files.started = True
        if not self._read_results(files, events, limit) or len(events) >= limit:
            return False
        self._follow_end(files, known.status if known else None, state.mtime, events)
        return True

    def _read_results(self, files: _TrialFiles, events: list[Event], limit: int) -> bool:
        path = files.path / "result.json"
        length = file_size(path)
        if length < files.offset:
            files.offset = 0  # rewritten (a re-sync): lines already seen come back and replace
        while files.offset < length and len(events) < limit:
            data = read_from(path, files.offset, _CHUNK)
            end = data.rfind(b"\n")
            if end < 0:
                return True  # only a partial line so far: keep it for the next poll
            for line in data[: end + 1].splitlines(keepends=True):
                if len(events) >= limit:
                    return False
                files.offset += len(line)
                self._emit_report(files, line, events)
            if len(data) < _CHUNK:
                break
        return files.offset >= length or len(events) < limit

    def _emit_report(self, files: _TrialFiles, line: bytes, events: list[Event]) -> None:
        report = parse_report(line, NOT_METRICS)
        if report is None:
            return
        iteration, time, metrics = report
        # Ray's timestamp has whole seconds: keep a trial's times in order and after its start.
        floor = files.last_time if files.last_time is not None else files.started_at
        time = floor if time is None else max(time, floor)
        files.last_iteration, files.last_time = max(files.last_iteration, iteration), time
        self._emit(events, time, EventKind.RESULT, files.trial_id, iteration, metrics)

    def _follow_end(
        self, files: _TrialFiles, status: str | None, state_mtime: float, events: list[Event]
    ) -> None:
        error_txt = files.path / "error.txt"
        end = trial_end(status, error_txt, state_mtime)
        if end is EndReason.COMPLETED and self._stopped_early(files):
            end = EndReason.SCHEDULER
        if end == files.ended:
            return
        at = files.last_time or state_mtime
        if end is None:  # Ray retries a failed trial: it runs again
            self._emit(events, at, EventKind.TRIAL_STARTED, files.trial_id, None, files.start_data)
        else:
            data = {"reason": end.value}
            if end is EndReason.ERROR:
                data["error"] = read_text(error_txt) or NO_ERROR_TEXT
            ended = EventKind.TRIAL_ENDED
            self._emit(events, at, ended, files.trial_id, files.last_iteration, data)
        files.ended = end

    def _report_status(self, status: SweepStatus, time: float | None, events: list[Event]) -> None:
        running = status is SweepStatus.RUNNING
        kind = EventKind.EXPERIMENT_STARTED if running else EventKind.EXPERIMENT_ENDED
        data = {} if running else {"status": status.value, "message": ""}
        self._emit(events, time or 0.0, kind, None, None, data)
        self._reported_status = status

    def _emit(
        self, events: list[Event], time: float, kind: str, trial_id: str | None,
        iteration: int | None, data: dict[str, Any],
    ) -> None:  # fmt: skip
        self._seq += 1
        events.append(Event(self._seq, time, kind, trial_id, iteration, data))

    # -- guesses ---------------------------------------------------------------------------

    def _tuner_facts(self) -> TunerFacts | None:
        """The saved tuner's facts, read once it exists (Ray writes it as the sweep starts)."""
        if not self._tuner_read:
            self._tuner = read_tuner_facts(self.path)
            self._tuner_read = self._tuner is not None or self._reported_status is not None
        return self._tuner

    def _stopped_early(self, files: _TrialFiles) -> bool:
        """Whether a trial Ray calls terminated ended short of the length a trial not stopped
        reaches, under a scheduler that stops trials early: ASHA's `max_t` (or the run's stop
        iteration), else the most iterations any trial reached."""
        tuner = self._tuner_facts()
        if tuner is None or not tuner.stops_early:
            return False
        length = tuner.max_t or max(self._state.longest, files.last_iteration)
        return 0 < files.last_iteration < length

    def _guess_metric(self) -> str:
        """The first preferred metric a trial reports, else its first non-Ray number."""
        for child in subdirectories(self.path):
            report = first_report(child / "result.json")
            if report:
                return guess_metric(numeric_metrics(report, skip=RAY_KEYS))
        return ""

    def _start_time(self, state: ExperimentState) -> float:
        """Ray's record of the sweep's start, else its first trial's, else the directory's."""
        if state.start_time is not None:
            return state.start_time
        starts = [files.started_at for files in self._trials.values()]
        return min(starts, default=file_mtime(self.path))
