"""Which reader loads the built-in data sets, torchvision's where it imports, tuneterm's own
elsewhere, and augmentation; the journal's overview and the trial detail say which reader ran.

This machine's torchvision is tried for real: the tests of the path it lacks run against a
stand-in (tests.trainables.fake_torchvision) for the wiring, and those that need the real one
are skipped with the reason it does not import."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from tests.trainables.fake_torchvision import BROKEN, FakeTorchvision, install, install_broken
from tests.trainables.test_trainables import (
    SMALL_CNN,
    SMALL_SYNTHETIC,
    one_torch_thread,  # noqa: F401 (autouse: trains as trials do)
    run_trial,
    write_images,
    write_mnist,
)
from tuneterm.domain.config.spec import TrainableSpec
from tuneterm.domain.data_reader import TORCHVISION, TUNETERM
from tuneterm.storage.config_file import config_from_dict
from tuneterm.trainables import data as tuneterm_data
from tuneterm.trainables import readers
from tuneterm.trainables.augment import build_augmentation
from tuneterm.trainables.data import DatasetUnavailable
from tuneterm.trainables.readers import load_data
from tuneterm.trainables.train import run_epochs

REAL_PROBLEM = readers.torchvision_problem()
"""Why this machine's torchvision does not import; None when it does."""

needs_torchvision = pytest.mark.skipif(
    REAL_PROBLEM is not None, reason=f"torchvision does not import here: {REAL_PROBLEM}"
)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTorchvision]:
    """A machine where `import torchvision` gives the stand-in."""
    stand_in = FakeTorchvision()
    for _ in install(monkeypatch, stand_in.module):
        yield stand_in


