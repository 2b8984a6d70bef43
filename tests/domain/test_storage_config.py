"""[storage] path: checked against the machine, made absolute when local, and kept as written
through the recorded config (config.json) that the driver, `resume` and the journal read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.domain.test_config_validation import TINY, FakeWorkspace, data, error_of
from tuneterm.domain.config.spec import StorageSpec
from tuneterm.domain.config.storage import experiment_location
from tuneterm.domain.config.validation import build_config, build_recorded_config
from tuneterm.storage.config_file import load_config
from tuneterm.storage.recorded_config import read_recorded_config

MINIO = "s3://sweeps/team?endpoint_override=127.0.0.1:9000&scheme=http"


class Workspace(FakeWorkspace):
    """The fake machine, where every place can be written to except those in `unwritable`."""

    def __init__(self, *unwritable: str) -> None:
        super().__init__()
        self.unwritable = unwritable

    def storage_problem(self, location: str) -> str | None:
        self.asked.append(f"storage {location}")
        return f"cannot write to {location}: denied" if location in self.unwritable else None


def storing(path: object) -> dict[str, object]:
    return data(storage={"path": path})


def test_a_local_path_is_made_absolute_and_checked_for_writing() -> None:
    workspace = Workspace()
    config = build_config(storing("shared/sweeps"), TINY, workspace)
    assert config.storage == StorageSpec(path="/abs/shared/sweeps")
    assert not config.storage.is_uri
    assert "storage /abs/shared/sweeps" in workspace.asked


def test_a_uri_is_kept_as_written_query_and_all() -> None:
    workspace = Workspace()
    config = build_config(storing(MINIO), TINY, workspace)
    assert config.storage.path == MINIO and config.storage.is_uri
    assert f"storage {MINIO}" in workspace.asked


def test_without_storage_nothing_is_checked() -> None:
    workspace = Workspace()
    assert build_config(data(), TINY, workspace).storage == StorageSpec()
    assert not any(asked.startswith("storage") for asked in workspace.asked)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("ftp://host/sweeps", "unknown storage scheme 'ftp'; use one of s3, gs, gcs, hdfs,"),
        ("", "must not be empty"),
        ("   ", "must not be empty"),
        (3, "expected a string, got integer 3"),
        ("s3://locked/x", "cannot write to s3://locked/x: denied"),
        ("locked", "cannot write to /abs/locked: denied"),
    ],
)
def test_storage_that_cannot_work_is_a_storage_path_error(path: object, message: str) -> None:
    error = error_of(storing(path), Workspace("s3://locked/x", "/abs/locked"))
    assert error.key == "storage.path"
    assert error.message.startswith(message)


def test_an_unknown_key_of_storage_is_named() -> None:
    error = error_of(data(storage={"uri": MINIO}))
    assert error.key == "storage.uri"
    assert error.message == "unknown key 'uri'; the keys of [storage] are path"


@pytest.mark.parametrize(("path", "checked"), [("nfs/sweeps", "/abs/nfs/sweeps"), (MINIO, MINIO)])
def test_storage_round_trips_through_the_recorded_config(path: str, checked: str) -> None:
    config = build_config(storing(path), TINY, Workspace())
    recorded = json.loads(json.dumps(config.to_dict()))
    assert recorded["storage"] == {"path": checked}
    assert build_recorded_config(recorded) == config


def test_no_storage_is_recorded_as_an_empty_table_and_read_back_as_none() -> None:
    config = build_config(data(), TINY, Workspace())
    assert config.to_dict()["storage"] == {}
    assert build_recorded_config(config.to_dict()).storage.path is None


def test_a_config_file_with_storage_is_recorded_for_the_driver(tmp_path: Path) -> None:
    toml = tmp_path / "shared.toml"
    toml.write_text(
        '[experiment]\nname = "s"\nmetric = "accuracy"\nmode = "max"\n\n'
        '[storage]\npath = "sweeps"\n'
    )
    config = load_config(toml)
    assert config.storage.path == str(Path.cwd() / "sweeps")
    (tmp_path / "config.json").write_text(json.dumps(config.to_dict()))
    assert read_recorded_config(tmp_path / "config.json") == config


def test_each_experiment_gets_a_place_of_its_own_in_shared_storage() -> None:
    assert experiment_location("/mnt/nfs/sweeps/", "cnn-1") == "/mnt/nfs/sweeps/cnn-1"
    assert experiment_location(MINIO, "cnn-1") == (
        "s3://sweeps/team/cnn-1?endpoint_override=127.0.0.1:9000&scheme=http"
    )
