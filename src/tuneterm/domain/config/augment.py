"""[dataset] augment: the random transforms applied to each training image, as torchvision does
them. Validated here; built into torchvision transforms by `tuneterm.trainables.augment`.

The vocabulary (each name at most once; applied in the order listed, to training images only):

- `hflip`: flip left-right with probability 1/2.
- `vflip`: flip upside down with probability 1/2.
- `rotate:DEG`: rotate by an angle drawn from [-DEG, DEG] degrees, 0 < DEG <= 180.
- `crop:PAD`: pad each side with PAD black pixels, then cut a random window of the original size
  (a random shift of up to PAD pixels); PAD a whole number from 1 to 64.
- `jitter:AMOUNT`: scale brightness and contrast each by a factor drawn from
  [1 - AMOUNT, 1 + AMOUNT], 0 < AMOUNT <= 1.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from tuneterm.domain.config.space import ValidationError, did_you_mean, show
from tuneterm.domain.config.spec import DatasetSpec

__all__ = [
    "AUGMENTATIONS",
    "Augmentation",
    "ImportChecker",
    "checked_augment",
    "parse_augmentation",
    "parse_augmentations",
]

AUGMENTATION_MODULE = "torchvision"
"""What augmentation is done with; without it, a config asking for augmentation is refused."""


@dataclass(frozen=True)
class _Kind:
    """One name of the vocabulary and what its amount may be."""

    takes_amount: bool
    """Whether the name is written NAME:AMOUNT (rotate:15) rather than alone (hflip)."""
    amount_hint: str = ""
    """The amount's meaning and range, for messages."""
    low: float = 0.0
    """The amount must be above this."""
    high: float = 0.0
    """The amount must be at most this."""
    whole: bool = False
    """Whether the amount must be a whole number."""


AUGMENTATIONS: dict[str, _Kind] = {
    "hflip": _Kind(takes_amount=False),
    "vflip": _Kind(takes_amount=False),
    "rotate": _Kind(True, "DEG, the largest angle in degrees (above 0, at most 180)", 0, 180),
    "crop": _Kind(True, "PAD, the pixels padded on each side (whole, 1 to 64)", 0, 64, whole=True),
    "jitter": _Kind(True, "AMOUNT, the brightness and contrast change (above 0, at most 1)", 0, 1),
}
"""The augmentation names, in the order the documentation lists them."""


@dataclass(frozen=True)
class Augmentation:
    """One parsed entry of `[dataset] augment`."""

    name: str
    """A key of AUGMENTATIONS."""
    amount: float | None = None
    """The number after the colon; None for the names that take none."""


class ImportChecker(Protocol):
    """Where the config is checked: can an optional module really be imported there?"""

    def import_problem(self, module: str) -> str | None:
        """Why importing `module` fails here, on one line; None when it imports."""
        ...


def parse_augmentation(entry: str) -> Augmentation:
    """`entry` ("hflip", "rotate:15") parsed; ValueError with a one-line message if it is not one
    of the vocabulary or its amount is out of range."""
    name, colon, amount_text = entry.strip().partition(":")
    kind = AUGMENTATIONS.get(name)
    if kind is None:
        known = ", ".join(_written(known, kind) for known, kind in AUGMENTATIONS.items())
        hint = did_you_mean(name, AUGMENTATIONS)
        raise ValueError(f"unknown augmentation {show(entry)}{hint}; use {known}")
    if not kind.takes_amount:
        if colon:
            raise ValueError(f"{name} takes no amount (got {show(entry)})")
        return Augmentation(name)
    if not colon:
        raise ValueError(f"{name} needs an amount: {name}:{kind.amount_hint}")
    return Augmentation(name, _amount(entry, amount_text, kind))


def parse_augmentations(entries: Sequence[str]) -> tuple[Augmentation, ...]:
    """Every entry parsed, in order; ValueError naming the first bad or repeated one."""
    parsed: list[Augmentation] = []
    for entry in entries:
        augmentation = parse_augmentation(entry)
        if any(earlier.name == augmentation.name for earlier in parsed):
            raise ValueError(f"{augmentation.name} is listed twice")
        parsed.append(augmentation)
    return tuple(parsed)


def checked_augment(spec: DatasetSpec, workspace: ImportChecker) -> DatasetSpec:
    """`spec` with its augment entries stripped; ValidationError for an entry outside the
    vocabulary, a repeated one, or augmentation where torchvision does not import."""
    if not spec.augment:
        return spec
    for index in range(len(spec.augment)):
        try:
            parse_augmentations(spec.augment[: index + 1])
        except ValueError as error:
            raise ValidationError(f"dataset.augment[{index}]", str(error)) from None
    problem = workspace.import_problem(AUGMENTATION_MODULE)
    if problem is not None:
        message = (
            f"augmentation needs torchvision, which does not import here ({problem});"
            " remove dataset.augment to train on the images as they are"
        )
        raise ValidationError("dataset.augment", message)
    return dataclasses.replace(spec, augment=tuple(entry.strip() for entry in spec.augment))


def _written(name: str, kind: _Kind) -> str:
    return f"{name}:{kind.amount_hint.split(',')[0]}" if kind.takes_amount else name


def _amount(entry: str, text: str, kind: _Kind) -> float:
    try:
        amount = float(text)
    except ValueError:
        amount = math.nan
    in_range = math.isfinite(amount) and kind.low < amount <= kind.high
    if not in_range or (kind.whole and not amount.is_integer()):
        name = entry.strip().partition(":")[0]
        raise ValueError(f"{show(entry)} is out of range: {name}:{kind.amount_hint}")
    return amount
