"""The `tuneterm` command line: parse the arguments and hand them to their command.

Every command module is light to import; Ray, Textual and torch are imported by the commands
that use them.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path

from tuneterm.cli.control import CONTROL_ACTIONS, add_control_parsers, control_command
from tuneterm.cli.ls import add_ls_parser, ls_command
from tuneterm.cli.report import (
    add_compare_parser,
    add_journal_parser,
    compare_command,
    journal_command,
)
from tuneterm.cli.run import (
    add_attach_parser,
    add_resume_parser,
    add_run_parser,
    attach_command,
    resume_command,
    run_command,
)
from tuneterm.cli.usage import UsageError, fail, print_error
from tuneterm.domain.config.spec import ConfigError
from tuneterm.storage.experiment import default_root
from tuneterm.storage.requests import NoAnswer, RequestRefused

Command = Callable[[argparse.Namespace, Path], int]
"""A command: the parsed arguments and the experiments' root in, the exit code out."""

COMMANDS: dict[str, Command] = {
    "run": run_command,
    "attach": attach_command,
    "resume": resume_command,
    "ls": ls_command,
    **dict.fromkeys(CONTROL_ACTIONS, control_command),
    "journal": lambda args, _root: journal_command(args),
    "compare": lambda args, _root: compare_command(args),
}


def parser() -> argparse.ArgumentParser:
    """The whole command line, its commands in the order `--help` lists them."""
    top = argparse.ArgumentParser(
        prog="tuneterm", description="Run and watch Ray Tune hyperparameter sweeps."
    )
    top.add_argument(
        "--root",
        type=Path,
        default=None,
        help="directory holding experiment directories "
        "(default: $TUNETERM_ROOT or ~/tuneterm-experiments)",
    )
    commands = top.add_subparsers(dest="command", required=True)
    add_run_parser(commands)
    add_attach_parser(commands)
    add_ls_parser(commands)
    add_control_parsers(commands)
    add_resume_parser(commands)
    add_journal_parser(commands)
    add_compare_parser(commands)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; bad input is one `error:` line and exit code 2."""
    args = parser().parse_args(argv)
    root = (args.root or default_root()).expanduser()
    try:
        return COMMANDS[args.command](args, root)
    except (ConfigError, UsageError, RequestRefused) as exc:
        fail(str(exc))
    except NoAnswer as exc:
        print_error(str(exc))
        return 1
