"""One two-node cluster for every test that needs a second Ray node (starting one takes ~20 s)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.runner.cluster_support import TwoNodeCluster, private_mounts_problem


@pytest.fixture(scope="session")
def two_nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TwoNodeCluster]:
    """A head with no CPUs and a worker with two, whose view of `<tmp>/runs` (where the tests
    keep their experiments) is an empty directory of its own."""
    problem = private_mounts_problem()
    if problem is not None:
        pytest.skip(f"the worker node cannot get a disk of its own: {problem}")
    base = tmp_path_factory.mktemp("two-nodes")
    (base / "runs").mkdir()
    cluster = TwoNodeCluster(base, hidden=base / "runs")
    yield cluster
    cluster.stop()