@pytest.fixture
def missing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A machine where `import torchvision` fails."""
    yield from install(monkeypatch, None)


def image_tree(root: Path) -> dict[str, Any]:
    write_images(root / "cat", (250, 10, 10), 3)
    write_images(root / "dog", (10, 10, 250), 3)
    write_images(root / ".thumbnails", (0, 250, 0), 2)
    (root / "dog" / "notes.txt").write_text("not an image")
    return {"name": "image_folder", "root": str(root), "image_size": 6, "val_fraction": 0.34}


def same_dataset(left: Any, right: Any) -> None:
    for part in ("x_train", "y_train", "x_val", "y_val"):
        np.testing.assert_allclose(getattr(left, part), getattr(right, part), atol=1e-6)
    assert left.num_classes == right.num_classes


# Which reader ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("missing")
def test_without_torchvision_every_data_set_is_read_by_tuneterm(tmp_path: Path) -> None:
    write_mnist(tmp_path / "MNIST" / "raw", compress=False)
    problem = readers.torchvision_problem()
    assert problem is not None and problem.startswith(("ImportError", "ModuleNotFoundError"))
    for spec in (
        {"name": "digits"},
        {"name": "mnist", "root": str(tmp_path)},
        image_tree(tmp_path / "i"),
    ):
        assert readers.data_reader(spec) == TUNETERM
        assert readers.torchvision_loader(spec) is None


def test_torchvision_reads_the_layouts_it_knows(fake: FakeTorchvision, tmp_path: Path) -> None:
    write_mnist(tmp_path / "std" / "MNIST" / "raw", compress=False)
    write_mnist(tmp_path / "gz" / "MNIST" / "raw", compress=True)
    write_mnist(tmp_path / "flat", compress=False)
    reader = readers.data_reader
    assert reader({"name": "mnist", "root": str(tmp_path / "std")}) == TORCHVISION
    assert reader({"name": "fashion_mnist", "root": str(tmp_path / "std")}) == TUNETERM
    assert reader({"name": "mnist", "root": str(tmp_path / "gz")}) == TUNETERM
    assert reader({"name": "mnist", "root": str(tmp_path / "flat")}) == TUNETERM
    assert reader(image_tree(tmp_path / "images")) == TORCHVISION
    assert reader({"name": "digits"}) == reader(SMALL_SYNTHETIC) == TUNETERM


def test_the_driver_records_the_reader_of_built_in_trainables_only() -> None:
    config = config_from_dict(
        {"experiment": {"name": "r", "metric": "accuracy", "mode": "max"}, "dataset": {}}
    )
    assert readers.reader_facts(config) == {"data_reader": TUNETERM}
    own = dataclasses.replace(config, trainable=TrainableSpec(name="json:loads"))
    assert readers.reader_facts(own) == {}


# torchvision's readers, through the stand-in -------------------------------------------------


@pytest.mark.parametrize(
    ("name", "folder"), [("mnist", "MNIST"), ("fashion_mnist", "FashionMNIST")]
)
def test_idx_data_sets_load_through_torchvision_never_downloading(
    fake: FakeTorchvision, tmp_path: Path, name: str, folder: str
) -> None:
    write_mnist(tmp_path / folder / "raw", compress=False)
    spec = {"name": name, "root": str(tmp_path)}
    through_torchvision = load_data(spec)
    assert fake.called(folder) == [
        ((str(tmp_path),), {"train": True, "download": False}),
        ((str(tmp_path),), {"train": False, "download": False}),
    ]
    fake.calls.clear()
    same_dataset(through_torchvision, tuneterm_data.load_dataset(spec))
    assert fake.calls == [], "tuneterm's own reader used torchvision"


def test_image_folder_loads_through_torchvision_with_tuneterms_classes(
    fake: FakeTorchvision, tmp_path: Path
) -> None:
    spec = image_tree(tmp_path)
    through_torchvision = load_data(spec)
    [(args, options)] = fake.called("ImageFolder")
    assert args == (str(tmp_path),)
    assert options["is_valid_file"](str(tmp_path / "a.PNG"))
    assert not options["is_valid_file"](str(tmp_path / "dog" / "notes.txt"))
    assert fake.called("Resize") == [(((6, 6),), {})]
    # The hidden folder is no class, as with tuneterm's reader: two classes, three images each.
    assert through_torchvision.num_classes == 2
    assert len(through_torchvision.y_train) + len(through_torchvision.y_val) == 6
    same_dataset(through_torchvision, tuneterm_data.load_dataset(spec))


def test_a_torchvision_failure_is_an_unavailable_data_set(
    fake: FakeTorchvision, tmp_path: Path
) -> None:
    write_mnist(tmp_path / "MNIST" / "raw", compress=False)

    def refuse(*args: object, **kwargs: object) -> None:
        raise RuntimeError("Dataset not found.\nYou can use download=True to download it")

    fake.datasets.MNIST = refuse  # type: ignore[attr-defined]
    with pytest.raises(DatasetUnavailable) as raised:
        load_data({"name": "mnist", "root": str(tmp_path)})
    assert raised.value.key == "dataset.root"
    assert str(raised.value) == (
        f"torchvision cannot read {tmp_path}: RuntimeError: Dataset not found. You can use"
        " download=True to download it"
    )


# Augmentation -------------------------------------------------------------------------------


def test_each_augmentation_becomes_its_torchvision_transform(fake: FakeTorchvision) -> None:
    augment = build_augmentation(["hflip", "vflip", "rotate:15", "crop:2", "jitter:0.3"], (5, 4))
    assert augment is not None
    assert [name for name, _, _ in fake.calls] == [
        "RandomHorizontalFlip",
        "RandomVerticalFlip",
        "RandomRotation",
        "RandomCrop",
        "ColorJitter",
        "Compose",
    ]
    assert fake.called("RandomRotation") == [((15.0,), {})]
    assert fake.called("RandomCrop") == [(((5, 4),), {"padding": 2})]
    assert fake.called("ColorJitter") == [((), {"brightness": 0.3, "contrast": 0.3})]
    batch = torch.arange(3 * 2 * 5 * 4, dtype=torch.float32).reshape(3, 2, 5, 4)
    augmented = augment(batch)
    assert fake.images_transformed == 3
    assert torch.equal(augmented, batch.flip(-1))
    assert augmented.is_contiguous(memory_format=torch.channels_last)


def test_no_augmentation_needs_no_torchvision(missing: None) -> None:
    assert build_augmentation(None, (8, 8)) is None
    assert build_augmentation((), (8, 8)) is None


def test_augmentation_on_a_node_without_torchvision_says_why(missing: None) -> None:
    with pytest.raises(DatasetUnavailable) as raised:
        build_augmentation(["hflip"], (8, 8))
    assert raised.value.key == "dataset.augment"
    assert str(raised.value).startswith(
        "augmentation needs torchvision, which does not import on this node (ModuleNotFoundError"
    )


def test_a_torchvision_that_fails_as_it_imports_counts_as_missing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    write_mnist(tmp_path / "MNIST" / "raw", compress=False)
    for _ in install_broken(monkeypatch):
        assert readers.torchvision_problem() == f"RuntimeError: {BROKEN}"
        assert readers.data_reader({"name": "mnist", "root": str(tmp_path)}) == TUNETERM
        assert len(load_data({"name": "mnist", "root": str(tmp_path)}).y_train) == 6


def test_an_entry_outside_the_vocabulary_is_unavailable(fake: FakeTorchvision) -> None:
    with pytest.raises(DatasetUnavailable, match="unknown augmentation 'zoom:2'") as raised:
        build_augmentation(["zoom:2"], (8, 8))
    assert raised.value.key == "dataset.augment"


class NoisyAugmenter:
    """Adds noise drawn from torch's global generator, as torchvision's random transforms do."""

    def __init__(self) -> None:
        self.samples_seen = 0

    def __call__(self, batch: torch.Tensor) -> torch.Tensor:
        self.samples_seen += len(batch)
        return (batch + 0.3 * torch.rand_like(batch)).clamp(0, 1)


def test_augmentation_touches_training_batches_only_and_resumes_exactly() -> None:
    data = load_data(SMALL_SYNTHETIC, seed=0)
    noisy = NoisyAugmenter()
    augmented = [r for r, _ in run_epochs("cnn", SMALL_CNN, data, 3, seed=7, augment=noisy)]
    assert noisy.samples_seen == 3 * len(data.y_train)
    plain = [r for r, _ in run_epochs("cnn", SMALL_CNN, data, 3, seed=7)]
    assert [r.train_loss for r in augmented] != [r.train_loss for r in plain]
    epochs = run_epochs("cnn", SMALL_CNN, data, 3, seed=7, augment=NoisyAugmenter())
    _, state = next(epochs)
    resumed = run_epochs("cnn", SMALL_CNN, data, 3, seed=7, start_state=state, augment=noisy)
    assert [r for r, _ in resumed] == augmented[1:]


def test_a_trial_augments_its_training_images(
    fake: FakeTorchvision, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    spec = {**SMALL_SYNTHETIC, "augment": ("hflip",)}
    monkeypatch.setattr("tests.trainables.test_trainables.SMALL_SYNTHETIC", spec)
    reports = run_trial(monkeypatch, tmp_path, epochs=1)
    assert [report["epoch"] for report in reports] == [1]
    train_count = len(load_data(SMALL_SYNTHETIC).y_train)
    assert fake.images_transformed >= train_count - 1  # a last batch of one is skipped


# The real torchvision, where it imports -------------------------------------------------------


@needs_torchvision
def test_real_torchvision_reads_mnist_as_tuneterm_does(tmp_path: Path) -> None:
    write_mnist(tmp_path / "MNIST" / "raw", compress=False)
    spec = {"name": "mnist", "root": str(tmp_path)}
    assert readers.data_reader(spec) == TORCHVISION
    same_dataset(load_data(spec), tuneterm_data.load_dataset(spec))


@needs_torchvision
def test_real_torchvision_reads_an_image_folder_as_tuneterm_does(tmp_path: Path) -> None:
    spec = image_tree(tmp_path)
    assert readers.data_reader(spec) == TORCHVISION
    same_dataset(load_data(spec), tuneterm_data.load_dataset(spec))


@needs_torchvision
def test_real_torchvision_flips_some_images_and_keeps_the_shape() -> None:
    augment = build_augmentation(["hflip", "rotate:10", "crop:1", "jitter:0.2"], (6, 6))
    assert augment is not None
    torch.manual_seed(0)
    batch = torch.rand(16, 3, 6, 6)
    augmented = augment(batch)
    assert augmented.shape == batch.shape
    assert not torch.equal(augmented, batch)
    assert float(augmented.min()) >= 0.0 and float(augmented.max()) <= 1.0
