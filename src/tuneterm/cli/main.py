"""The `tuneterm` command line."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from tuneterm.cli.report import (
    add_compare_parser,
    add_journal_parser,
    compare_command,
    journal_command,
)
from tuneterm.domain.config.spec import ConfigError, ExperimentConfig, load_config
from tuneterm.domain.control import ControlAction
from tuneterm.domain.text import aligned, format_value, printable
from tuneterm.storage.experiment import (
    ExperimentDir,
    default_root,
    list_experiments,
)
from tuneterm.storage.requests import NoAnswer, RequestRefused
from tuneterm.storage.store import Store

CONTROL_ACTIONS = {
    "stop": ControlAction.STOP,
    "pause": ControlAction.PAUSE,
    "resume-trial": ControlAction.RESUME,
}

EXIT_USAGE = 2


class UsageError(Exception):
    """Bad input: printed as one line, exit code 2."""


def bundled_config_dir() -> Path:
    """The shipped configs: inside the installed package, else the source checkout's configs/."""
    package = Path(__file__).resolve().parents[1]
    for candidate in (package / "configs", package.parents[1] / "configs"):
        if candidate.is_dir():
            return candidate
    return package / "configs"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tuneterm", description="Run and watch Ray Tune hyperparameter sweeps."
    )
    parser.add_argument(
        "--root",
        type=Path,
        default=None,
        help="directory holding experiment directories "
        "(default: $TUNETERM_ROOT or ~/tuneterm-experiments)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
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
    commands.add_parser("ls", help="list experiments")
    _add_control_commands(commands)
    add_journal_parser(commands)
    add_compare_parser(commands)
    return parser


def _add_control_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    root = (args.root or default_root()).expanduser()
    try:
        if args.command == "run":
            return cmd_run(args, root)
        if args.command == "attach":
            return cmd_attach(args.directory, root)
        if args.command in CONTROL_ACTIONS:
            return cmd_control(args)
        if args.command == "resume":
            return cmd_resume(args)
        if args.command == "journal":
            return journal_command(args)
        if args.command == "compare":
            return compare_command(args)
        return cmd_ls(root)
    except (ConfigError, UsageError, RequestRefused) as exc:
        _fail(str(exc))
    except NoAnswer as exc:
        print(f"error: {printable(str(exc))}", file=sys.stderr)
        return 1


def _fail(message: str) -> NoReturn:
    print(f"error: {printable(message)}", file=sys.stderr)
    sys.exit(EXIT_USAGE)


def load_run_config(path: Path | None, overrides: Sequence[str]) -> tuple[Path, ExperimentConfig]:
    """Load and fully check a config: every problem is a ConfigError/UsageError, Ray not started."""
    config_path = path if path is not None else bundled_config_dir() / "default.toml"
    config = load_config(config_path, overrides)
    if config.trainable.is_builtin:
        from tuneterm.trainables import DatasetUnavailable, check_dataset

        try:
            check_dataset(config.to_dict()["dataset"])
        except DatasetUnavailable as exc:
            raise UsageError(f"{config_path}: {exc.key}: {exc.message}") from None
    return config_path, config


def check_local_resources(config_path: Path, config: ExperimentConfig) -> None:
    """A trial asking for more than this machine has would wait forever: refuse it now."""
    cpus = os.cpu_count() or 1
    if config.resources.cpu > cpus:
        raise UsageError(
            f"{config_path}: resources.cpu: {format_value(config.resources.cpu)} "
            f"CPUs per trial, but this machine has {cpus}"
        )
    if config.resources.gpu > 0 and local_gpu_count() == 0:
        raise UsageError(
            f"{config_path}: resources.gpu: {format_value(config.resources.gpu)} "
            "GPU per trial, but this machine has no GPU "
            "(use --address to run on a cluster that has one)"
        )


def local_gpu_count() -> int:
    """NVIDIA GPUs visible here, without importing torch or Ray."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None and visible.strip() in ("", "-1"):
        return 0
    gpus = Path("/proc/driver/nvidia/gpus")
    if gpus.is_dir():
        return len(list(gpus.iterdir()))
    return 1 if shutil.which("nvidia-smi") else 0


def create_experiment(root: Path, config_path: Path, config: ExperimentConfig) -> ExperimentDir:
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
            "status": "created",
            "created_at": time.time(),
            "config_path": str(config_path.resolve()),
            "tuned": list(config.tuned_names),
        },
    ).close()
    return expdir


def cmd_run(args: argparse.Namespace, root: Path) -> int:
    from tuneterm.runner.launch import check_reachable, start_driver

    config_path, config = load_run_config(args.config, args.overrides)
    if args.address is None:
        check_local_resources(config_path, config)
    elif (problem := check_reachable(args.address)) is not None:
        raise UsageError(f"--address {args.address}: {problem}")
    expdir = create_experiment(root, config_path, config)
    process = start_driver(expdir, args.address)
    if args.detach:
        print(expdir.path)
        return 0
    if args.headless or not sys.stdout.isatty():
        return follow_headless(expdir, process)
    return open_dashboard(expdir.path)


def most_recent_experiment(root: Path) -> Path:
    infos = list_experiments(root)
    if not infos:
        raise UsageError(f"no experiments under {root} (start one with: tuneterm run CONFIG)")
    return infos[-1].path


def cmd_attach(directory: Path | None, root: Path) -> int:
    path = directory if directory is not None else most_recent_experiment(root)
    if not sys.stdout.isatty():
        raise UsageError("attach needs a terminal (use `tuneterm ls` or --headless runs)")
    return open_dashboard(path)


def open_dashboard(path: Path) -> int:
    """Run the dashboard on an experiment directory; the sweep itself is never touched."""
    from tuneterm.storage.sources.store_source import SourceError, open_source
    from tuneterm.ui.app import create_app

    try:
        source = open_source(path)
    except SourceError as exc:
        raise UsageError(str(exc)) from None
    try:
        message = create_app(source).run()
    finally:
        source.close()
    print(message or f"Experiment directory: {path}")
    return 0


def follow_headless(
    expdir: ExperimentDir, process: subprocess.Popen[bytes], since_seq: int = 0
) -> int:
    """Print the sweep's events (those after `since_seq`) until it ends, then a summary."""

    print(f"Experiment directory: {expdir.path}", flush=True)
    interrupts = 0

    def on_interrupt(signum: int, frame: object) -> None:
        nonlocal interrupts
        interrupts += 1
        if interrupts == 1:
            print("Stopping the sweep (press Ctrl-C again to leave it running)...", flush=True)
            process.send_signal(signal.SIGUSR1)
        else:
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        with Store.open(expdir.store) as store:
            status = _follow(store, process, str(expdir.path), since_seq)
            config_error = bool(store.meta().get("config_error"))
    except KeyboardInterrupt:
        print(f"The sweep goes on in the background: {expdir.path}")
        return 0
    finally:
        signal.signal(signal.SIGINT, previous)
    if config_error:
        return EXIT_USAGE
    return 0 if status in ("finished", "stopped") else 1


def cmd_control(args: argparse.Namespace) -> int:
    """stop / pause / resume-trial: send the request, wait for the driver, print the outcome."""
    from tuneterm.storage.requests import send

    action = CONTROL_ACTIONS[args.command]
    if action is ControlAction.STOP and args.all:
        if args.trial_id is not None:
            raise UsageError("stop: give a trial id or --all, not both")
        action = ControlAction.STOP_ALL
    elif args.trial_id is None:
        raise UsageError(f"{args.command}: which trial? (give its id; `stop --all` stops all)")
    request = send(args.directory, action, args.trial_id)
    print(printable(request.message))
    return 0


def cmd_resume(args: argparse.Namespace) -> int:
    """Continue a crashed or stopped sweep with a new driver (Tuner.restore)."""
    from tuneterm.runner.launch import start_driver
    from tuneterm.storage.requests import open_store, resume_refusal

    expdir = ExperimentDir(args.directory.resolve())
    with open_store(expdir.path) as store:
        if (refusal := resume_refusal(store, expdir.path)) is not None:
            raise UsageError(f"resume: {refusal}")
        address = args.address or store.meta().get("address")
        resumed_after_seq = store.last_seq()
    process = start_driver(expdir, None if address in (None, "local") else address, resume=True)
    if args.detach:
        print(expdir.path)
        return 0
    if args.headless or not sys.stdout.isatty():
        return follow_headless(expdir, process, since_seq=resumed_after_seq)
    return open_dashboard(expdir.path)


def _follow(
    store: Store, process: subprocess.Popen[bytes], experiment_dir: str, since_seq: int
) -> str:
    from tuneterm.cli.headless import follow

    return follow(
        store, sys.stdout, lambda: process.poll() is None, experiment_dir, since_seq=since_seq
    )


def cmd_ls(root: Path) -> int:
    infos = list_experiments(root)
    if not infos:
        print(f"No experiments under {root}")
        return 0
    rows = [("NAME", "STATUS", "TRIALS", "BEST", "STARTED", "DIRECTORY")]
    for info in infos:
        best = (
            f"{info.metric}={format_value(info.best_metric)}"
            if info.best_metric is not None
            else "-"
        )
        started = (
            time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(info.started_at))
            if info.started_at
            else "-"
        )
        rows.append(
            (
                printable(info.name),
                info.status,
                str(info.trials),
                printable(best),
                started,
                str(info.path),
            )
        )
    print(aligned(rows))
    return 0
