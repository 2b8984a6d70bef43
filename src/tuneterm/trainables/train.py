"""The training loop of the built-in trainables, and the Ray Tune function that wraps it.

`run_epochs` knows nothing of Ray, so it is tested directly; `train_builtin` only adds the Tune
session: resume from the trial's checkpoint, report each epoch with a fresh checkpoint.
"""

from __future__ import annotations

import copy
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.nn import functional

from tuneterm.trainables.augment import BatchAugmenter, build_augmentation
from tuneterm.trainables.data import ArrayDataset
from tuneterm.trainables.models import build_model, build_optimizer, resolve_hyperparameters
from tuneterm.trainables.readers import load_data

STATE_FILE = "state.pt"
"""The file inside each reported checkpoint directory that holds the training state."""

EVAL_BATCH = 2048
"""Validation batch size: bounds memory on MNIST-sized sets; no gradients are kept."""

EPOCH_SEED_STRIDE = 1_000_003
"""Spreads (seed, epoch) pairs over distinct torch seeds."""


@dataclass(frozen=True)
class EpochResult:
    """The metrics of one finished epoch."""

    epoch: int
    """Number of epochs finished, counting from 1."""
    train_loss: float
    """Mean cross-entropy over the epoch's training batches."""
    val_loss: float
    """Mean cross-entropy on the validation set after the epoch."""
    accuracy: float
    """Validation accuracy after the epoch, in [0, 1]."""


