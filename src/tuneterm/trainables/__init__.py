"""Built-in Ray Tune trainables (a torch CNN and MLP) and the data sets they train on.

Importing this package loads numpy only: the UI and the driver check data sets through it, and
torch (about two seconds to import) is loaded by the trial processes that actually train.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tuneterm.trainables.data import ArrayDataset, DatasetUnavailable, check_dataset, load_dataset

__all__ = ["ArrayDataset", "DatasetUnavailable", "check_dataset", "load_dataset", "train_builtin"]


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
