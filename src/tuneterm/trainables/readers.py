"""Which reader loads a built-in data set, and torchvision's readers.

Where torchvision imports, `image_folder`, `mnist` and `fashion_mnist` are read through its data
sets (`ImageFolder`, `MNIST`, `FashionMNIST`) and transforms; elsewhere, and for the layouts
torchvision does not read (gzipped IDX files, a root that is the raw folder itself), tuneterm's own
readers in `data` read them. Both give the same `ArrayDataset`. torchvision is imported only when
one of those data sets is asked for, never at module level.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from tuneterm.domain.config.spec import ExperimentConfig
from tuneterm.domain.data_reader import DATA_READER_KEY, TORCHVISION, TUNETERM
from tuneterm.domain.text import one_line
from tuneterm.trainables.data import (
    IDX_FILES,
    IDX_FOLDERS,
    IMAGE_SUFFIXES,
    ArrayDataset,
    DatasetUnavailable,
    dataset_root,
    idx_images,
    image_class_dirs,
    load_dataset,
    split_dataset,
)

__all__ = [
    "TORCHVISION_DATASETS",
    "data_reader",
    "load_data",
    "reader_facts",
    "torchvision_problem",
]

TORCHVISION_DATASETS = ("image_folder", "mnist", "fashion_mnist")
"""The data sets torchvision reads where it imports."""

Loader = Callable[[Mapping[str, Any], int], ArrayDataset]


@functools.cache
def torchvision_problem() -> str | None:
    """Why torchvision does not import in this process, on one line; None when it does.

    Really imported: a wheel built for another torch is found, then raises RuntimeError (not
    ImportError) on import."""
    try:
        import torchvision  # noqa: F401
    except Exception as error:
        return one_line(f"{type(error).__name__}: {error}")
    return None


def data_reader(spec: Mapping[str, Any]) -> str:
    """TORCHVISION when torchvision imports here and reads this data set in its layout, else
    TUNETERM. Decides `load_dataset`; the driver records it (`reader_facts`)."""
    name = spec.get("name", "digits")
    if name not in TORCHVISION_DATASETS or torchvision_problem() is not None:
        return TUNETERM
    if name in IDX_FOLDERS and _torchvision_raw_dir(spec) is None:
        return TUNETERM
    return TORCHVISION


def load_data(spec: Mapping[str, Any], seed: int = 0) -> ArrayDataset:
    """`data.load_dataset`, read by the reader `data_reader` chooses: what a trial trains on."""
    return load_dataset(spec, seed, torchvision_loader(spec))


def reader_facts(config: ExperimentConfig) -> dict[str, str]:
    """{"data_reader": ...} for a built-in trainable, decided on this machine (the driver's; a
    worker node without torchvision reads with tuneterm's readers); {} for the user's own."""
    if not config.trainable.is_builtin:
        return {}
    return {DATA_READER_KEY: data_reader(dataclasses.asdict(config.dataset))}


def torchvision_loader(spec: Mapping[str, Any]) -> Loader | None:
    """torchvision's loader for `spec` where `data_reader` chooses it; None otherwise."""
    if data_reader(spec) != TORCHVISION:
        return None
    return _load_idx if spec.get("name") in IDX_FOLDERS else _load_image_folder


def _torchvision_raw_dir(spec: Mapping[str, Any]) -> Path | None:
    """ROOT/MNIST/raw (or FashionMNIST) when it holds the four files unpacked, as torchvision
    reads them without downloading; None otherwise."""
    root = spec.get("root")
    if not root:
        return None
    raw_dir = Path(str(root)).expanduser() / IDX_FOLDERS[spec["name"]] / "raw"
    found = all((raw_dir / filename).is_file() for filename in IDX_FILES.values())
    return raw_dir if found else None


def _load_idx(spec: Mapping[str, Any], seed: int) -> ArrayDataset:
    """torchvision's MNIST or FashionMNIST: its train part trains, its test part validates."""
    from torchvision import datasets

    dataset_class = datasets.MNIST if spec["name"] == "mnist" else datasets.FashionMNIST
    root = str(dataset_root(spec))
    train = _read(lambda: dataset_class(root, train=True, download=False), root)
    test = _read(lambda: dataset_class(root, train=False, download=False), root)
    return ArrayDataset(
        x_train=idx_images(_numpy(train.data)),
        y_train=_numpy(train.targets).astype(np.int64),
        x_val=idx_images(_numpy(test.data)),
        y_val=_numpy(test.targets).astype(np.int64),
        num_classes=10,
    )


def _load_image_folder(spec: Mapping[str, Any], seed: int) -> ArrayDataset:
    """torchvision's ImageFolder, resized by its transforms; classes as tuneterm's reader finds
    them (sorted, hidden folders left out), so both readers give the same labels."""
    from torchvision import datasets, transforms

    class_names = [class_dir.name for class_dir in image_class_dirs(spec)]
    size = int(spec.get("image_size", 28))
    to_tensor = transforms.Compose([transforms.Resize((size, size)), transforms.ToTensor()])

    class Folder(datasets.ImageFolder):  # type: ignore[misc]
        def find_classes(self, directory: str) -> tuple[list[str], dict[str, int]]:
            return class_names, {name: index for index, name in enumerate(class_names)}

    root = str(dataset_root(spec))
    folder = _read(lambda: Folder(root, transform=to_tensor, is_valid_file=_is_image), root)
    images = _read(lambda: np.stack([_numpy(image) for image, _ in folder]), root)
    labels = np.asarray(folder.targets, dtype=np.int64)
    return split_dataset(images.astype(np.float32), labels, len(class_names), spec, seed)


def _is_image(path: str) -> bool:
    return Path(path).suffix.lower() in IMAGE_SUFFIXES


def _read(read: Callable[[], Any], root: str) -> Any:
    """`read()`, its failures (a missing file, a corrupt image) made DatasetUnavailable."""
    try:
        return read()
    except (OSError, RuntimeError, ValueError) as error:
        message = f"torchvision cannot read {root}: {type(error).__name__}: {error}"
        raise DatasetUnavailable("dataset.root", message) from error


def _numpy(tensor: Any) -> np.ndarray:
    return np.asarray(tensor.numpy() if hasattr(tensor, "numpy") else tensor)
