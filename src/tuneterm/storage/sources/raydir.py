"""A sweep read from the files plain Ray Tune writes, for experiments run without tuneterm.

Ray Tune's `storage_path/<experiment>/` holds one directory per trial (`params.json`, `result.json`
with one JSON object per report, `error.txt` if it failed) and `experiment_state-<ts>.json`, whose
newest copy says each trial's status. `RayDirSource` follows those files as they grow and turns
them into the same events a tuneterm store holds. The state file is Ray-internal (read defensively);
`tuner.pkl` and the searcher state need Ray to unpickle, so the metric and mode may be guessed.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tuneterm.domain.config.spec import ExperimentConfig, Hypothesis
from tuneterm.domain.control import ControlAction
from tuneterm.domain.events import Event, EventKind
from tuneterm.domain.hypotheses.notebook import HypothesisEntry, Note, VerdictRecord
from tuneterm.domain.hypotheses.verdict import Verdict
from tuneterm.domain.ray_result import (
    NO_ERROR_TEXT,
    NOT_METRICS,
    RAY_KEYS,
    STATE_GLOB,
    numeric_metrics,
)
from tuneterm.domain.status import EndReason
from tuneterm.domain.trial import Result

PREFERRED_METRICS = ("accuracy", "mean_accuracy", "score", "loss", "val_loss")
"""The metric guessed for a sweep whose own choice is pickled away: the first one reported."""
_UNFINISHED = frozenset({"RUNNING", "PENDING"})
_DECIDED = frozenset({"TERMINATED", "ERROR"})
_RETRYABLE = _UNFINISHED | {"PAUSED"}
_TRIAL_ID_IN_NAME = re.compile(r"_([0-9a-f]{5}_\d{5})(?:_|$)")
_CHUNK = 4 << 20


class ReadOnlySourceError(Exception):
    """A control request sent to a source that has no tuneterm driver to apply it."""


def is_ray_experiment(path: Path) -> bool:
    """Whether `path` looks like one Ray Tune experiment directory."""
    if not path.is_dir():
        return False
    if any(path.glob(STATE_GLOB)) or (path / "tuner.pkl").is_file():
        return True
    return any(_is_trial_dir(child) for child in _subdirectories(path))


def ray_experiments(path: Path) -> list[Path]:
    """`path` itself if it is a Ray Tune experiment, else the experiments directly inside it."""
    if is_ray_experiment(path):
        return [path]
    if not path.is_dir():
        return []
    return [child for child in _subdirectories(path) if is_ray_experiment(child)]


def _subdirectories(path: Path) -> list[Path]:
    """Subdirectories in name order (scandir: no stat per entry on most filesystems)."""
    try:
        with os.scandir(path) as entries:
            return sorted(Path(entry.path) for entry in entries if entry.is_dir())
    except OSError:
        return []


def _is_trial_dir(path: Path) -> bool:
    return (path / "params.json").is_file() or (path / "result.json").is_file()


@dataclass
class _TrialState:
    """What the newest experiment state file says about one trial."""

    trial_id: str | None
    status: str
    start_time: float | None


@dataclass
class _ExperimentState:
    """The parts of Ray's experiment state file a monitor needs (its format is Ray-internal)."""

    trials: dict[str, _TrialState] = field(default_factory=dict)
    """By trial directory name (Ray's `relative_logdir`)."""
    metric: str | None = None
    start_time: float | None = None
    mtime: float = 0.0

    @property
    def finished(self) -> bool:
        return bool(self.trials) and all(t.status not in _UNFINISHED for t in self.trials.values())


def read_experiment_state(text: str, mtime: float = 0.0) -> _ExperimentState:
    """Parse one `experiment_state-*.json`; whatever is missing or odd is left out."""
    data = json.loads(text)
    state = _ExperimentState(mtime=mtime)
    if not isinstance(data, dict):
        return state
    runner = _mapping(data.get("runner_data"))
    metric = runner.get("_metric")
    state.metric = metric if isinstance(metric, str) and metric else None
    start = _mapping(data.get("stats")).get("start_time", runner.get("_start_time"))
    state.start_time = float(start) if isinstance(start, int | float) else None
    items = data.get("trial_data")
    for item in items if isinstance(items, list) else []:
        trial, runtime = _trial_item(item)
        logdir = trial.get("relative_logdir")
        if isinstance(logdir, str):
            start_time = runtime.get("start_time")
            state.trials[Path(logdir).name] = _TrialState(
                trial_id=str(trial["trial_id"]) if "trial_id" in trial else None,
                status=str(trial.get("status", "")),
                start_time=float(start_time) if isinstance(start_time, int | float) else None,
            )
    return state


