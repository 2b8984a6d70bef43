"""The checks `tuneterm run` makes before it starts anything: config, data set, local resources."""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from tuneterm.domain.config.spec import ExperimentConfig
from tuneterm.domain.text import format_value
from tuneterm.storage.config_file import key_error, load_config


def bundled_config_dir() -> Path:
    """The shipped configs: inside the installed package, else the source checkout's configs/."""
    package = Path(__file__).resolve().parents[1]
    for candidate in (package / "configs", package.parents[1] / "configs"):
        if candidate.is_dir():
            return candidate
    return package / "configs"


def load_run_config(
    path: Path | None, overrides: Sequence[str], root: Path | None = None
) -> tuple[Path, ExperimentConfig]:
    """Load and fully check a config: every problem is a ConfigError, Ray not started. Names in
    compare_with are looked up in `root`."""
    config_path = path if path is not None else bundled_config_dir() / "default.toml"
    config = load_config(config_path, overrides, root)
    if config.trainable.is_builtin:
        from tuneterm.trainables.data import DatasetUnavailable, check_dataset

        try:
            check_dataset(config.to_dict()["dataset"])
        except DatasetUnavailable as exc:
            raise key_error(config_path, exc.key, exc.message, overrides) from None
    return config_path, config


def check_local_resources(
    config_path: Path, config: ExperimentConfig, overrides: Sequence[str] = ()
) -> None:
    """A trial asking for more than this machine has would wait forever: refuse it now."""
    cpus = os.cpu_count() or 1
    if config.resources.cpu > cpus:
        message = (
            f"{format_value(config.resources.cpu)} CPUs per trial, but this machine has {cpus}"
        )
        raise key_error(config_path, "resources.cpu", message, overrides)
    if config.resources.gpu > 0 and local_gpu_count() == 0:
        message = (
            f"{format_value(config.resources.gpu)} GPU per trial, but this machine has no GPU "
            "(use --address to run on a cluster that has one)"
        )
        raise key_error(config_path, "resources.gpu", message, overrides)


def local_gpu_count() -> int:
    """NVIDIA GPUs visible here, without importing torch or Ray."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None and visible.strip() in ("", "-1"):
        return 0
    gpus = Path("/proc/driver/nvidia/gpus")
    if gpus.is_dir():
        return len(list(gpus.iterdir()))
    return 1 if shutil.which("nvidia-smi") else 0
