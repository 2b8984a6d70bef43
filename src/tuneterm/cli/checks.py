"""The checks every command's paths and addresses pass before the command starts anything."""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

from tuneterm.cli.usage import UsageError
from tuneterm.storage.experiment import ROOT_ENV, root_problem

ADDRESS_EXAMPLE = "expected HOST:PORT, e.g. 10.0.0.5:6379"
_HOST = re.compile(r"[\w.\-:%\[\]]+")
"""Host names, IPv4 and IPv6 addresses (bracketed or not, with a zone)."""


def check_command_line(args: argparse.Namespace, root: Path) -> None:
    """UsageError naming the first path or address of `args` that cannot work."""
    check_directories(args)
    check_root(args, root)
    check_address(getattr(args, "address", None))


def check_directories(args: argparse.Namespace) -> None:
    """Every experiment directory the command names must exist."""
    named = [args.directory] if getattr(args, "directory", None) is not None else []
    for path in [*named, *getattr(args, "directories", [])]:
        if not os.path.lexists(Path(path).expanduser()):
            raise UsageError(f"{path}: no such experiment directory")


def check_root(args: argparse.Namespace, root: Path) -> None:
    """The experiments' root of a command that reads it (or, for `run`, adds to it)."""
    if not uses_root(args):
        return
    problem = root_problem(root, creating=args.command == "run")
    if problem is not None:
        raise UsageError(f"{root_origin(args)} {root}: {problem}")


def uses_root(args: argparse.Namespace) -> bool:
    """Whether the command reads the root: `run`, `ls`, and those defaulting to the latest."""
    if args.command in ("run", "ls"):
        return True
    return args.command in ("attach", "journal") and args.directory is None


def root_origin(args: argparse.Namespace) -> str:
    """Where the root came from, as the user set it."""
    if args.root is not None:
        return "--root"
    return f"${ROOT_ENV}" if os.environ.get(ROOT_ENV) else "experiments root"


def check_address(address: str | None) -> None:
    """A Ray address must be HOST:PORT with a port in 1-65535 (ports above wrap around)."""
    if address is not None and (problem := address_problem(address)) is not None:
        raise UsageError(f"--address {address}: {problem}")


RAY_CLIENT_REFUSAL = (
    "Ray Client (ray://) addresses are not supported: the driver stops and pauses trials from"
    " inside the cluster, so run tuneterm on the head node (ssh to it, then"
    " `tuneterm run --address auto`; see docs/cluster.md)"
)


def address_problem(address: str) -> str | None:
    """What is wrong with `address` as HOST:PORT (or "auto"), or None."""
    if address == "auto":
        return None
    if address.startswith("ray://"):
        return RAY_CLIENT_REFUSAL
    host, colon, port = address.rpartition(":")
    if not colon or not host.strip("[]") or not port:
        return ADDRESS_EXAMPLE
    if not _HOST.fullmatch(host):
        return f"{host!r} is not a host name or IP address ({ADDRESS_EXAMPLE})"
    if not (port.isascii() and port.isdigit()):
        return f"port {port!r} is not a number ({ADDRESS_EXAMPLE})"
    if not 1 <= int(port) <= 65535:
        return f"port {port} is out of range (1-65535)"
    return None
