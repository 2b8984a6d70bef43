"""`tuneterm journal` and `tuneterm compare`: an experiment's journal, and experiments side by side.

Bad input is one line on stderr naming the path, and exit code 2, like the rest of the CLI.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from tuneterm.domain.config.spec import ConfigError
from tuneterm.domain.text import printable
from tuneterm.storage.experiment import ExperimentDir, default_root, list_experiments
from tuneterm.storage.store import Store, StoreError

if TYPE_CHECKING:
    from tuneterm.storage.journal_file import JournalWritten

# The journal's modules are imported by the commands that use them: every other command (and the
# dashboard's launch) builds this parser without paying for them.

EXIT_USAGE = 2


class ReportError(Exception):
    """Bad input: printed as one line, exit code 2."""


def add_journal_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
        "tuneterm: those are kept and the journal goes to journal.tuneterm.md)",
    )
    target.add_argument("--output", type=Path, metavar="FILE", help="write the journal to FILE")


def add_compare_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    compare = subparsers.add_parser(
        "compare", help="set experiments side by side: best metric, trials, early stops, time"
    )
    compare.add_argument("directories", nargs="+", type=Path, help="experiment directories")
    compare.add_argument("--markdown", action="store_true", help="print a Markdown table")


def journal_command(args: argparse.Namespace) -> int:
    """Print the journal, or write it (--write: journal.md, --output FILE)."""
    from tuneterm.storage.journal_data import JournalError

    try:
        expdir = ExperimentDir(_experiment_path(args))
        text, written = _journal(expdir, write=args.write, output=args.output)
    except (ReportError, JournalError, StoreError, ConfigError) as exc:
        return _fail(str(exc))
    if written is None:
        sys.stdout.write(text)
    else:
        print(printable(written.message))
    return 0


def compare_command(args: argparse.Namespace) -> int:
    """Print the experiments in `args.directories` side by side."""
    from tuneterm.storage.comparison import comparison_markdown, comparison_text, experiment_row

    now = time.time()
    try:
        rows = [experiment_row(path, now) for path in args.directories]
    except StoreError as exc:
        return _fail(str(exc))
    print(comparison_markdown(rows) if args.markdown else comparison_text(rows))
    return 0


def _fail(message: str) -> int:
    print(f"error: {printable(' '.join(message.split()))}", file=sys.stderr)
    return EXIT_USAGE


def _experiment_path(args: argparse.Namespace) -> Path:
    if args.directory is not None:
        path = Path(args.directory).expanduser()
        if not ExperimentDir(path).store.is_file():
            raise ReportError(f"{path}: not a tuneterm experiment directory")
        return path
    root = (getattr(args, "root", None) or default_root()).expanduser()
    infos = list_experiments(root)
    if not infos:
        raise ReportError(f"no experiments under {root} (start one with: tuneterm run CONFIG)")
    return infos[-1].path


def _journal(
    expdir: ExperimentDir, write: bool, output: Path | None
) -> tuple[str, JournalWritten | None]:
    from tuneterm.domain.journal.render import render_journal
    from tuneterm.storage.journal_data import gather, load_experiment_config
    from tuneterm.storage.journal_file import JournalWritten, replace_atomically, write_journal

    config = load_experiment_config(expdir)
    with Store.open(expdir.store) as store:
        text = render_journal(gather(expdir, store, config, time.time()))
        if write or (output is not None and _same_file(output, expdir.journal)):
            return text, write_journal(expdir, text, store)
    if output is None:
        return text, None
    try:
        replace_atomically(output, text.encode("utf-8"))
    except OSError as exc:
        raise ReportError(f"{output}: cannot write: {exc.strerror or exc}") from None
    return text, JournalWritten(output, False, f"journal written to {output}")


def _same_file(left: Path, right: Path) -> bool:
    return left.expanduser().resolve() == right.resolve()
