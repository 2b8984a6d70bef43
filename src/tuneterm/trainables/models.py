"""The built-in torch models (a small CNN and an MLP) and their optimizers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import torch
from torch import nn

from tuneterm.trainables.catalog import BUILTIN_HYPERPARAMETERS, OPTIMIZERS

MAX_FILTERS = 256
"""Cap on conv filters: doubling per block would otherwise reach 512 with 4 blocks of 64."""

TRUE_WORDS = frozenset({"true", "yes", "on", "1"})
"""Strings read as True when a boolean hyperparameter arrives as text (e.g. from a TOML choice)."""


def resolve_hyperparameters(kind: str, hp: Mapping[str, Any]) -> dict[str, Any]:
    """The defaults of `kind` overlaid with `hp`, each cast to its default's type."""
    if kind not in BUILTIN_HYPERPARAMETERS:
        raise ValueError(f"unknown model kind {kind!r} (known: {sorted(BUILTIN_HYPERPARAMETERS)})")
    defaults = BUILTIN_HYPERPARAMETERS[kind]
    return {key: _cast(default, hp.get(key, default)) for key, default in defaults.items()}


def _cast(default: object, value: Any) -> Any:
    """Search spaces give floats for ints (quniform) and sometimes text for bools."""
    if isinstance(default, bool):
        return value.strip().lower() in TRUE_WORDS if isinstance(value, str) else bool(value)
    if isinstance(default, int):
        return round(float(value))
    if isinstance(default, float):
        return float(value)
    return str(value)


def build_model(
    kind: str, hp: Mapping[str, Any], input_shape: tuple[int, int, int], num_classes: int
) -> nn.Module:
    """A classifier of `kind` ("cnn" or "mlp") from (C, H, W) images to `num_classes` logits."""
    params = resolve_hyperparameters(kind, hp)
    if kind == "cnn":
        return _build_cnn(params, input_shape, num_classes)
    return _build_mlp(params, input_shape, num_classes)


def _build_cnn(
    params: Mapping[str, Any], input_shape: tuple[int, int, int], num_classes: int
) -> nn.Sequential:
    channels, height, width = input_shape
    layers: list[nn.Module] = []
    for block in range(params["num_conv_layers"]):
        filters = min(params["start_filters"] * 2**block, MAX_FILTERS)
        pool = params["pooling"] and min(height, width) >= 2
        layers += _conv_block(channels, filters, params, (height, width), pool)
        channels = filters
        if pool:
            height, width = height // 2, width // 2
    return nn.Sequential(
        *layers,
        nn.Flatten(),
        nn.Linear(channels * height * width, params["fc_units"]),
        nn.ReLU(),
        nn.Dropout(params["dropout"]),
        nn.Linear(params["fc_units"], num_classes),
    )


def _conv_block(
    in_channels: int, filters: int, params: Mapping[str, Any], size: tuple[int, int], pool: bool
) -> list[nn.Module]:
    # On a 1x1 map only the centre tap of a same-padded kernel ever sees data, so a 1x1 kernel
    # is the same function at a ninth of the cost (deep CNNs on 8x8 digits reach 1x1).
    kernel = 1 if size == (1, 1) else params["kernel_size"]
    layers: list[nn.Module] = [
        nn.Conv2d(in_channels, filters, kernel, padding="same", bias=not params["batch_norm"])
    ]
    if params["batch_norm"]:
        layers.append(nn.BatchNorm2d(filters))
    layers.append(nn.ReLU())
    if pool:
        layers.append(nn.MaxPool2d(2))
    return layers


def _build_mlp(
    params: Mapping[str, Any], input_shape: tuple[int, int, int], num_classes: int
) -> nn.Sequential:
    width = input_shape[0] * input_shape[1] * input_shape[2]
    layers: list[nn.Module] = [nn.Flatten()]
    for _ in range(params["num_layers"]):
        layers.append(nn.Linear(width, params["hidden_units"]))
        if params["batch_norm"]:
            layers.append(nn.BatchNorm1d(params["hidden_units"]))
        layers += [nn.ReLU(), nn.Dropout(params["dropout"])]
        width = params["hidden_units"]
    layers.append(nn.Linear(width, num_classes))
    return nn.Sequential(*layers)


def build_optimizer(
    name: str,
    params: Iterable[nn.Parameter],
    lr: float,
    weight_decay: float,
    momentum: float,
) -> torch.optim.Optimizer:
    """One of OPTIMIZERS; `momentum` applies to sgd and rmsprop only.

    The parameters must already be on their training device (fused kernels are chosen for it).
    """
    # Fused kernels do one pass per step instead of several per tensor: Adam's step on a
    # 4-layer CNN drops from about a quarter of the epoch to a twentieth on one CPU thread.
    if name == "sgd":
        return torch.optim.SGD(
            params, lr=lr, momentum=momentum, weight_decay=weight_decay, fused=True
        )
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=weight_decay, fused=True)
    if name == "adamw":
        return torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay, fused=True)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, momentum=momentum, weight_decay=weight_decay)
    raise ValueError(f"unknown optimizer {name!r} (known: {', '.join(OPTIMIZERS)})")
