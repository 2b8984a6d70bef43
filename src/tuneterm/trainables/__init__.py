"""Built-in Ray Tune trainables (a torch CNN and MLP) and the data sets they train on.

Importing this package (or its torch-free `catalog`, which storage reads to check configs) loads
nothing heavy: numpy comes with `data` (`tuneterm run` checks data sets through it), and torch
(about two seconds to import) with the trial processes that actually train.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["train_builtin"]


def train_builtin(
    config: dict[str, Any],
    *,
    kind: str,
    dataset: Mapping[str, Any],
    epochs: int,
    seed: int | None = None,
) -> None:
    """Ray Tune function trainable; see `tuneterm.trainables.train.train_builtin`."""
    from tuneterm.trainables import train

    train.train_builtin(config, kind=kind, dataset=dataset, epochs=epochs, seed=seed)
