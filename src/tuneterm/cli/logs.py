"""`tuneterm logs DIR TRIAL [--follow]`: what a trial printed, stdout and stderr in arrival order.

Lines come from `EXPERIMENT/logs/<trial_id>/` (storage.trial_output), stderr's marked `stderr| `
(in red on a terminal); control characters and escape sequences are shown escaped, never obeyed.
With `--follow`, new lines appear as the driver writes them (within about 0.5 s of the trial
printing them) until the trial or the sweep ends.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from tuneterm.cli.usage import UsageError
from tuneterm.domain.status import TrialStatus, is_live
from tuneterm.domain.text import printable

if TYPE_CHECKING:
    from tuneterm.cli.parser import Subparsers
    from tuneterm.storage.output_merge import InterleavedFollower
    from tuneterm.storage.store import Store
    from tuneterm.storage.trial_output import OutputLine

POLL_INTERVAL_S = 0.05
"""How often `--follow` looks for new output."""
END_GRACE_S = 1.0
"""How long `--follow` goes on reading after the trial ended: its last batch is on its way."""
STDERR_MARK = "stderr| "
RED, RESET = "\x1b[31m", "\x1b[0m"


def add_logs_parser(commands: Subparsers) -> None:
    logs = commands.add_parser(
        "logs", help="print a trial's stdout and stderr in the order printed (stderr marked)"
    )
    logs.add_argument("directory", type=Path, help="experiment directory")
    logs.add_argument("trial_id", help="trial id (or its unique suffix)")
    logs.add_argument(
        "--follow", action="store_true", help="keep printing new lines until the trial ends"
    )


def logs_command(args: argparse.Namespace, root: Path) -> int:
    """Print the trial's output so far; with --follow, go on until the trial or sweep ends."""
    from tuneterm.storage.output_merge import InterleavedFollower
    from tuneterm.storage.requests import RequestRefused, open_store
    from tuneterm.storage.trial_output import output_paths

    directory = Path(args.directory).expanduser()
    try:
        store = open_store(directory)
    except RequestRefused as exc:
        raise UsageError(f"logs: {exc}") from None
    with store:
        trial_id = resolve_trial(store, args.trial_id)
        follower = InterleavedFollower(*output_paths(directory, trial_id))
        out = LinePrinter(sys.stdout)
        out.write_all(follower)
        if args.follow:
            follow(follower, out, lambda: output_ended(store, trial_id))
        out.write(follower.flush())
    return 0


def resolve_trial(store: Store, reference: str) -> str:
    """The id of the one trial `reference` names (its id, or a unique suffix, as `stop` takes);
    UsageError for none or several."""
    from tuneterm.storage.requests import find_trial

    trials = store.trials()
    trial = find_trial(trials, reference)
    if trial is not None:
        return trial.trial_id
    matching = [t.trial_id for t in trials if t.trial_id.endswith(reference)]
    shown = printable(reference, escape_layout=True)
    if not matching:
        raise UsageError(f"logs: no trial {shown!r} in this experiment")
    listed = ", ".join(matching[:5]) + (", ..." if len(matching) > 5 else "")
    raise UsageError(f"logs: {shown!r} matches {len(matching)} trials ({listed}); give more of it")


def output_ended(store: Store, trial_id: str) -> bool:
    """Whether the trial has ended, or the sweep is no longer running."""
    from tuneterm.storage.liveness import effective_status

    rows = store.query("SELECT status FROM trials WHERE trial_id = ?", (trial_id,))
    if rows and rows[0][0] == TrialStatus.ENDED.value:
        return True
    return not is_live(effective_status(store.meta()))


def follow(
    follower: InterleavedFollower,
    out: LinePrinter,
    ended: Callable[[], bool],
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Print new lines as they come until `ended()`, and for `END_GRACE_S` after."""
    ended_at: float | None = None
    while True:
        got_lines = out.write_all(follower)
        if ended_at is None and ended():
            ended_at = clock()
        elif ended_at is not None and not got_lines and clock() - ended_at >= END_GRACE_S:
            return
        time.sleep(POLL_INTERVAL_S)


class LinePrinter:
    """Writes output lines to a text stream, escaped, stderr's marked (red on a terminal)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        isatty = getattr(stream, "isatty", None)
        colour = bool(isatty and isatty())
        self._mark = f"{RED}{STDERR_MARK}{RESET}" if colour else STDERR_MARK

    def write(self, lines: Iterable[OutputLine]) -> int:
        """Print `lines`; returns how many."""
        from tuneterm.storage.trial_output import STDERR

        text = [
            (self._mark if line.stream == STDERR else "") + printable(line.text) + "\n"
            for line in lines
        ]
        if text:
            self._stream.write("".join(text))
            self._stream.flush()
        return len(text)

    def write_all(self, follower: InterleavedFollower) -> bool:
        """Print every complete line the follower has; whether there were any."""
        printed = False
        while self.write(follower.read_new()):
            printed = True
        return printed
