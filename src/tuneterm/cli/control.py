"""`tuneterm stop`, `pause` and `resume-trial`: ask a sweep's driver to act on a trial (or all)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from tuneterm.cli.usage import UsageError
from tuneterm.domain.control import ControlAction
from tuneterm.domain.text import printable

CONTROL_ACTIONS = {
    "stop": ControlAction.STOP,
    "pause": ControlAction.PAUSE,
    "resume-trial": ControlAction.RESUME,
}

if TYPE_CHECKING:
    from tuneterm.cli.parser import Subparsers


def add_control_parsers(commands: Subparsers) -> None:
    stop = commands.add_parser(
        "stop", help="stop one trial now (reason: user), or the whole sweep with --all"
    )
    stop.add_argument("directory", type=Path, help="experiment directory")
    stop.add_argument("trial_id", nargs="?", default=None, help="trial id (or its unique suffix)")
    stop.add_argument("--all", action="store_true", help="stop every trial and end the sweep")
    pause = commands.add_parser(
        "pause", help="pause one trial: free its resources and hold it until resume-trial"
    )
    resume_trial = commands.add_parser(
        "resume-trial", help="resume a paused trial from its last reported checkpoint"
    )
    for command in (pause, resume_trial):
        command.add_argument("directory", type=Path, help="experiment directory")
        command.add_argument("trial_id", help="trial id (or its unique suffix)")


def control_command(args: argparse.Namespace, root: Path) -> int:
    """Send the request, wait for the driver to apply it, print the outcome."""
    from tuneterm.storage.requests import send

    request = send(args.directory, requested_action(args), args.trial_id)
    print(printable(request.message))
    return 0


def requested_action(args: argparse.Namespace) -> ControlAction:
    """The action the command line asks for; `stop --all` is the whole sweep."""
    action = CONTROL_ACTIONS[args.command]
    if action is ControlAction.STOP and args.all:
        if args.trial_id is not None:
            raise UsageError("stop: give a trial id or --all, not both")
        return ControlAction.STOP_ALL
    if args.trial_id is None:
        raise UsageError(f"{args.command}: which trial? (give its id; `stop --all` stops all)")
    return action
