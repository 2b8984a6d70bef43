"""[storage]: where Ray Tune keeps a sweep's trial directories, checkpoints and experiment state,
and how one experiment's place in it is named."""

from __future__ import annotations

import dataclasses
from typing import Protocol

from tuneterm.domain.config.space import ValidationError, one_of, require
from tuneterm.domain.config.spec import StorageSpec

SCHEMES = ("s3", "gs", "gcs", "hdfs", "viewfs", "abfs", "abfss", "file")
"""URI schemes pyarrow's file systems accept (Ray Tune's storage goes through them)."""


class StorageChecker(Protocol):
    def absolute(self, path: str) -> str: ...

    def storage_problem(self, location: str) -> str | None:
        """Why a sweep could not write to `location` (a path or a URI); None when it can."""
        ...


def checked_storage(spec: StorageSpec, workspace: StorageChecker) -> StorageSpec:
    """`spec` with a local path made absolute; ValidationError for an unknown scheme or a place
    this machine cannot write to."""
    if spec.path is None:
        return spec
    require(spec.path.strip() != "", "storage.path", "must not be empty")
    if "://" in spec.path:
        scheme = spec.path.split("://", 1)[0].lower()
        one_of(scheme, SCHEMES, "storage.path", "storage scheme")
    else:
        spec = dataclasses.replace(spec, path=workspace.absolute(spec.path))
    problem = workspace.storage_problem(spec.path or "")
    if problem is not None:
        raise ValidationError("storage.path", problem)
    return spec


def experiment_location(base: str, name: str) -> str:
    """`base`/`name`, keeping a URI's query (`?endpoint_override=...`) at the end."""
    location, sep, query = base.partition("?")
    return f"{location.rstrip('/')}/{name}{sep}{query}"
