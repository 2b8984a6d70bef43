"""The built-in trainables: data sets, models, optimizers and the training loop, without Ray."""

from __future__ import annotations

import gzip
import shutil
import socket
import subprocess
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from PIL import Image

from tuneterm.trainables import train_builtin
from tuneterm.trainables.catalog import BUILTIN_METRICS, DATASETS, OPTIMIZERS
from tuneterm.trainables.data import ArrayDataset, DatasetUnavailable, check_dataset, load_dataset
from tuneterm.trainables.models import build_model, build_optimizer
from tuneterm.trainables.train import EpochResult, run_epochs

IDX_FOLDERS = {"mnist": "MNIST", "fashion_mnist": "FashionMNIST"}
SMALL_SYNTHETIC = {"name": "synthetic", "image_size": 12, "samples": 400, "num_classes": 4}
SMALL_CNN = {"num_conv_layers": 2, "start_filters": 8, "fc_units": 32, "batch_norm": True}


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread() -> Iterator[None]:
    """Train as trials do; tiny models only lose to thread hand-offs on a busy machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


# Data sets -----------------------------------------------------------------------------------


def test_digits_has_the_documented_shapes_and_scale() -> None:
    dataset = load_dataset({"name": "digits"})
    assert dataset.input_shape == (1, 8, 8)
    assert dataset.num_classes == 10
    assert len(dataset.y_val) == round(1797 * 0.2)
    assert len(dataset.y_train) + len(dataset.y_val) == 1797
    assert dataset.x_train.dtype == np.float32 and dataset.y_train.dtype == np.int64
    assert dataset.x_train.min() == 0.0 and dataset.x_train.max() == 1.0


def test_digits_are_scikit_learns_digits() -> None:
    from sklearn.datasets import load_digits

    dataset = load_dataset({"name": "digits", "val_fraction": 0.5})
    images = np.concatenate([dataset.x_train, dataset.x_val]).reshape(-1, 64) * 16.0
    expected = load_digits().data
    assert sorted(map(tuple, images.tolist())) == sorted(map(tuple, expected.tolist()))


def test_split_depends_only_on_the_seed() -> None:
    first, again = (
        load_dataset({"name": "digits"}, seed=3),
        load_dataset({"name": "digits"}, seed=3),
    )
    other = load_dataset({"name": "digits"}, seed=4)
    np.testing.assert_array_equal(first.x_val, again.x_val)
    np.testing.assert_array_equal(first.y_train, again.y_train)
    assert not np.array_equal(first.y_val, other.y_val)


def test_limit_keeps_that_many_training_samples_and_all_validation() -> None:
    full = load_dataset({"name": "digits"})
    limited = load_dataset({"name": "digits", "limit": 100})
    assert len(limited.y_train) == 100
    np.testing.assert_array_equal(limited.y_val, full.y_val)


def test_synthetic_is_deterministic_and_shaped_by_the_spec() -> None:
    spec = {"name": "synthetic", "image_size": 12, "samples": 200, "num_classes": 5}
    first, again = load_dataset(spec, seed=1), load_dataset(spec, seed=1)
    np.testing.assert_array_equal(first.x_train, again.x_train)
    assert first.input_shape == (1, 12, 12)
    assert first.num_classes == 5
    assert set(first.y_train.tolist()) == set(range(5))
    assert not np.array_equal(first.x_train, load_dataset(spec, seed=2).x_train)


@pytest.mark.parametrize("name", DATASETS)
def test_every_configurable_data_set_is_known(name: str) -> None:
    try:
        check_dataset({"name": name, "root": "/nonexistent/tuneterm"})
    except DatasetUnavailable as error:
        assert error.key == "dataset.root"


def test_unknown_data_set_names_the_field() -> None:
    with pytest.raises(DatasetUnavailable) as raised:
        check_dataset({"name": "cifar"})
    assert raised.value.key == "dataset.name"


# IDX (MNIST layout) --------------------------------------------------------------------------


def write_idx(path: Path, array: np.ndarray, compress: bool) -> None:
    header = bytes([0, 0, 0x08, array.ndim]) + np.asarray(array.shape, ">u4").tobytes()
    payload = header + array.astype(np.uint8).tobytes()
    if compress:
        path.with_name(path.name + ".gz").write_bytes(gzip.compress(payload))
    else:
        path.write_bytes(payload)


def write_mnist(raw_dir: Path, compress: bool) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (6, 4, 4)),
        "train-labels-idx1-ubyte": np.array([0, 1, 2, 3, 4, 9]),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (3, 4, 4)),
        "t10k-labels-idx1-ubyte": np.array([5, 6, 7]),
    }
    raw_dir.mkdir(parents=True, exist_ok=True)
    for filename, array in arrays.items():
        write_idx(raw_dir / filename, array, compress)
    return arrays


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gz"])
@pytest.mark.parametrize("name", ["mnist", "fashion_mnist"])
def test_idx_files_load_in_torchvisions_layout(tmp_path: Path, name: str, compress: bool) -> None:
    arrays = write_mnist(tmp_path / IDX_FOLDERS[name] / "raw", compress)
    dataset = load_dataset({"name": name, "root": str(tmp_path)})
    assert dataset.input_shape == (1, 4, 4)
    assert dataset.num_classes == 10
    expected_train = arrays["train-images-idx3-ubyte"][:, None].astype(np.float32) / 255.0
    np.testing.assert_allclose(dataset.x_train, expected_train)
    np.testing.assert_array_equal(dataset.y_train, arrays["train-labels-idx1-ubyte"])
    np.testing.assert_array_equal(dataset.y_val, arrays["t10k-labels-idx1-ubyte"])


def test_idx_root_may_be_the_raw_folder_itself(tmp_path: Path) -> None:
    write_mnist(tmp_path, compress=True)
    dataset = load_dataset({"name": "mnist", "root": str(tmp_path)})
    assert len(dataset.y_train) == 6 and len(dataset.y_val) == 3


def test_missing_idx_file_is_named(tmp_path: Path) -> None:
    raw_dir = tmp_path / "MNIST" / "raw"
    write_mnist(raw_dir, compress=False)
    (raw_dir / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(DatasetUnavailable) as raised:
        check_dataset({"name": "mnist", "root": str(tmp_path)})
    assert raised.value.key == "dataset.root"
    assert str(raw_dir / "t10k-labels-idx1-ubyte") in str(raised.value)
    assert "\n" not in str(raised.value)


def test_empty_root_names_the_expected_raw_folder(tmp_path: Path) -> None:
    with pytest.raises(DatasetUnavailable, match="FashionMNIST/raw/train-images-idx3-ubyte"):
        check_dataset({"name": "fashion_mnist", "root": str(tmp_path)})


def test_idx_without_root_is_unavailable() -> None:
    with pytest.raises(DatasetUnavailable) as raised:
        check_dataset({"name": "mnist", "root": None})
    assert raised.value.key == "dataset.root"


def test_corrupt_idx_file_is_unavailable(tmp_path: Path) -> None:
    write_mnist(tmp_path, compress=False)
    (tmp_path / "train-images-idx3-ubyte").write_bytes(b"not an idx file")
    with pytest.raises(DatasetUnavailable, match="not an IDX file"):
        load_dataset({"name": "mnist", "root": str(tmp_path)})


def test_check_dataset_only_looks_at_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("check_dataset opened a socket")

    monkeypatch.setattr(socket, "socket", no_network)
    with pytest.raises(DatasetUnavailable):
        check_dataset({"name": "mnist", "root": str(tmp_path)})
    write_mnist(tmp_path / "MNIST" / "raw", compress=True)
    check_dataset({"name": "mnist", "root": str(tmp_path)})
    assert sorted(p.name for p in (tmp_path / "MNIST" / "raw").iterdir())[0].endswith(".gz")


# Image folder --------------------------------------------------------------------------------


def write_images(class_dir: Path, color: tuple[int, int, int], count: int) -> None:
    class_dir.mkdir(parents=True)
    for index in range(count):
        Image.new("RGB", (5 + index, 7), color).save(class_dir / f"image{index}.png")


def test_image_folder_loads_classes_in_sorted_order(tmp_path: Path) -> None:
    write_images(tmp_path / "red", (255, 0, 0), 3)
    write_images(tmp_path / "blue", (0, 0, 255), 3)
    spec = {"name": "image_folder", "root": str(tmp_path), "image_size": 6, "val_fraction": 0.34}
    dataset = load_dataset(spec)
    assert dataset.input_shape == (3, 6, 6)
    assert dataset.num_classes == 2
    assert len(dataset.y_train) == 4 and len(dataset.y_val) == 2
    images = np.concatenate([dataset.x_train, dataset.x_val])
    labels = np.concatenate([dataset.y_train, dataset.y_val])
    # "blue" sorts before "red", so blue is class 0.
    np.testing.assert_allclose(images[labels == 0][:, 2], 1.0)
    np.testing.assert_allclose(images[labels == 1][:, 0], 1.0)


def test_image_folder_without_classes_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(DatasetUnavailable, match="no class folders"):
        check_dataset({"name": "image_folder", "root": str(tmp_path)})


def test_image_folder_with_an_empty_class_is_unavailable(tmp_path: Path) -> None:
    write_images(tmp_path / "cats", (1, 2, 3), 2)
    (tmp_path / "dogs").mkdir()
    with pytest.raises(DatasetUnavailable, match=r"no images in .*dogs"):
        check_dataset({"name": "image_folder", "root": str(tmp_path)})


def test_missing_image_folder_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(DatasetUnavailable, match="does not exist"):
        check_dataset({"name": "image_folder", "root": str(tmp_path / "nowhere")})


# Models and optimizers -----------------------------------------------------------------------


@pytest.mark.parametrize("batch_norm", [False, True])
@pytest.mark.parametrize("pooling", [False, True])
@pytest.mark.parametrize("layers", [2, 4])
def test_cnn_gives_logits_on_digit_sized_images(
    layers: int, pooling: bool, batch_norm: bool
) -> None:
    hp = {"num_conv_layers": layers, "pooling": pooling, "batch_norm": batch_norm}
    model = build_model("cnn", hp, (1, 8, 8), 10)
    assert model(torch.rand(5, 1, 8, 8)).shape == (5, 10)


def test_cnn_accepts_quniform_floats_and_caps_filters() -> None:
    hp = {"num_conv_layers": 4.0, "start_filters": 64.0, "kernel_size": 5.0, "fc_units": 16.2}
    model = build_model("cnn", hp, (3, 16, 16), 7)
    convs = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [conv.out_channels for conv in convs] == [64, 128, 256, 256]
    assert model(torch.rand(2, 3, 16, 16)).shape == (2, 7)


@pytest.mark.parametrize("batch_norm", [False, True, "true"])
def test_mlp_gives_logits(batch_norm: object) -> None:
    hp = {"num_layers": 3, "hidden_units": 32.0, "batch_norm": batch_norm, "dropout": 0.5}
    model = build_model("mlp", hp, (1, 8, 8), 10)
    assert model(torch.rand(4, 1, 8, 8)).shape == (4, 10)
    has_norm = any(isinstance(m, torch.nn.BatchNorm1d) for m in model.modules())
    assert has_norm == (batch_norm is not False)


def test_unknown_model_kind_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown model kind"):
        build_model("transformer", {}, (1, 8, 8), 10)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_each_optimizer_builds_and_steps(name: str) -> None:
    model = torch.nn.Linear(4, 2)
    before = model.weight.detach().clone()
    optimizer = build_optimizer(name, model.parameters(), 0.1, 1e-4, 0.9)
    model(torch.rand(3, 4)).sum().backward()
    optimizer.step()
    assert not torch.equal(before, model.weight)


def test_unknown_optimizer_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown optimizer"):
        build_optimizer("lbfgs", torch.nn.Linear(2, 2).parameters(), 0.1, 0.0, 0.9)


# Training loop -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def synthetic() -> ArrayDataset:
    return load_dataset(SMALL_SYNTHETIC, seed=0)


def train(
    hp: dict[str, Any], dataset: ArrayDataset, epochs: int, **kwargs: Any
) -> list[EpochResult]:
    return [result for result, _ in run_epochs("cnn", hp, dataset, epochs, seed=7, **kwargs)]


def test_cnn_learns_synthetic_data_above_chance(synthetic: ArrayDataset) -> None:
    results = train(SMALL_CNN, synthetic, epochs=3)
    assert [r.epoch for r in results] == [1, 2, 3]
    assert results[-1].accuracy > 2 / synthetic.num_classes
    assert results[-1].train_loss < results[0].train_loss


def test_mlp_learns_digits_above_chance() -> None:
    digits = load_dataset({"name": "digits"})
    results = [r for r, _ in run_epochs("mlp", {"hidden_units": 64}, digits, 3, seed=0)]
    assert results[-1].accuracy > 0.8
    assert 0.0 <= results[-1].accuracy <= 1.0 and results[-1].val_loss > 0.0


def test_same_seed_gives_identical_metrics(synthetic: ArrayDataset) -> None:
    hp = {**SMALL_CNN, "dropout": 0.5, "optimizer": "sgd", "lr": 0.05}
    assert train(hp, synthetic, epochs=2) == train(hp, synthetic, epochs=2)


@pytest.mark.parametrize("optimizer", ["adam", "rmsprop"])
def test_resuming_from_a_yielded_state_matches_the_uninterrupted_run(
    synthetic: ArrayDataset, tmp_path: Path, optimizer: str
) -> None:
    hp = {**SMALL_CNN, "optimizer": optimizer}
    uninterrupted = train(hp, synthetic, epochs=4)
    epochs = run_epochs("cnn", hp, synthetic, 4, seed=7)
    for _ in range(2):
        _, state = next(epochs)
    # Finishing the first run must not alter the state it yielded earlier.
    list(epochs)
    # A round trip through torch.save is what a Tune checkpoint does between the two halves.
    torch.save(state, tmp_path / "state.pt")
    resumed = train(hp, synthetic, epochs=4, start_state=torch.load(tmp_path / "state.pt"))
    assert resumed == uninterrupted[2:]


def test_epoch_results_carry_the_builtin_metrics() -> None:
    assert set(BUILTIN_METRICS) <= {field.name for field in fields(EpochResult)}


# The Tune glue, with a stand-in for ray.tune -------------------------------------------------


class FakeCheckpoint:
    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def from_directory(cls, path: str) -> FakeCheckpoint:
        return cls(Path(path))

    @contextmanager
    def as_directory(self) -> Iterator[str]:
        yield str(self.path)


def fake_tune(store: Path, start: FakeCheckpoint | None, reports: list[dict[str, Any]]) -> Any:
    def report(metrics: dict[str, Any], *, checkpoint: FakeCheckpoint) -> None:
        # Tune persists the checkpoint during report; the directory is deleted right after.
        kept = store / f"checkpoint_{len(reports)}"
        shutil.copytree(checkpoint.path, kept)
        reports.append({**metrics, "checkpoint": FakeCheckpoint(kept)})

    tune = types.SimpleNamespace(
        get_checkpoint=lambda: start, report=report, Checkpoint=FakeCheckpoint
    )
    return types.SimpleNamespace(tune=tune)


def run_trial(
    monkeypatch: pytest.MonkeyPatch, store: Path, epochs: int, start: FakeCheckpoint | None = None
) -> list[dict[str, Any]]:
    reports: list[dict[str, Any]] = []
    monkeypatch.setitem(sys.modules, "ray", fake_tune(store, start, reports))
    config = {"num_conv_layers": 1.0, "start_filters": 8, "dropout": 0.5}
    train_builtin(config, kind="cnn", dataset=SMALL_SYNTHETIC, epochs=epochs)
    return reports


def test_train_builtin_reports_every_epoch_and_resumes_from_its_checkpoint(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    full = run_trial(monkeypatch, tmp_path / "full", epochs=3)
    resumed = run_trial(monkeypatch, tmp_path / "resumed", 3, start=full[0]["checkpoint"])
    assert [r["epoch"] for r in full] == [1, 2, 3]
    assert set(BUILTIN_METRICS) <= set(full[0])

    def metrics(reports: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: v for k, v in r.items() if k != "checkpoint"} for r in reports]

    assert metrics(resumed) == metrics(full[1:])


# Import cost ---------------------------------------------------------------------------------


def test_importing_the_package_and_checking_a_data_set_loads_no_torch() -> None:
    code = (
        "import sys, tuneterm.trainables, tuneterm.trainables.data as t\n"
        "t.check_dataset({'name': 'digits'})\n"
        "print(sorted(m for m in ('torch', 'sklearn', 'PIL', 'ray') if m in sys.modules))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert completed.stdout.strip() == "[]"