def _trial_item(item: Any) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    """One entry of `trial_data`: [trial JSON, runtime metadata JSON] in Ray 2.x."""
    parts = list(item) if isinstance(item, list | tuple) else [item]
    decoded = [_mapping(_decoded(part)) for part in parts[:2]]
    return decoded[0] if decoded else {}, decoded[1] if len(decoded) > 1 else {}


def _decoded(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


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
        self._state = _ExperimentState()
        self._state_key: tuple[str, int, int] | None = None
        self._metric: str | None = None
        self._reported_status: str | None = None

    # -- the EventSource protocol ----------------------------------------------------------

    def meta(self) -> dict[str, Any]:
        """Name (the directory's), metric and mode (Ray's if recorded, else guessed), status."""
        state = self._refresh_state()
        if state.metric is None and self._metric is None:
            self._metric = self._guess_metric() or None
        metric = state.metric or self._metric or ""
        meta: dict[str, Any] = {
            "name": self.path.name,
            "metric": metric,
            "mode": guess_mode(metric),
            "status": _status(state),
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
            self._report_status("running", self._start_time(state), events)
        complete = True
        for files in trials:
            if len(events) >= limit:
                complete = False
                break
            complete = self._poll_trial(files, state, events, limit) and complete
        if complete and len(events) < limit:
            status = _status(state)
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
        data = _read_from(files.path / "result.json", 0, None)
        results = []
        for line in data[: data.rfind(b"\n") + 1].splitlines():
            report = _parse_report(line)
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

    def add_note(self, text: str, trial_id: str | None, iteration: int | None) -> Note:
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

    def _read_only(self, what: str) -> ReadOnlySourceError:
        return ReadOnlySourceError(
            f"{self.path.name} is a plain Ray Tune directory, read-only: only sweeps started"
            f" with `tuneterm run` keep {what}"
        )

    def close(self) -> None:
        """Nothing stays open between polls."""

    # -- following the files ---------------------------------------------------------------

    def _refresh_state(self) -> _ExperimentState:
        """The newest experiment state file, parsed again only when it changed."""
        newest = _newest_state_file(self.path)
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

    def _discover(self, state: _ExperimentState) -> list[_TrialFiles]:
        """Known trials and those whose directory appeared since, in directory-name order."""
        trials = []
        for child in _subdirectories(self.path):
            files = self._trials.get(child.name) or self._open_trial(child, state)
            if files is not None:
                trials.append(files)
        return trials

    def _open_trial(self, path: Path, state: _ExperimentState) -> _TrialFiles | None:
        try:
            config = json.loads((path / "params.json").read_text())
        except (OSError, ValueError):
            return None  # not a trial, or params.json not written yet
        known = state.trials.get(path.name)
        trial_id = (known.trial_id if known else None) or _trial_id_from(path)
        started_at = known.start_time if known and known.start_time else _first_start(path)
        files = _TrialFiles(path, trial_id, config if isinstance(config, dict) else {}, started_at)
        self._trials[path.name] = files
        self._by_id[trial_id] = files
        return files

    def _poll_trial(
        self, files: _TrialFiles, state: _ExperimentState, events: list[Event], limit: int
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
        size = _size(path)
        if size < files.offset:
            files.offset = 0  # rewritten (a re-sync): lines already seen come back and replace
        while files.offset < size and len(events) < limit:
            data = _read_from(path, files.offset, _CHUNK)
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
        return files.offset >= size or len(events) < limit

    def _emit_report(self, files: _TrialFiles, line: bytes, events: list[Event]) -> None:
        report = _parse_report(line, NOT_METRICS)
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
        error_mtime = None if status in _DECIDED else _mtime(error_txt)
        end = _end_reason(status, error_mtime, state_mtime)
        if end == files.ended:
            return
        at = files.last_time or state_mtime
        if end is None:  # Ray retries a failed trial: it runs again
            self._emit(events, at, EventKind.TRIAL_STARTED, files.trial_id, None, files.start_data)
        else:
            data = {"reason": end.value}
            if end is EndReason.ERROR:
                data["error"] = _read_text(error_txt) or NO_ERROR_TEXT
            ended = EventKind.TRIAL_ENDED
            self._emit(events, at, ended, files.trial_id, files.last_iteration, data)
        files.ended = end

    def _report_status(self, status: str, time: float | None, events: list[Event]) -> None:
        kind = EventKind.EXPERIMENT_STARTED if status == "running" else EventKind.EXPERIMENT_ENDED
        data = {} if status == "running" else {"status": status, "message": ""}
        self._emit(events, time or 0.0, kind, None, None, data)
        self._reported_status = status

    def _emit(
        self, events: list[Event], time: float, kind: str, trial_id: str | None,
        iteration: int | None, data: dict[str, Any],
    ) -> None:  # fmt: skip
        self._seq += 1
        events.append(Event(self._seq, time, kind, trial_id, iteration, data))

    # -- guesses ---------------------------------------------------------------------------

    def _guess_metric(self) -> str:
        """The first preferred metric a trial reports, else its first non-Ray number."""
        for child in _subdirectories(self.path):
            report = _first_line(child / "result.json")
            if report:
                return guess_metric(numeric_metrics(report, skip=RAY_KEYS))
        return ""

    def _start_time(self, state: _ExperimentState) -> float:
        """Ray's record of the sweep's start, else its first trial's, else the directory's."""
        if state.start_time is not None:
            return state.start_time
        starts = [files.started_at for files in self._trials.values()]
        return min(starts, default=_mtime(self.path))


def guess_metric(metrics: Mapping[str, float]) -> str:
    """The first of `PREFERRED_METRICS` in `metrics`, else its first non-Ray key, else ""."""
    for name in PREFERRED_METRICS:
        if name in metrics:
            return name
    return next((name for name in metrics if name not in RAY_KEYS), "")


def guess_mode(metric: str) -> str:
    """Mode "min" for losses and errors, else "max"."""
    lowered = metric.lower()
    return "min" if "loss" in lowered or "error" in lowered else "max"


def _status(state: _ExperimentState) -> str:
    return "finished" if state.finished else "running"


def _end_reason(
    status: str | None, error_mtime: float | None, state_mtime: float
) -> EndReason | None:
    """How the files say a trial ended; None while it runs (or is about to run again)."""
    if status == "TERMINATED":
        return EndReason.COMPLETED
    if status == "ERROR":
        return EndReason.ERROR
    if not error_mtime:
        return None
    # error.txt with the state saying RUNNING: a retry if the state is the newer file, else a
    # state written before the failure (or by a driver that died).
    return None if status in _RETRYABLE and state_mtime >= error_mtime else EndReason.ERROR


def _parse_report(
    line: bytes, skip: frozenset[str] = NOT_METRICS
) -> tuple[int, float | None, dict[str, float]] | None:
    """(iteration, time, metrics) of one result.json line; None for a blank or broken line."""
    try:
        report = json.loads(line)
    except ValueError:
        return None
    if not isinstance(report, dict):
        return None
    iteration = report.get("training_iteration")
    time = report.get("timestamp")
    return (
        iteration if isinstance(iteration, int) and iteration >= 0 else 0,
        float(time) if isinstance(time, int | float) else None,
        numeric_metrics(report, skip=skip),
    )


def _trial_id_from(path: Path) -> str:
    """Ray names trial directories `<trainable>_<trial_id>_<n>_<tag>_<date>`; else the name."""
    found = _TRIAL_ID_IN_NAME.search(path.name)
    if found:
        return found.group(1)
    trial_id = _first_line(path / "result.json").get("trial_id")
    return str(trial_id) if trial_id else path.name


def _first_start(path: Path) -> float:
    """When the first report says the trial started, else when params.json was written."""
    report = _first_line(path / "result.json")
    stamp, total = report.get("timestamp"), report.get("time_total_s", 0.0)
    if isinstance(stamp, int | float) and isinstance(total, int | float):
        return float(stamp) - float(total)
    return _mtime(path / "params.json")


def _first_line(path: Path) -> dict[str, Any]:
    """The first complete JSON object of a result.json ({} if none yet)."""
    data = _read_from(path, 0, 1 << 16)
    end = data.find(b"\n")
    try:
        report = json.loads(data[:end]) if end >= 0 else None
    except ValueError:
        return {}
    return report if isinstance(report, dict) else {}


def _newest_state_file(path: Path) -> tuple[Path, os.stat_result] | None:
    found = []
    for candidate in path.glob(STATE_GLOB):
        try:
            found.append((candidate.stat().st_mtime_ns, candidate.name, candidate))
        except OSError:
            continue
    if not found:
        return None
    newest = max(found)[2]
    try:
        return newest, newest.stat()
    except OSError:
        return None


def _read_from(path: Path, offset: int, size: int | None) -> bytes:
    try:
        with open(path, "rb") as file:
            file.seek(offset)
            return file.read(-1 if size is None else size)
    except OSError:
        return b""


def _read_text(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
