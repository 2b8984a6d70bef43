"""Ray's storage for an experiment: where it goes, whether this machine can write there, and which
file system a path is on (a store on NFS gets a warning)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tuneterm.cli.run import warn_if_network_root
from tuneterm.domain.config.spec import StorageSpec
from tuneterm.storage import ray_storage
from tuneterm.storage.ray_storage import (
    file_system_type,
    storage_path,
    storage_problem,
    sweep_location,
)

MOUNTS = """\
sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0
/dev/sda1 / ext4 rw,relatime 0 0
nas:/export/home /home nfs4 rw,relatime,vers=4.2 0 0
/dev/sdb1 /home/alice/scratch xfs rw,relatime 0 0
server:/runs /mnt/shared\\040runs nfs rw 0 0
tmpfs /tmp tmpfs rw,nosuid,nodev 0 0
broken line
"""
"""A /proc/mounts: a local disk mounted inside an NFS home, a mount point with a space."""


@pytest.fixture
def mounts(tmp_path: Path) -> str:
    path = tmp_path / "mounts"
    path.write_text(MOUNTS)
    return str(path)


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/home/alice/experiments", "nfs4"),
        ("/home", "nfs4"),
        ("/home/alice/scratch/runs", "xfs"),
        ("/home/alice/scratchpad", "nfs4"),
        ("/mnt/shared runs/x", "nfs"),
        ("/tmp/tuneterm", "tmpfs"),
        ("/var/lib", "ext4"),
    ],
)
def test_the_longest_mount_point_holding_a_path_gives_its_type(
    mounts: str, path: str, kind: str
) -> None:
    assert file_system_type(path, mounts) == kind


def test_without_a_mounts_file_the_type_is_unknown(tmp_path: Path) -> None:
    assert file_system_type("/home", str(tmp_path / "no-mounts")) is None


def test_this_machines_root_is_on_some_file_system() -> None:
    assert file_system_type("/") is not None


def test_a_root_on_a_network_file_system_gets_one_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    kinds = {str(tmp_path / "nfs"): "nfs4", str(tmp_path / "local"): "ext4"}
    monkeypatch.setattr(ray_storage, "file_system_type", lambda path: kinds.get(path))
    warn_if_network_root(tmp_path / "local")
    assert capsys.readouterr().err == ""
    warn_if_network_root(tmp_path / "nfs")
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"warning: {tmp_path / 'nfs'} is on a network file system (nfs4);")
    assert "(SQLite) needs a local disk" in err and "[storage] path" in err


def test_ray_storage_is_in_the_experiment_or_named_after_it_in_shared_storage() -> None:
    directory = Path("/runs/cnn-20240101-000000")
    assert storage_path(directory, StorageSpec()) == "/runs/cnn-20240101-000000/ray"
    shared = StorageSpec(path="/mnt/nfs/sweeps/")
    assert storage_path(directory, shared) == "/mnt/nfs/sweeps/cnn-20240101-000000"
    s3 = StorageSpec(path="s3://bucket/team?endpoint_override=127.0.0.1:9000&scheme=http")
    assert sweep_location(directory, s3) == (
        "s3://bucket/team/cnn-20240101-000000/sweep?endpoint_override=127.0.0.1:9000&scheme=http"
    )


def test_storage_this_machine_can_write_to_is_accepted_and_left_clean(tmp_path: Path) -> None:
    location = tmp_path / "shared" / "sweeps"
    assert storage_problem(str(location)) is None
    assert location.is_dir() and list(location.iterdir()) == []


def test_storage_under_a_file_or_read_only_is_refused_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("")
    problem = storage_problem(str(tmp_path / "afile" / "sweeps"))
    assert problem is not None and "\n" not in problem
    assert problem.startswith(f"cannot write to {tmp_path / 'afile' / 'sweeps'}: ")
    read_only = tmp_path / "read-only"
    read_only.mkdir()
    read_only.chmod(0o555)
    try:
        if os.access(read_only, os.W_OK):
            pytest.skip("running as a user who may write anywhere (root)")
        assert str(storage_problem(str(read_only))).startswith(f"cannot write to {read_only}: ")
    finally:
        read_only.chmod(0o755)


def test_a_uri_pyarrow_cannot_read_is_refused_with_the_reason() -> None:
    assert storage_problem("s3://bucket/x?colour=blue") == (
        "s3://bucket/x?colour=blue: Unexpected query parameter in S3 URI: 'colour'"
    )
