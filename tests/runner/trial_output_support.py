"""User trainables that print and allocate, and their configs, for the trial output tests."""

from __future__ import annotations

import textwrap
from pathlib import Path

TRAINABLES = '''
import os
import sys
import time
from pathlib import Path

from ray import tune

PID_DIR = Path({pid_dir!r})


def chatty(config):
    """Prints to both streams (escape sequences and markup too), then holds 200 MB for a while."""
    PID_DIR.mkdir(parents=True, exist_ok=True)
    (PID_DIR / "chatty.mnt").write_text(os.readlink("/proc/self/ns/mnt"))
    # Two streams are two pipes: what is written within a millisecond on both may swap.
    for line in ["hello from print", b"to fd 2 directly\\n",
                 "colour \\x1b[31mred\\x1b[0m and [bold]markup[/]", "from sys.stderr"]:
        if isinstance(line, bytes):
            os.write(2, line)
        elif line.startswith("from sys"):
            print(line, file=sys.stderr)
        else:
            print(line)
        time.sleep(0.05)
    print("no line end yet", end="")
    time.sleep(config["settle"])
    tune.report({{"score": 1.0}})
    block = bytearray(200 << 20)
    block[::4096] = b"x" * len(block[::4096])
    time.sleep(config["hold"])
    print(" - and now one")
    tune.report({{"score": 2.0}})


def ticker(config):
    """Prints "tick N AT" (AT: time.time()) every config["period"] seconds."""
    for number in range(config["ticks"]):
        time.sleep(config["period"])
        print(f"tick {{number}} {{time.time():.3f}}", flush=True)
    tune.report({{"score": 1.0}})
'''


def write_trainable_config(
    directory: Path, function: str, space: str, storage: Path | None = None
) -> Path:
    """One trial of `trainables:function` with `space` (TOML lines) as its constant config."""
    (directory / "trainables.py").write_text(TRAINABLES.format(pid_dir=str(directory / "pids")))
    storage_table = f'[storage]\npath = "{storage}"\n' if storage else ""
    path = directory / f"{function}.toml"
    path.write_text(
        textwrap.dedent(f"""
        [experiment]
        name = "{function}"
        metric = "score"
        mode = "max"
        num_samples = 1
        [trainable]
        name = "trainables:{function}"
        [resources]
        cpu = 1
        [search_space]
        """)
        + textwrap.dedent(space)
        + '\n[search]\nalgorithm = "random"\n[scheduler]\nname = "fifo"\n'
        + storage_table
    )
    return path
