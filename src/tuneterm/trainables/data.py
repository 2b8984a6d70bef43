"""Data sets for the built-in trainables, loaded into memory as numpy arrays.

Only numpy is imported at module level: `check_dataset` runs in `tuneterm run` before anything
starts, which must not pay for torch, Pillow or scikit-learn. Nothing here ever downloads anything.
"""

from __future__ import annotations

import gzip
import importlib.util
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp"})
"""File suffixes (lower case) that the image-folder loader reads, as torchvision's ImageFolder."""

IDX_FOLDERS = {"mnist": "MNIST", "fashion_mnist": "FashionMNIST"}
"""The folder under the root that torchvision uses for each IDX data set."""

IDX_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_val": "t10k-images-idx3-ubyte",
    "y_val": "t10k-labels-idx1-ubyte",
}
"""torchvision's raw file names; each may also be gzipped (`.gz`)."""

IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
"""IDX element type codes (third magic byte) to big-endian numpy dtypes."""

DIGITS_MAX = 16.0
"""scikit-learn's digits are counts of set pixels in 4x4 blocks, so 0..16."""

SYNTHETIC_GRID = 4
"""Synthetic prototypes are SYNTHETIC_GRID x SYNTHETIC_GRID cells of one random grey each."""

SYNTHETIC_NOISE = 0.8
"""Standard deviation of the per-pixel noise on synthetic images (before clipping to [0, 1])."""


@dataclass(frozen=True)
class ArrayDataset:
    """A whole data set in memory, already split into training and validation parts."""

    x_train: np.ndarray
    """Training images, float32 of shape (N, C, H, W) scaled to [0, 1]."""
    y_train: np.ndarray
    """Training labels, int64 of shape (N,)."""
    x_val: np.ndarray
    """Validation images, like `x_train`."""
    y_val: np.ndarray
    """Validation labels, like `y_train`."""
    num_classes: int
    """Number of classes; labels lie in 0..num_classes-1."""

    @property
    def input_shape(self) -> tuple[int, int, int]:
        """The (C, H, W) shape of one image."""
        channels, height, width = self.x_train.shape[1:]
        return (int(channels), int(height), int(width))


class DatasetUnavailable(Exception):
    """A data set cannot be loaded: a file is missing, unreadable, or the spec is invalid."""

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        """The spec field at fault, e.g. "dataset.root"."""
        self.message = " ".join(message.split())
        """One line that says what is missing and where."""
        super().__init__(self.message)

    def __reduce__(self) -> tuple[type[DatasetUnavailable], tuple[str, str]]:
        # Ray copies a trial's exception (copy.copy, pickle): rebuild it from both arguments,
        # or the user sees a TypeError about __init__ instead of the missing data set.
        return type(self), (self.key, self.message)


def check_dataset(spec: Mapping[str, Any]) -> None:
    """Check cheaply that `spec` can be loaded: files are only looked at, never read in full."""
    name = spec.get("name", "digits")
    checker = _CHECKERS.get(name)
    if checker is None:
        known = ", ".join(sorted(_CHECKERS))
        raise DatasetUnavailable("dataset.name", f"unknown data set {name!r} (known: {known})")
    _check_split(spec)
    checker(spec)


def load_dataset(
    spec: Mapping[str, Any],
    seed: int = 0,
    reader: Callable[[Mapping[str, Any], int], ArrayDataset] | None = None,
) -> ArrayDataset:
    """Load `spec` into memory; the split and any `limit` subset depend only on `seed`. Read by
    `reader` when given (torchvision's, see `readers.load_data`), else by tuneterm's below."""
    check_dataset(spec)
    dataset = (reader or _LOADERS[spec.get("name", "digits")])(spec, seed)
    return _limit_training(dataset, spec.get("limit"), seed)


def _check_split(spec: Mapping[str, Any]) -> None:
    if not 0.0 <= float(spec.get("val_fraction", 0.2)) < 1.0:
        raise DatasetUnavailable("dataset.val_fraction", "val_fraction must be in [0, 1)")
    limit = spec.get("limit")
    if limit is not None and int(limit) < 1:
        raise DatasetUnavailable("dataset.limit", "limit must be a positive number of samples")


def _check_digits(spec: Mapping[str, Any]) -> None:
    if importlib.util.find_spec("sklearn") is None:
        raise DatasetUnavailable("dataset.name", "the digits data set needs scikit-learn installed")


def _check_synthetic(spec: Mapping[str, Any]) -> None:
    if int(spec.get("num_classes", 10)) < 2:
        raise DatasetUnavailable("dataset.num_classes", "synthetic data needs at least 2 classes")
    if int(spec.get("samples", 512)) < 2 * int(spec.get("num_classes", 10)):
        raise DatasetUnavailable("dataset.samples", "synthetic data needs 2 samples per class")
    if int(spec.get("image_size", 28)) < 1:
        raise DatasetUnavailable("dataset.image_size", "image_size must be at least 1")


