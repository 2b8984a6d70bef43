"""The recorded sweep's config.json, with hypotheses, as `tuneterm run` writes it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tuneterm.domain.config.spec import ExperimentConfig
from tuneterm.storage.config_file import config_from_dict
from tuneterm.storage.experiment import ExperimentDir

HYPOTHESES: list[dict[str, Any]] = [
    {
        "id": "H1",
        "statement": "Batch norm improves accuracy",
        "parameter": "batch_norm",
        "expected": True,
        "reasoning": "Normalised activations keep the gradients well scaled [bold]not markup[/]",
    },
    {
        "id": "H2",
        "statement": "A larger learning rate gives a better accuracy",
        "parameter": "lr",
        "expected": "higher",
    },
    {
        "id": "H3",
        "statement": "A batch size of 64 is best",
        "parameter": "batch_size",
        "expected": 64,
    },
]


def config_data(name: str = "mnist-asha") -> dict[str, Any]:
    return {
        "experiment": {"name": name, "metric": "accuracy", "mode": "max", "num_samples": 10},
        "trainable": {"name": "cnn", "epochs": 9},
        "dataset": {"name": "digits"},
        "search_space": {
            "lr": {"loguniform": [1e-5, 1.0]},
            "batch_size": {"choice": [32, 64, 128]},
            "batch_norm": {"choice": [True, False]},
            "optimizer": "adam",
        },
        "search": {"algorithm": "random", "seed": 0},
        "scheduler": {"name": "asha", "max_t": 9, "grace_period": 1, "reduction_factor": 3.0},
        "resources": {"cpu": 1.0, "gpu": 0.0},
        "hypotheses": HYPOTHESES,
    }


def write_config(path: Path, name: str = "mnist-asha") -> ExperimentConfig:
    """Validate the config and record it as config.json in the experiment directory `path`."""
    config = config_from_dict(config_data(name), source="test")
    ExperimentDir(path).config_json.write_text(json.dumps(config.to_dict(), indent=2))
    return config
