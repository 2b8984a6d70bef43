"""`tuneterm run`, `resume` and `attach`: start or continue a sweep, and watch one.

Ray, Textual and the trainables are imported by the commands that need them, so that building the
parser (and every other command) stays light.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from tuneterm.cli.usage import UsageError
from tuneterm.domain.config.spec import ExperimentConfig
from tuneterm.domain.exit_codes import EXIT_INTERRUPTED, EXIT_OK
from tuneterm.domain.status import SweepStatus
from tuneterm.storage.experiment import ExperimentDir, list_experiments
from tuneterm.storage.store import Store

if TYPE_CHECKING:
    from tuneterm.cli.parser import Subparsers
    from tuneterm.storage.sources.protocol import EventSource


def add_run_parser(commands: Subparsers) -> None:
    run = commands.add_parser("run", help="validate a config and start its sweep")
    run.add_argument(
        "config",
        nargs="?",
        type=Path,
        default=None,
        help="experiment TOML (default: the shipped configs/default.toml)",
    )
    run.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config key, e.g. --set experiment.num_samples=4",
    )
    run.add_argument(
        "--headless",
        action="store_true",
        help="print one plain line per trial event instead of the dashboard",
    )
    run.add_argument(
        "--detach", action="store_true", help="start the sweep in the background and return at once"
    )
    run.add_argument(
        "--address",
        default=None,
        metavar="HOST:PORT",
        help="run on an existing Ray cluster instead of a local one",
    )


def add_attach_parser(commands: Subparsers) -> None:
    attach = commands.add_parser(
        "attach", help="open the dashboard on an experiment (running, finished or crashed)"
    )
    attach.add_argument(
        "directory",
        nargs="?",
        type=Path,
        default=None,
        help="experiment directory, or a plain Ray Tune experiment directory "
        "(default: the most recent experiment)",
    )


def add_resume_parser(commands: Subparsers) -> None:
    resume = commands.add_parser(
        "resume", help="continue a crashed or stopped sweep in a new driver"
    )
    resume.add_argument("directory", type=Path, help="experiment directory")
    resume.add_argument(
        "--address", default=None, metavar="HOST:PORT", help="Ray cluster (default: as before)"
    )
    resume.add_argument(
        "--headless", action="store_true", help="print one plain line per trial event"
    )
    resume.add_argument("--detach", action="store_true", help="return at once")


def run_command(args: argparse.Namespace, root: Path) -> int:
    """Check the config and where it will run, create the experiment, start its driver."""
    # The config's checks are loaded here: attaching a dashboard never needs them.
    from tuneterm.cli.preflight import check_local_resources, load_run_config
    from tuneterm.runner.launch import start_driver

    config_path, config = load_run_config(args.config, args.overrides, root)
    address = args.address
    if address is None:
        check_local_resources(config_path, config, args.overrides)
    else:
        address = reachable_address(address)
    warn_if_network_root(root)
    expdir = create_experiment(root, config_path, config)
    return watch(args, expdir, start_driver(expdir, address))


def reachable_address(address: str, context: str = "") -> str:
    """`address` ("auto" resolved) once something answers there like Ray; UsageError if not."""
    from tuneterm.runner.launch import check_reachable, resolve_auto

    resolved = resolve_auto(address)
    if resolved is None:
        raise UsageError(f"{context}--address auto: no Ray cluster was started on this machine")
    if (problem := check_reachable(resolved)) is not None:
        tried = f" ({resolved})" if resolved != address else ""
        raise UsageError(f"{context}--address {address}{tried}: {problem}")
    return resolved


def warn_if_network_root(root: Path) -> None:
    """SQLite's write-ahead log needs the store on a local disk: say so for a network mount."""
    from tuneterm.storage.ray_storage import NETWORK_FILE_SYSTEMS, file_system_type

    kind = file_system_type(str(root.resolve()))
    if kind in NETWORK_FILE_SYSTEMS:
        print(
            f"warning: {root} is on a network file system ({kind}); the experiment's store"
            " (SQLite) needs a local disk: use --root on a local one, and [storage] path for"
            " what the cluster's nodes share",
            file=sys.stderr,
        )


