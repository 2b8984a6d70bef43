"""Helpers shared by the tests that run tuneterm's command line against real sweeps, some of
them in a real pseudo-terminal read through a VT100 emulator."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyte
from ptyprocess import PtyProcess

from tuneterm.storage.experiment import ExperimentDir


def tuneterm(
    *args: str, cwd: Path, root: Path, timeout: float = 240
) -> subprocess.CompletedProcess[str]:
    """Run `python -m tuneterm ARGS` with experiments under `root`."""
    env = {**os.environ, "TUNETERM_ROOT": str(root)}
    return subprocess.run(
        [sys.executable, "-m", "tuneterm", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def only_experiment(root: Path) -> ExperimentDir:
    [path] = [p for p in root.iterdir() if p.is_dir()]
    return ExperimentDir(path)


def ray_results(expdir: ExperimentDir) -> dict[str, list[dict[str, float]]]:
    """trial_id -> its results, from Ray's own result.json files."""
    by_trial = {}
    for result_file in expdir.ray_storage.glob("sweep/*/result.json"):
        rows = [json.loads(line) for line in result_file.read_text().splitlines() if line]
        if rows:
            by_trial[rows[0]["trial_id"]] = rows
    return by_trial


def wait_for(predicate: Callable[[], object], timeout: float, interval: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"condition not met in {timeout} s")


@dataclass(frozen=True)
class ScreenText:
    """What a terminal shows at one moment, one string per screen row."""

    lines: tuple[str, ...]

    def __str__(self) -> str:
        return "\n".join(self.lines)

    @property
    def header(self) -> str:
        return self.lines[0]

    @property
    def footer(self) -> str:
        return self.lines[-1]

    def row(self, trial_id: str) -> list[str]:
        """The cells of the one table row for `trial_id`, from its id on (past the best mark)."""
        rows = [line.split() for line in self.lines if trial_id in line.split()[:2]]
        assert len(rows) == 1, f"{len(rows)} table rows for trial {trial_id}"
        return rows[0][rows[0].index(trial_id) :]

    def line_with(self, text: str) -> int:
        """The index of the first line holding `text`."""
        found = [i for i, line in enumerate(self.lines) if text in line]
        assert found, f"no line shows {text!r}"
        return found[0]


def assert_sweep_header(screen: ScreenText, name: str, status: str) -> None:
    """The dashboard's first line names the sweep, then gives its status."""
    words = screen.header.split()
    assert words[:2] == [name, status], f"header: {screen.header!r}"


def assert_footer_keys(screen: ScreenText, *keys: str) -> None:
    """The key footer (the last line) offers each of `keys`, e.g. "q Quit"."""
    missing = [key for key in keys if key not in screen.footer]
    assert not missing, f"footer {screen.footer!r} lacks {missing}"


class Terminal:
    """A child process on a pty, its output fed to a VT100 emulator."""

    def __init__(
        self, argv: list[str], cwd: Path, env: dict[str, str], size: tuple[int, int]
    ) -> None:
        rows, cols = size
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.process = PtyProcess.spawn(argv, cwd=str(cwd), env=env, dimensions=(rows, cols))
        self.raw = bytearray()

    def pump(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([self.process.fd], [], [], min(left, 0.05))
            if not ready:
                continue
            try:
                chunk = os.read(self.process.fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.raw += chunk
            self.stream.feed(chunk)

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def shown(self) -> ScreenText:
        return ScreenText(tuple(self.screen.display))

    def wait_for_text(self, predicate: Callable[[str], bool], timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pump(0.2)
            if predicate(self.text()):
                return self.text()
        raise AssertionError(f"screen never matched; it shows:\n{self.text()}")

    def wait_for_screen(self, check: Callable[[ScreenText], None], timeout: float) -> ScreenText:
        """Pump output until `check` passes on the screen (raises no AssertionError); fail with
        its last complaint and the screen if it never does, or once the process has exited."""
        deadline = time.monotonic() + timeout
        while True:
            self.pump(0.2)
            screen = self.shown()
            try:
                check(screen)
                return screen
            except AssertionError as exc:
                if time.monotonic() >= deadline or not self.process.isalive():
                    raise AssertionError(f"{exc}\nThe screen shows:\n{screen}") from None