@dataclass(frozen=True)
class _Tensors:
    """The data set as tensors on the training device."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor


def run_epochs(
    kind: str,
    hp: Mapping[str, Any],
    dataset: ArrayDataset,
    epochs: int,
    seed: int,
    *,
    start_state: dict[str, Any] | None = None,
    device: str = "cpu",
    augment: BatchAugmenter | None = None,
) -> Iterator[tuple[EpochResult, dict[str, Any]]]:
    """Train up to `epochs` in total, yielding each epoch's metrics and a resumable state.

    Passing a yielded state back as `start_state` continues exactly as the uninterrupted run.
    Reseeds torch's global random generator, as a trial process owns it. `augment` transforms
    each training batch (never the validation images).
    """
    params = resolve_hyperparameters(kind, hp)
    model, optimizer = _build(kind, params, dataset, seed, device)
    first_epoch = _restore(model, optimizer, start_state) + 1
    tensors = _to_tensors(dataset, device)
    for epoch in range(first_epoch, epochs + 1):
        # Shuffling and dropout draw from a seed of (seed, epoch) alone, so a resumed run needs
        # no saved random state to replay the remaining epochs exactly.
        torch.manual_seed(seed * EPOCH_SEED_STRIDE + epoch)
        train_loss = _train_epoch(model, optimizer, tensors, params["batch_size"], augment)
        val_loss, accuracy = _evaluate(model, tensors)
        result = EpochResult(epoch, train_loss, val_loss, accuracy)
        yield result, _snapshot(model, optimizer, epoch)


def _build(
    kind: str, params: Mapping[str, Any], dataset: ArrayDataset, seed: int, device: str
) -> tuple[nn.Module, torch.optim.Optimizer]:
    """The freshly initialised model (from `seed`) on `device`, and its optimizer."""
    torch.manual_seed(seed)
    model = build_model(kind, params, dataset.input_shape, dataset.num_classes)
    # oneDNN convolutions on small maps run about 1.5x faster channels-last; 2-D weights ignore it.
    # torch's stubs omit Module.to's memory_format keyword, which it accepts at run time.
    model = model.to(device, memory_format=torch.channels_last)  # type: ignore[call-overload]
    optimizer = build_optimizer(
        params["optimizer"],
        model.parameters(),
        params["lr"],
        params["weight_decay"],
        params["momentum"],
    )
    return model, optimizer


def _restore(
    model: nn.Module, optimizer: torch.optim.Optimizer, state: dict[str, Any] | None
) -> int:
    """Load `state` into the model and optimizer; the number of epochs it had finished."""
    if state is None:
        return 0
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    return int(state["epoch"])


def _snapshot(model: nn.Module, optimizer: torch.optim.Optimizer, epoch: int) -> dict[str, Any]:
    # state_dict() aliases the live tensors; a copy keeps a yielded state fixed as training goes on.
    return copy.deepcopy(
        {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch}
    )


def _to_tensors(dataset: ArrayDataset, device: str) -> _Tensors:
    def move(array: Any) -> torch.Tensor:
        tensor = torch.from_numpy(array).to(device)
        # Row indexing keeps the layout, so batches come out channels-last like the model.
        return tensor.contiguous(memory_format=torch.channels_last) if tensor.ndim == 4 else tensor

    return _Tensors(
        move(dataset.x_train), move(dataset.y_train), move(dataset.x_val), move(dataset.y_val)
    )


def _train_epoch(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    tensors: _Tensors,
    batch_size: int,
    augment: BatchAugmenter | None = None,
) -> float:
    model.train()
    count = len(tensors.y_train)
    order = torch.randperm(count, device=tensors.y_train.device)
    total = torch.zeros((), device=tensors.y_train.device)
    seen = 0
    for start in range(0, count, batch_size):
        batch = order[start : start + batch_size]
        # Batch norm cannot train on a single sample; one dropped sample per epoch is harmless.
        if len(batch) < 2:
            continue
        optimizer.zero_grad(set_to_none=True)
        inputs = tensors.x_train[batch]
        inputs = augment(inputs) if augment is not None else inputs
        loss = functional.cross_entropy(model(inputs), tensors.y_train[batch])
        torch.autograd.backward(loss)
        optimizer.step()
        total += loss.detach() * len(batch)
        seen += len(batch)
    return float(total) / max(seen, 1)


@torch.no_grad()
def _evaluate(model: nn.Module, tensors: _Tensors) -> tuple[float, float]:
    """Validation (mean loss, accuracy)."""
    model.eval()
    loss_sum, correct = 0.0, 0
    for start in range(0, len(tensors.y_val), EVAL_BATCH):
        logits = model(tensors.x_val[start : start + EVAL_BATCH])
        labels = tensors.y_val[start : start + EVAL_BATCH]
        loss_sum += float(functional.cross_entropy(logits, labels, reduction="sum"))
        correct += int((logits.argmax(dim=1) == labels).sum())
    count = len(tensors.y_val)
    return loss_sum / count, correct / count


def train_builtin(
    config: dict[str, Any],
    *,
    kind: str,
    dataset: Mapping[str, Any],
    epochs: int,
    seed: int | None = None,
) -> None:
    """Ray Tune function trainable: `config` holds the hyperparameters of a `kind` model."""
    from ray import tune

    # Trials run side by side on few cores; more threads per trial only contend.
    torch.set_num_threads(1)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    trial_seed = 0 if seed is None else seed
    data = load_data(dataset, seed=trial_seed)
    augment = build_augmentation(dataset.get("augment"), data.input_shape[1:])
    start_state = _load_checkpoint(tune.get_checkpoint(), device)
    for result, state in run_epochs(
        kind,
        config,
        data,
        epochs,
        trial_seed,
        start_state=start_state,
        device=device,
        augment=augment,
    ):
        with tempfile.TemporaryDirectory() as checkpoint_dir:
            torch.save(state, Path(checkpoint_dir) / STATE_FILE)
            tune.report(_metrics(result), checkpoint=tune.Checkpoint.from_directory(checkpoint_dir))


def _metrics(result: EpochResult) -> dict[str, float | int]:
    return {
        "train_loss": result.train_loss,
        "val_loss": result.val_loss,
        "accuracy": result.accuracy,
        "epoch": result.epoch,
    }


def _load_checkpoint(checkpoint: Any, device: str) -> dict[str, Any] | None:
    """The state saved in a Tune checkpoint, or None when the trial starts fresh."""
    if checkpoint is None:
        return None
    with checkpoint.as_directory() as checkpoint_dir:
        state: dict[str, Any] = torch.load(Path(checkpoint_dir) / STATE_FILE, map_location=device)
    return state
