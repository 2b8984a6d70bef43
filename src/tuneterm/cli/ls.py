"""`tuneterm ls`: one aligned line per experiment under the root."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TYPE_CHECKING

from tuneterm.domain.text import aligned, format_value, printable
from tuneterm.storage.experiment import ExperimentInfo, list_experiments

if TYPE_CHECKING:
    from tuneterm.cli.parser import Subparsers

HEADINGS = ("NAME", "STATUS", "TRIALS", "BEST", "STARTED", "DIRECTORY")


def add_ls_parser(commands: Subparsers) -> None:
    ls = commands.add_parser("ls", help="list experiments")
    ls.add_argument("--json", action="store_true", help="print the tuneterm.ls/1 JSON document")


def ls_command(args: argparse.Namespace, root: Path) -> int:
    """Print every experiment under `root`, oldest first, or say there are none."""
    infos = list_experiments(root)
    if args.json:
        from tuneterm.cli.json_output import ls_document, print_json

        print_json(ls_document(root, infos))
        return 0
    if not infos:
        print(f"No experiments under {root}")
        return 0
    print(aligned([HEADINGS, *(ls_row(info) for info in infos)]))
    return 0


def ls_row(info: ExperimentInfo) -> tuple[str, ...]:
    """One experiment's cells, control characters made visible."""
    best = (
        f"{info.metric}={format_value(info.best_metric)}" if info.best_metric is not None else "-"
    )
    started = (
        time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(info.started_at))
        if info.started_at
        else "-"
    )
    return (
        printable(info.name),
        info.status,
        str(info.trials),
        printable(best),
        started,
        str(info.path),
    )
