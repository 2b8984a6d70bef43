"""The `tuneterm` command line: parse the arguments and hand them to their command.

Every command module is light to import; Ray, Textual and torch are imported by the commands
that use them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from tuneterm.cli.checks import check_command_line
from tuneterm.cli.control import CONTROL_ACTIONS, add_control_parsers, control_command
from tuneterm.cli.export import add_export_parser, export_command
from tuneterm.cli.logs import add_logs_parser, logs_command
from tuneterm.cli.ls import add_ls_parser, ls_command
from tuneterm.cli.parser import CommandLineParser
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
from tuneterm.cli.status import add_status_parser, status_command
from tuneterm.cli.usage import UsageError, fail, print_error
from tuneterm.domain.config.spec import ConfigError
from tuneterm.domain.exit_codes import EXIT_FAILED, EXIT_INTERRUPTED
from tuneterm.storage.experiment import RootError, default_root
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
    "status": status_command,
    "logs": logs_command,
    "export": export_command,
}


def parser() -> CommandLineParser:
    """The whole command line, its commands in the order `--help` lists them."""
    top = CommandLineParser(
        prog="tuneterm",
        description="Run and watch Ray Tune hyperparameter sweeps.",
        epilog="Exit codes: 0 done (a followed sweep finished or was stopped, with a result), "
        "1 the sweep failed, 2 bad input (nothing started), 130 interrupted (Ctrl-C).",
    )
    top.add_argument(
        "--root",
        type=Path,
        default=None,
        help="directory holding experiment directories "
        "(default: $TUNETERM_ROOT or ~/tuneterm-experiments)",
    )
    commands = top.add_commands()
    add_run_parser(commands)
    add_attach_parser(commands)
    add_ls_parser(commands)
    add_control_parsers(commands)
    add_resume_parser(commands)
    add_journal_parser(commands)
    add_compare_parser(commands)
    add_status_parser(commands)
    add_logs_parser(commands)
    add_export_parser(commands)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit code (README, "Exit codes"); bad input is one
    `error:` line and exit code 2, Ctrl-C exit code 130."""
    try:
        return run_command_line(sys.argv[1:] if argv is None else argv)
    except (ConfigError, UsageError, RequestRefused, RootError) as exc:
        fail(str(exc))
    except NoAnswer as exc:
        print_error(str(exc))
        return EXIT_FAILED
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def run_command_line(argv: Sequence[str]) -> int:
    """Parse `argv`, check its paths and address, then run its command."""
    args = parser().parse_command_line(argv)
    root = (args.root or default_root()).expanduser()
    check_command_line(args, root)
    return COMMANDS[args.command](args, root)