def resume_command(args: argparse.Namespace, root: Path) -> int:
    """Continue a crashed or stopped sweep with a new driver (Tuner.restore)."""
    from tuneterm.runner.launch import start_driver
    from tuneterm.storage.requests import open_store, resume_refusal

    expdir = ExperimentDir(args.directory.resolve())
    with open_store(expdir.path) as store:
        if (refusal := resume_refusal(store, expdir.path)) is not None:
            raise UsageError(f"resume: {refusal}")
        address = args.address or store.meta().get("address")
        resumed_after_seq = store.last_seq()
    _check_recorded_config(expdir)
    address = None if address in (None, "local") else str(address)
    if address is not None:
        address = reachable_address(address, "resume: ")
    process = start_driver(expdir, address, resume=True)
    return watch(args, expdir, process, since_seq=resumed_after_seq)


def _check_recorded_config(expdir: ExperimentDir) -> None:
    """The driver checks the recorded config again (its trainable must import here): a config
    that no longer passes is refused now, before a driver starts."""
    from tuneterm.storage.config_file import config_from_dict

    path = expdir.config_json
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"resume: {path}: cannot read the recorded config ({exc})") from None
    config_from_dict(data, source=str(path))


def attach_command(args: argparse.Namespace, root: Path) -> int:
    """Open the dashboard on the given experiment, or on the most recent one."""
    path = args.directory if args.directory is not None else most_recent_experiment(root)
    source = open_experiment_source(path)
    if not sys.stdout.isatty():
        source.close()
        raise UsageError("attach needs a terminal (use `tuneterm ls` or --headless runs)")
    return run_dashboard(source, path)


def create_experiment(root: Path, config_path: Path, config: ExperimentConfig) -> ExperimentDir:
    """A new experiment directory holding the config (as given and as checked) and a fresh store."""
    os.umask(0o077)
    expdir = ExperimentDir.create(root, config.experiment.name)
    shutil.copyfile(config_path, expdir.config_toml)
    expdir.config_json.write_text(json.dumps(config.to_dict(), indent=2) + "\n")
    Store.create(
        expdir.store,
        {
            "name": config.experiment.name,
            "metric": config.experiment.metric,
            "mode": config.experiment.mode,
            "metrics": [list(pair) for pair in config.experiment.objectives],
            "status": SweepStatus.CREATED,
            "created_at": time.time(),
            "config_path": str(config_path.resolve()),
            "tuned": list(config.tuned_names),
            "health": config.health.settings.to_meta(),
        },
    ).close()
    return expdir


def watch(
    args: argparse.Namespace,
    expdir: ExperimentDir,
    process: subprocess.Popen[bytes],
    since_seq: int = 0,
) -> int:
    """Once a driver started: return at once (--detach), print its events, or open the dashboard."""
    if args.detach:
        print(expdir.path)
        return 0
    if args.headless or not sys.stdout.isatty():
        from tuneterm.cli.headless import follow_headless

        return follow_headless(expdir, process, since_seq=since_seq)
    return open_dashboard(expdir.path)


def most_recent_experiment(root: Path) -> Path:
    infos = list_experiments(root)
    if not infos:
        raise UsageError(f"no experiments under {root} (start one with: tuneterm run CONFIG)")
    return infos[-1].path


def open_dashboard(path: Path) -> int:
    """Run the dashboard on an experiment directory; the sweep itself is never touched."""
    return run_dashboard(open_experiment_source(path), path)


def open_experiment_source(path: Path) -> EventSource:
    """The events of the experiment at `path` (tuneterm's or plain Ray Tune's); UsageError if
    it is neither."""
    from tuneterm.storage.sources import open_source
    from tuneterm.storage.sources.protocol import SourceError

    try:
        return open_source(path)
    except SourceError as exc:
        raise UsageError(str(exc)) from None


def run_dashboard(source: EventSource, path: Path) -> int:
    """Show `source` until the user quits (exit 0) or a SIGINT arrives (130); closes it."""
    from tuneterm.ui.app import create_app

    app = create_app(source)
    interrupt = _DashboardInterrupt(app.exit)
    previous = signal.signal(signal.SIGINT, interrupt)
    try:
        message = app.run()
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    finally:
        signal.signal(signal.SIGINT, previous)
        source.close()
    print(message or f"Experiment directory: {path}")
    return EXIT_INTERRUPTED if interrupt.count else EXIT_OK


class _DashboardInterrupt:
    """SIGINT while the dashboard runs: close it, as `q` would, and remember why.

    asyncio's own handler would cancel the app's task, which Textual ends as a plain quit.
    """

    def __init__(self, close: Callable[[], object]) -> None:
        self.close = close
        self.count = 0

    def __call__(self, signum: int, frame: object) -> None:
        import asyncio  # loaded by Textual already: every other command starts without it

        self.count += 1
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise KeyboardInterrupt from None
        loop.call_soon_threadsafe(self.close)
