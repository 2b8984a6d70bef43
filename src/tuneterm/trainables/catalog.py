"""What the built-in trainables offer: hyperparameters, metrics, optimizers and data sets.

Free of torch, so that checking a config against it costs no torch import.
"""

from __future__ import annotations

from tuneterm.domain.config.spec import TrainableCatalog

__all__ = [
    "BUILTIN_HYPERPARAMETERS",
    "BUILTIN_METRICS",
    "CATALOG",
    "DATASETS",
    "LOWER_IS_BETTER",
    "ON_DISK_DATASETS",
    "OPTIMIZERS",
]

BUILTIN_METRICS: tuple[str, ...] = ("accuracy", "train_loss", "val_loss")
"""What the built-in trainables report every epoch."""

LOWER_IS_BETTER: tuple[str, ...] = ("train_loss", "val_loss")
"""The metrics among BUILTIN_METRICS that improve as they fall."""

BUILTIN_HYPERPARAMETERS: dict[str, dict[str, object]] = {
    "cnn": {
        "num_conv_layers": 2,
        "start_filters": 32,
        "kernel_size": 3,
        "fc_units": 128,
        "dropout": 0.25,
        "batch_norm": False,
        "pooling": True,
        "lr": 1e-3,
        "batch_size": 32,
        "optimizer": "adam",
        "weight_decay": 0.0,
        "momentum": 0.9,
    },
    "mlp": {
        "hidden_units": 128,
        "num_layers": 2,
        "dropout": 0.0,
        "batch_norm": False,
        "lr": 1e-3,
        "batch_size": 32,
        "optimizer": "adam",
        "weight_decay": 0.0,
        "momentum": 0.9,
    },
}
"""Built-in trainable name -> hyperparameter -> the default used when the search space omits it."""

OPTIMIZERS: tuple[str, ...] = ("sgd", "adam", "adamw", "rmsprop")
"""Accepted values of the built-ins' `optimizer` hyperparameter (lower case)."""

DATASETS: tuple[str, ...] = ("digits", "synthetic", "mnist", "fashion_mnist", "image_folder")
"""Data sets the built-in trainables can read."""

ON_DISK_DATASETS: tuple[str, ...] = ("mnist", "fashion_mnist", "image_folder")
"""The data sets among DATASETS read from a directory (dataset.root); nothing is downloaded."""

CATALOG = TrainableCatalog(
    hyperparameters=BUILTIN_HYPERPARAMETERS,
    metrics=BUILTIN_METRICS,
    lower_is_better=LOWER_IS_BETTER,
    optimizers=OPTIMIZERS,
    datasets=DATASETS,
    on_disk=ON_DISK_DATASETS,
)
"""The built-in trainables' offer, as the config's validation reads it."""
