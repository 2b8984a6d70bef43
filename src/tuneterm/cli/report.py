"""`tuneterm journal` and `tuneterm compare`: an experiment's journal, and experiments side by side.

Bad input is one line on stderr naming the path, and exit code 2, like the rest of the CLI.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from tuneterm.cli.usage import UsageError, print_error
from tuneterm.domain.config.spec import ConfigError
from tuneterm.domain.exit_codes import EXIT_USAGE
from tuneterm.domain.text import printable
from tuneterm.storage.experiment import ExperimentDir, default_root, list_experiments
from tuneterm.storage.store import StoreError

if TYPE_CHECKING:
    from tuneterm.cli.parser import Subparsers

# The journal's modules are imported by the commands that use them: every other command (and the
# dashboard's launch) builds this parser without paying for them.


def add_journal_parser(subparsers: Subparsers) -> None:
    journal = subparsers.add_parser(
        "journal", help="print an experiment's journal (Markdown), or write it to a file"
    )
    journal.add_argument(
        "directory",
        nargs="?",
        type=Path,
        default=None,
        help="experiment directory (default: the most recent experiment)",
    )
    target = journal.add_mutually_exclusive_group()
    target.add_argument(
        "--write",
        action="store_true",
        help="write journal.md in the experiment directory (never over edits made outside "
        "tuneterm: those are kept and the journal goes to journal.tuneterm.md), its figures "
        "drawn first into figures/ beside it",
    )
    target.add_argument("--output", type=Path, metavar="FILE", help="write the journal to FILE")
    journal.add_argument(
        "--compare",
        nargs="+",
        action="extend",
        default=[],
        metavar="DIR",
        help="compare with these earlier experiments (directories, or names looked up in the "
        "experiments' root) besides those of the config's compare_with",
    )


def add_compare_parser(subparsers: Subparsers) -> None:
    compare = subparsers.add_parser(
        "compare", help="set experiments side by side: best metric, trials, early stops, time"
    )
    compare.add_argument("directories", nargs="+", type=Path, help="experiment directories")
    compare.add_argument("--markdown", action="store_true", help="print a Markdown table")


def journal_command(args: argparse.Namespace) -> int:
    """Print the journal, or write it (--write: journal.md, --output FILE); --compare adds a
    comparison with earlier experiments."""
    from tuneterm.domain.journal.data import JournalError
    from tuneterm.storage.journal_service import JournalService

    try:
        compared = _compared(args)
        with JournalService(_experiment_path(args), compare=compared) as journal:
            if not args.write and args.output is None:
                sys.stdout.write(journal.markdown())
                return 0
            written = journal.write_with_figures(output=args.output)
    except (UsageError, JournalError, StoreError, ConfigError) as exc:
        return _fail(str(exc))
    print(printable(written.message))
    return 0


def compare_command(args: argparse.Namespace) -> int:
    """Print the experiments in `args.directories` side by side."""
    from tuneterm.domain.comparison import comparison_markdown, comparison_text
    from tuneterm.storage.comparison import experiment_row

    now = time.time()
    try:
        rows = [experiment_row(path, now) for path in args.directories]
    except StoreError as exc:
        return _fail(str(exc))
    print(comparison_markdown(rows) if args.markdown else comparison_text(rows))
    return 0


def _fail(message: str) -> int:
    print_error(" ".join(message.split()))
    return EXIT_USAGE


def _compared(args: argparse.Namespace) -> list[Path]:
    """The experiments named by --compare; UsageError (one line) for one that is none."""
    from tuneterm.storage.experiment_lookup import ExperimentNotFound, find_experiment

    root = (getattr(args, "root", None) or default_root()).expanduser()
    try:
        return [find_experiment(reference, root) for reference in args.compare]
    except ExperimentNotFound as exc:
        raise UsageError(f"--compare: {exc}") from None


def _experiment_path(args: argparse.Namespace) -> Path:
    if args.directory is not None:
        path = Path(args.directory).expanduser()
        if not ExperimentDir(path).store.is_file():
            raise UsageError(f"{path}: not a tuneterm experiment directory")
        return path
    root = (getattr(args, "root", None) or default_root()).expanduser()
    infos = list_experiments(root)
    if not infos:
        raise UsageError(f"no experiments under {root} (start one with: tuneterm run CONFIG)")
    return infos[-1].path
