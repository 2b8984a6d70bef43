"""`[dataset] augment` made torchvision transforms, applied image by image to training batches.

The vocabulary is `tuneterm.domain.config.augment`'s. The transforms draw from torch's global
random generator, which the training loop seeds per epoch: an augmented run is as reproducible,
and resumes as exactly, as one without augmentation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from tuneterm.domain.config.augment import Augmentation, parse_augmentations
from tuneterm.trainables.data import DatasetUnavailable
from tuneterm.trainables.readers import torchvision_problem

__all__ = ["BatchAugmenter", "build_augmentation"]

BatchAugmenter = Callable[[torch.Tensor], torch.Tensor]
"""Takes a batch (N, C, H, W) and gives it back with each image transformed on its own."""


def build_augmentation(
    entries: Sequence[str] | None, image_size: tuple[int, int]
) -> BatchAugmenter | None:
    """The augmenter for `entries` on images of `image_size` (H, W); None for no entries.
    DatasetUnavailable when an entry is not in the vocabulary or torchvision does not import
    here (a worker node without it, say)."""
    if not entries:
        return None
    try:
        augmentations = parse_augmentations(entries)
    except ValueError as error:
        raise DatasetUnavailable("dataset.augment", str(error)) from None
    problem = torchvision_problem()
    if problem is not None:
        message = f"augmentation needs torchvision, which does not import on this node ({problem})"
        raise DatasetUnavailable("dataset.augment", message)
    from torchvision import transforms

    steps = [_transform(transforms, augmentation, image_size) for augmentation in augmentations]
    return _Augmenter(transforms.Compose(steps))


def _transform(transforms: Any, augmentation: Augmentation, image_size: tuple[int, int]) -> Any:
    amount = augmentation.amount or 0.0
    match augmentation.name:
        case "hflip":
            return transforms.RandomHorizontalFlip()
        case "vflip":
            return transforms.RandomVerticalFlip()
        case "rotate":
            return transforms.RandomRotation(amount)
        case "crop":
            return transforms.RandomCrop(image_size, padding=int(amount))
        case "jitter":
            return transforms.ColorJitter(brightness=amount, contrast=amount)
    raise DatasetUnavailable("dataset.augment", f"unknown augmentation {augmentation.name!r}")


class _Augmenter:
    """Applies one torchvision pipeline to each image of a batch (random draws per image)."""

    def __init__(self, pipeline: Callable[[torch.Tensor], torch.Tensor]) -> None:
        self.pipeline = pipeline

    def __call__(self, batch: torch.Tensor) -> torch.Tensor:
        augmented = torch.stack([self.pipeline(image) for image in batch])
        return augmented.contiguous(memory_format=torch.channels_last)
