"""A stand-in for torchvision, put in sys.modules, for machines where the real one does not import.

It does what tuneterm asks of torchvision, the same way, and notes every call: which data set
class was built with which arguments, which transform with which amounts. Its horizontal flip
always flips, so that a test can see it applied to every image.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from PIL import Image

from tuneterm.trainables import readers
from tuneterm.trainables.data import read_idx


class FakeTorchvision:
    """The fake's modules and the calls made to them."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
        self.images_transformed = 0
        self.module = types.ModuleType("torchvision")
        self.datasets = types.ModuleType("torchvision.datasets")
        self.transforms = types.ModuleType("torchvision.transforms")
        self.module.datasets = self.datasets  # type: ignore[attr-defined]
        self.module.transforms = self.transforms  # type: ignore[attr-defined]
        self._add_datasets()
        self._add_transforms()

    def called(self, name: str) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
        return [(args, kwargs) for called, args, kwargs in self.calls if called == name]

    def _note(self, name: str, *args: Any, **kwargs: Any) -> None:
        self.calls.append((name, args, kwargs))

    def _add_datasets(self) -> None:
        fake = self

        class MNIST:
            def __init__(self, root: str, train: bool = True, download: bool = False) -> None:
                fake._note(type(self).__name__, root, train=train, download=download)
                raw = Path(root) / type(self).__name__ / "raw"
                prefix = "train" if train else "t10k"
                self.data = torch.from_numpy(read_idx(raw / f"{prefix}-images-idx3-ubyte"))
                labels = read_idx(raw / f"{prefix}-labels-idx1-ubyte").astype(np.int64)
                self.targets = torch.from_numpy(labels)

        class FashionMNIST(MNIST):
            pass

        class ImageFolder:
            def __init__(
                self,
                root: str,
                transform: Callable[[Any], Any] | None = None,
                is_valid_file: Callable[[str], bool] | None = None,
            ) -> None:
                fake._note("ImageFolder", root, transform=transform, is_valid_file=is_valid_file)
                classes, class_to_idx = self.find_classes(root)
                valid = is_valid_file or (lambda path: True)
                self.samples = [
                    (path, class_to_idx[name])
                    for name in classes
                    for path in sorted((Path(root) / name).rglob("*"))
                    if path.is_file() and valid(str(path))
                ]
                self.targets = [target for _, target in self.samples]
                self.transform = transform or (lambda image: image)

            def find_classes(self, directory: str) -> tuple[list[str], dict[str, int]]:
                # torchvision's own takes every folder, hidden ones too.
                names = sorted(entry.name for entry in Path(directory).iterdir() if entry.is_dir())
                return names, {name: index for index, name in enumerate(names)}

            def __getitem__(self, index: int) -> tuple[Any, int]:
                path, target = self.samples[index]
                with Image.open(path) as image:
                    return self.transform(image.convert("RGB")), target

            def __len__(self) -> int:
                return len(self.samples)

        for dataset_class in (MNIST, FashionMNIST, ImageFolder):
            setattr(self.datasets, dataset_class.__name__, dataset_class)

    def _add_transforms(self) -> None:
        fake = self

        def transform(name: str, apply: Callable[..., Any]) -> type:
            def init(self: Any, *args: Any, **kwargs: Any) -> None:
                fake._note(name, *args, **kwargs)
                self.args, self.kwargs = args, kwargs

            def call(self: Any, image: Any) -> Any:
                return apply(self, image)

            return type(name, (), {"__init__": init, "__call__": call})

        def flip(_: Any, image: torch.Tensor) -> torch.Tensor:
            fake.images_transformed += 1
            return image.flip(-1)

        def resize(step: Any, image: Image.Image) -> Image.Image:
            height, width = step.args[0]
            return image.resize((width, height), Image.Resampling.BILINEAR)

        def to_tensor(_: Any, image: Image.Image) -> torch.Tensor:
            array = np.asarray(image, dtype=np.float32) / 255.0
            return torch.from_numpy(array.transpose(2, 0, 1).copy())

        def compose(step: Any, image: Any) -> Any:
            for inner in step.args[0]:
                image = inner(image)
            return image

        def same(_: Any, image: Any) -> Any:
            return image

        steps = {
            "Compose": compose,
            "Resize": resize,
            "ToTensor": to_tensor,
            "RandomHorizontalFlip": flip,
            "RandomVerticalFlip": same,
            "RandomRotation": same,
            "RandomCrop": same,
            "ColorJitter": same,
        }
        for name, apply in steps.items():
            setattr(self.transforms, name, transform(name, apply))


def install(monkeypatch: pytest.MonkeyPatch, module: object) -> Iterator[None]:
    """Make `import torchvision` give `module` (None: fail) until the test ends."""
    readers.torchvision_problem.cache_clear()
    monkeypatch.setitem(sys.modules, "torchvision", module)
    if isinstance(module, types.ModuleType):
        monkeypatch.setitem(sys.modules, "torchvision.datasets", module.datasets)
        monkeypatch.setitem(sys.modules, "torchvision.transforms", module.transforms)
    yield
    monkeypatch.undo()
    readers.torchvision_problem.cache_clear()


BROKEN = "operator torchvision::nms does not exist"
"""What a torchvision wheel built for another torch raises on import (a RuntimeError)."""


class _BrokenLoader(importlib.abc.Loader):
    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        raise RuntimeError(BROKEN)


class _BrokenFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, name: str, path: object = None, target: object = None) -> Any:
        if name != "torchvision":
            return None
        return importlib.machinery.ModuleSpec(name, _BrokenLoader())


def install_broken(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Make `import torchvision` find a package that raises RuntimeError as it imports."""
    readers.torchvision_problem.cache_clear()
    monkeypatch.delitem(sys.modules, "torchvision", raising=False)
    monkeypatch.setattr(sys, "meta_path", [_BrokenFinder(), *sys.meta_path])
    yield
    monkeypatch.undo()
    readers.torchvision_problem.cache_clear()
