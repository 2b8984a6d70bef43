"""`FigureRunner`: starts the process that draws an experiment's figures
(`python -m tuneterm.storage.figure_job DIR`), one at a time, and notes how it ended.

Figures are drawn in a process of their own so that matplotlib is never imported by the driver or
the dashboard, and a drawing, however slow, never holds up the driver's result callback (the
process also lowers its own priority). A process that dies without recording what happened has
its exit code and last line of output recorded in the manifest here, so the journal says so.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from collections.abc import Callable, Sequence

from tuneterm.domain.text import one_line
from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.figure_files import LOG, QUIET_KINDS, figures_dir, record_problem

JOB_MODULE = "tuneterm.storage.figure_job"


class FigureRunner:
    """At most one figure process of one experiment at a time; not thread-safe (one owner)."""

    def __init__(
        self,
        expdir: ExperimentDir,
        command: Sequence[str] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`command` replaces the figure process (tests); the experiment directory is appended."""
        self.expdir = expdir
        self._command = list(command or [sys.executable, "-m", JOB_MODULE])
        self._clock = clock
        self._process: subprocess.Popen[bytes] | None = None
        self._began = 0.0
        self.started = 0
        """How many processes this runner started."""
        self.cost = 0.0
        """Seconds the last finished process took."""
        self._finished = False

    @property
    def running(self) -> bool:
        """Whether a process this runner started has not ended yet (one that has is reaped)."""
        if self._process is not None and self._process.poll() is not None:
            self._ended(self._process.returncode)
        return self._process is not None

    def start(self, *, journal: bool = False, detached: bool = False) -> bool:
        """Start drawing unless a process is still running; whether one was started. `journal`:
        the process re-renders journal.md once drawn; `detached`: in a session of its own, so
        that it finishes even if the caller (a dashboard) exits first."""
        if self.running:
            return False
        directory = figures_dir(self.expdir)
        directory.mkdir(mode=0o700, exist_ok=True)
        command = [*self._command, str(self.expdir.path), *(["--journal"] if journal else [])]
        with open(directory / LOG, "wb") as log:
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=detached,
                close_fds=True,
            )
        self._began = time.monotonic()
        self.started += 1
        return True

    def finished(self) -> bool:
        """True once after each process ends: new figures (or a failure) to show."""
        if self.running:
            return False
        finished, self._finished = self._finished, False
        return finished

    def wait(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for the process; one that takes longer is killed and
        its failure recorded. Whether a process ended (False when none was running)."""
        process = self._process
        if process is None:
            return False
        try:
            code = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            self._ended(None)
            self._say(f"figures not drawn: the figure process took over {timeout:.0f} s")
            return True
        self._ended(code)
        return True

    def _ended(self, code: int | None) -> None:
        self._process, self._finished = None, True
        self.cost = time.monotonic() - self._began
        if code not in (0, None):
            self._say(f"figures not drawn: the figure process exited with code {code}")

    def _say(self, problem: str) -> None:
        # A directory that is gone has no journal to tell either.
        with contextlib.suppress(OSError):
            record_problem(self.expdir, problem + self._last_line(), self._clock())

    def _last_line(self) -> str:
        try:
            text = (figures_dir(self.expdir) / LOG).read_bytes()[-2000:].decode("utf-8", "replace")
        except OSError:
            return ""
        lines = [line for line in text.splitlines() if line.strip()]
        return f" ({one_line(lines[-1], 200)})" if lines else ""


COST_FACTOR = 10.0
"""The gap between two drawings is at least this many times what the last one took."""


class FigureSchedule:
    """When a running sweep's figures are due: after news that changes them, at most every
    `interval` seconds (the first one `interval` seconds in) and never sooner than ten times what
    the last drawing took; one process at a time; once more when the sweep has ended."""

    def __init__(
        self,
        runner: FigureRunner,
        interval: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.runner = runner
        self._interval, self._clock = interval, clock
        self._started_at = clock()
        self._news = False

    def note(self, kinds: set[str]) -> None:
        """Events the store recorded since the last call."""
        self._news = self._news or bool(kinds - QUIET_KINDS)

    def step(self) -> bool:
        """Start a drawing if one is due; True when one has ended since the last step (the
        journal then has new figures, or a failure, to show)."""
        finished = self.runner.finished()
        if self._news and not self.runner.running and self._due():
            self._start()
        return finished

    def _due(self) -> bool:
        gap = self._clock() - self._started_at
        return gap >= max(self._interval, COST_FACTOR * self.runner.cost)

    def _start(self) -> None:
        self._news = False
        self._started_at = self._clock()
        # No figures (a directory gone, no interpreter to start) must never cost the text.
        with contextlib.suppress(OSError):
            self.runner.start()

    def finish(self, timeout: float) -> bool:
        """The sweep ended: let a running drawing end, then draw once more from the final store,
        each within `timeout` seconds. True when figures were drawn (or their failure noted)."""
        self.runner.wait(timeout)
        self.runner.finished()
        self._start()
        return self.runner.wait(timeout)
