"""Ray Tune's storage for one experiment: a local directory, a directory every node mounts, or a
URI of one of pyarrow's file systems (`s3://bucket/prefix`). pyarrow (installed with Ray) is
imported only here and only when asked."""

from __future__ import annotations

import fnmatch
import uuid
from pathlib import Path
from typing import Any

from tuneterm.domain.config.spec import StorageSpec
from tuneterm.domain.config.storage import experiment_location
from tuneterm.domain.ray_result import STATE_GLOB
from tuneterm.domain.text import one_line

SWEEP_NAME = "sweep"
"""Ray Tune's experiment name: its state lives in `<Ray's storage path>/sweep`."""

NETWORK_FILE_SYSTEMS = frozenset(
    {"nfs", "nfs4", "cifs", "smb3", "smbfs", "fuse.sshfs", "lustre", "gpfs", "ceph", "9p", "afs"}
)
"""Mount types on which SQLite's write-ahead log is unsafe (its shared memory is per host)."""


def storage_path(directory: Path, spec: StorageSpec) -> str:
    """Ray Tune's storage path for the experiment in `directory`: `<directory>/ray`, or a place of
    its own (named after the directory) in the shared storage `[storage] path` names."""
    if spec.path is None:
        return str(directory / "ray")
    return experiment_location(spec.path, directory.name)


def sweep_location(directory: Path, spec: StorageSpec) -> str:
    """Where Ray keeps this experiment's sweep: its state files and trial directories."""
    return experiment_location(storage_path(directory, spec), SWEEP_NAME)


def file_system(location: str) -> tuple[Any, str]:
    """pyarrow's file system for `location` and the path within it."""
    from pyarrow import fs

    if "://" not in location:
        return fs.LocalFileSystem(), location
    filesystem, path = fs.FileSystem.from_uri(location)
    return filesystem, str(path)


def storage_problem(location: str) -> str | None:
    """Why a sweep could not keep its files at `location`, on one line; None when it can.

    A marker file is written and deleted: reading rights alone do not make storage."""
    try:
        filesystem, path = file_system(location)
    except Exception as error:  # pyarrow raises its own ArrowInvalid, OSError, ValueError
        return f"{location}: {one_line(str(error))}"
    marker = f"{path.rstrip('/')}/.tuneterm-write-check-{uuid.uuid4().hex}"
    try:
        filesystem.create_dir(path, recursive=True)
        with filesystem.open_output_stream(marker) as stream:
            stream.write(b"ok")
        filesystem.delete_file(marker)
    except Exception as error:
        return f"cannot write to {location}: {one_line(str(error))}"
    return None


def saved_state_times(location: str) -> list[float]:
    """When each of Ray's experiment state files at `location` was last written (seconds)."""
    from pyarrow import fs

    filesystem, path = file_system(location)
    try:
        infos = filesystem.get_file_info(fs.FileSelector(path, allow_not_found=True))
    except OSError:
        return []
    return [
        info.mtime.timestamp()
        for info in infos
        if info.type == fs.FileType.File
        and fnmatch.fnmatch(info.base_name, STATE_GLOB)
        and info.mtime is not None
    ]


def file_system_type(path: str, mounts: str = "/proc/mounts") -> str | None:
    """The type of the file system `path` is on, from the longest matching mount point."""
    try:
        with open(mounts, encoding="utf-8", errors="replace") as file:
            lines = file.read().splitlines()
    except OSError:
        return None
    best: tuple[int, str] | None = None
    for line in lines:
        fields = line.split()
        if len(fields) < 3:
            continue
        point = fields[1].replace("\\040", " ")
        inside = path == point or path.startswith(point.rstrip("/") + "/")
        if inside and (best is None or len(point) > best[0]):
            best = (len(point), fields[2])
    return best[1] if best else None