def _check_idx(spec: Mapping[str, Any]) -> None:
    _idx_paths(spec)


def _check_image_folder(spec: Mapping[str, Any]) -> None:
    image_class_dirs(spec)


def _load_digits(spec: Mapping[str, Any], seed: int) -> ArrayDataset:
    pixels, labels = _digits_arrays()
    images = (pixels / DIGITS_MAX).astype(np.float32).reshape(-1, 1, 8, 8)
    return split_dataset(images, labels.astype(np.int64), 10, spec, seed)


def _digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    """The 1797 digits as (pixels, labels), read from scikit-learn's bundled file."""
    # Importing sklearn costs about a second in every trial process; the CSV it reads is
    # located without importing it, and load_digits remains the fallback if the file moves.
    sklearn_spec = importlib.util.find_spec("sklearn")
    if sklearn_spec is not None and sklearn_spec.origin is not None:
        path = Path(sklearn_spec.origin).parent / "datasets" / "data" / "digits.csv.gz"
        if path.is_file():
            table = np.loadtxt(path, delimiter=",")
            return table[:, :-1], table[:, -1]
    from sklearn.datasets import load_digits

    digits = load_digits()
    return digits.data, digits.target


def _load_synthetic(spec: Mapping[str, Any], seed: int) -> ArrayDataset:
    """Blocky class prototypes under heavy noise: learnable in a few epochs, not in one step."""
    rng = np.random.default_rng(seed)
    size, num_classes = int(spec.get("image_size", 28)), int(spec.get("num_classes", 10))
    samples = int(spec.get("samples", 512))
    # Coarse cells rather than independent pixels, so pooling CNNs can learn them as MLPs do.
    cells = np.minimum(np.arange(size) * SYNTHETIC_GRID // size, SYNTHETIC_GRID - 1)
    coarse = rng.random((num_classes, 1, SYNTHETIC_GRID, SYNTHETIC_GRID))
    prototypes = coarse[:, :, cells][:, :, :, cells]
    labels = rng.permutation(np.arange(samples) % num_classes).astype(np.int64)
    noise = rng.normal(0.0, SYNTHETIC_NOISE, size=(samples, 1, size, size))
    images = np.clip(prototypes[labels] + noise, 0.0, 1.0).astype(np.float32)
    return split_dataset(images, labels, num_classes, spec, seed)


def _load_idx(spec: Mapping[str, Any], seed: int) -> ArrayDataset:
    """torchvision's MNIST layout: the train files train, the t10k files validate."""
    arrays = {part: read_idx(path) for part, path in _idx_paths(spec).items()}
    return ArrayDataset(
        x_train=idx_images(arrays["x_train"]),
        y_train=arrays["y_train"].astype(np.int64),
        x_val=idx_images(arrays["x_val"]),
        y_val=arrays["y_val"].astype(np.int64),
        num_classes=10,
    )


def _load_image_folder(spec: Mapping[str, Any], seed: int) -> ArrayDataset:
    files_by_class = [_image_files(class_dir) for class_dir in image_class_dirs(spec)]
    size = int(spec.get("image_size", 28))
    paths = [path for files in files_by_class for path in files]
    labels = [label for label, files in enumerate(files_by_class) for _ in files]
    images = np.stack([_read_image(path, size) for path in paths])
    label_array = np.asarray(labels, dtype=np.int64)
    return split_dataset(images, label_array, len(files_by_class), spec, seed)


def read_idx(path: Path) -> np.ndarray:
    """Parse one IDX file (optionally gzipped): 0, 0, type code, rank, big-endian dims, data."""
    raw = _read_bytes(path)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in IDX_DTYPES:
        raise DatasetUnavailable("dataset.root", f"{path} is not an IDX file (bad magic number)")
    rank = raw[3]
    header_size = 4 + 4 * rank
    dims = tuple(int(d) for d in np.frombuffer(raw, ">u4", count=rank, offset=4))
    dtype = np.dtype(IDX_DTYPES[raw[2]])
    if len(raw) - header_size != dtype.itemsize * int(np.prod(dims)):
        raise DatasetUnavailable("dataset.root", f"{path} is truncated: expected shape {dims}")
    array = np.frombuffer(raw, dtype, offset=header_size).reshape(dims)
    return array.astype(dtype.newbyteorder("="))


def _read_bytes(path: Path) -> bytes:
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as stream:
                return stream.read()
        return path.read_bytes()
    except (OSError, EOFError) as error:
        raise DatasetUnavailable("dataset.root", f"cannot read {path}: {error}") from error


def idx_images(array: np.ndarray) -> np.ndarray:
    if array.ndim != 3:
        raise DatasetUnavailable("dataset.root", f"IDX images must be 3-D, got shape {array.shape}")
    return (array.astype(np.float32) / 255.0)[:, None, :, :]


def _idx_paths(spec: Mapping[str, Any]) -> dict[str, Path]:
    """The four raw files; ROOT may be torchvision's root or the raw folder itself."""
    root = dataset_root(spec)
    standard = root / IDX_FOLDERS[spec["name"]] / "raw"
    raw_dir = next((d for d in (standard, root) if _idx_file(d, IDX_FILES["x_train"])), standard)
    paths: dict[str, Path] = {}
    for part, filename in IDX_FILES.items():
        found = _idx_file(raw_dir, filename)
        if found is None:
            raise DatasetUnavailable(
                "dataset.root", f"missing {raw_dir / filename} (or .gz); nothing is downloaded"
            )
        paths[part] = found
    return paths


def _idx_file(raw_dir: Path, filename: str) -> Path | None:
    for candidate in (raw_dir / filename, raw_dir / f"{filename}.gz"):
        if candidate.is_file():
            return candidate
    return None


def image_class_dirs(spec: Mapping[str, Any]) -> list[Path]:
    """Class folders, sorted; an empty class is an error, as in torchvision's ImageFolder."""
    root = dataset_root(spec)
    if not root.is_dir():
        raise DatasetUnavailable("dataset.root", f"image folder {root} does not exist")
    class_dirs = sorted(d for d in root.iterdir() if d.is_dir() and not d.name.startswith("."))
    if not class_dirs:
        raise DatasetUnavailable(
            "dataset.root", f"{root} has no class folders (<root>/<class>/<images>)"
        )
    for class_dir in class_dirs:
        if not any(_is_image(path) for path in class_dir.rglob("*")):
            raise DatasetUnavailable("dataset.root", f"no images in {class_dir}")
    return class_dirs


def _is_image(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES and path.is_file()


def _image_files(class_dir: Path) -> list[Path]:
    return sorted(path for path in class_dir.rglob("*") if _is_image(path))


def _read_image(path: Path, size: int) -> np.ndarray:
    from PIL import Image

    try:
        with Image.open(path) as image:
            resized = image.convert("RGB").resize((size, size), Image.Resampling.BILINEAR)
    except (OSError, ValueError) as error:
        raise DatasetUnavailable("dataset.root", f"cannot read image {path}: {error}") from error
    return (np.asarray(resized, dtype=np.float32) / 255.0).transpose(2, 0, 1)


def dataset_root(spec: Mapping[str, Any]) -> Path:
    root = spec.get("root")
    if not root:
        raise DatasetUnavailable("dataset.root", f"data set {spec.get('name')!r} needs a root")
    return Path(str(root)).expanduser()


def split_dataset(
    images: np.ndarray, labels: np.ndarray, num_classes: int, spec: Mapping[str, Any], seed: int
) -> ArrayDataset:
    """Seeded random split; both parts keep at least one sample so metrics are always defined."""
    count = len(labels)
    val_count = min(max(round(count * float(spec.get("val_fraction", 0.2))), 1), count - 1)
    order = np.random.default_rng(seed).permutation(count)
    val_idx, train_idx = order[:val_count], order[val_count:]
    return ArrayDataset(
        x_train=images[train_idx],
        y_train=labels[train_idx],
        x_val=images[val_idx],
        y_val=labels[val_idx],
        num_classes=num_classes,
    )


def _limit_training(dataset: ArrayDataset, limit: Any, seed: int) -> ArrayDataset:
    """Keep a seeded random subset of `limit` training samples (validation is untouched)."""
    if limit is None or int(limit) >= len(dataset.y_train):
        return dataset
    # Not a prefix: the IDX train files keep their on-disk order, which is not random.
    keep = np.sort(np.random.default_rng(seed).permutation(len(dataset.y_train))[: int(limit)])
    return ArrayDataset(
        x_train=dataset.x_train[keep],
        y_train=dataset.y_train[keep],
        x_val=dataset.x_val,
        y_val=dataset.y_val,
        num_classes=dataset.num_classes,
    )


_CHECKERS: dict[str, Callable[[Mapping[str, Any]], None]] = {
    "digits": _check_digits,
    "synthetic": _check_synthetic,
    "mnist": _check_idx,
    "fashion_mnist": _check_idx,
    "image_folder": _check_image_folder,
}

_LOADERS: dict[str, Callable[[Mapping[str, Any], int], ArrayDataset]] = {
    "digits": _load_digits,
    "synthetic": _load_synthetic,
    "mnist": _load_idx,
    "fashion_mnist": _load_idx,
    "image_folder": _load_image_folder,
}
