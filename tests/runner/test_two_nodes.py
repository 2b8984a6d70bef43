"""A sweep on a two-node cluster started here (token authentication carried to both nodes), the
worker node with a disk of its own where the machine allows it: local storage is refused, shared
storage runs every trial on the worker, and stop, pause, resume-trial and a driver's SIGKILL with
`resume` all work with no result lost."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from tests.control_support import meta, results, started, trials, write_config
from tests.runner.cluster_support import TwoNodeCluster, mount_namespace
from tests.support import tuneterm, wait_for
from tuneterm.domain.status import EndReason, TrialStatus
from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.liveness import effective_status
from tuneterm.storage.store import Store

pytestmark = [pytest.mark.ray, pytest.mark.slow]

ITERATIONS = 10


@pytest.fixture
def cluster(two_nodes: TwoNodeCluster) -> TwoNodeCluster:
    return two_nodes


@pytest.fixture
def base(two_nodes: TwoNodeCluster, request: pytest.FixtureRequest) -> Path:
    """A directory of the test's own that both nodes see; its experiments go to `root_of(base)`,
    under the root the worker node cannot see."""
    path = two_nodes.tmp / request.node.name[:40]
    path.mkdir()
    root_of(path).mkdir()
    return path


def root_of(base: Path) -> Path:
    return base.parent / "runs" / base.name


@pytest.fixture
def env(cluster: TwoNodeCluster, monkeypatch: pytest.MonkeyPatch) -> None:
    # Only where the token is: tuneterm turns token auth on for the driver.
    monkeypatch.setenv("RAY_AUTH_TOKEN_PATH", str(cluster.token))


def run(base: Path, *args: str, timeout: float = 120, cwd: Path | None = None) -> str:
    proc = tuneterm(*args, cwd=cwd or base, root=root_of(base), timeout=timeout)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


@pytest.mark.usefixtures("env")
def test_local_storage_on_a_cluster_of_two_nodes_is_refused_with_the_fix(
    base: Path, cluster: TwoNodeCluster
) -> None:
    directory = base / "refused"
    directory.mkdir()
    config = write_config(directory, "checkpointed", [1], period=0.1, cpu=1)
    proc = tuneterm(
        "run", str(config), "--headless", "--address", cluster.address,
        cwd=directory, root=root_of(base), timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "storage.path: the cluster has 2 nodes" in proc.stdout
    assert "set [storage] path to a directory every node mounts" in proc.stdout
    expdir = next(path for path in root_of(base).iterdir() if path.name.startswith("checkpointed"))
    with Store.open(ExperimentDir(expdir).store) as store:
        assert store.trials() == []


@pytest.mark.usefixtures("env")
def test_shared_storage_runs_on_the_worker_and_survives_control_and_a_killed_driver(
    base: Path, cluster: TwoNodeCluster
) -> None:
    directory = base / "shared-run"
    directory.mkdir()
    config = write_config(
        directory, "checkpointed", [1, 2, 3], period=0.4, cpu=1, extra_space=f"n = {ITERATIONS}"
    )
    config.write_text(config.read_text() + f'\n[storage]\npath = "{base / "shared"}"\n')
    out = run(base, "run", str(config), "--detach", "--address", cluster.address, cwd=directory)
    expdir = ExperimentDir(Path(out.strip()))
    wait_for(started(expdir, 1, min_results=2), timeout=120)
    wait_for(started(expdir, 2, min_results=2), timeout=60)
    # The trial runs where the experiment root is an empty directory: on the worker node.
    pid = int((directory / "pids" / "1.pid").read_text())
    assert mount_namespace(pid) != mount_namespace(os.getpid())
    assert not (expdir.path / "ray").exists()

    by_x = trials(expdir)
    run(base, "stop", str(expdir.path), by_x[1].trial_id)
    run(base, "pause", str(expdir.path), by_x[2].trial_id)
    assert trials(expdir)[2].status is TrialStatus.PAUSED
    wait_for(started(expdir, 3, min_results=1), timeout=60)
    run(base, "resume-trial", str(expdir.path), by_x[2].trial_id)
    wait_for(lambda: len(results(expdir, by_x[2].trial_id)) > 4, timeout=60)

    os.kill(int(meta(expdir)["driver_pid"]), signal.SIGKILL)
    wait_for(lambda: effective_status(meta(expdir)) == "crashed", timeout=15)
    with Store.open(expdir.store) as store:
        before = {(r.trial_id, r.iteration) for r in store.results()}
    run(base, "resume", str(expdir.path), timeout=180, cwd=directory)
    assert meta(expdir)["status"] == "finished"
    with Store.open(expdir.store) as store:
        after = {(r.trial_id, r.iteration) for r in store.results()}
    assert before <= after
    final = trials(expdir)
    assert final[1].reason is EndReason.USER
    for x in (2, 3):
        assert (final[x].reason, final[x].last_iteration) == (EndReason.COMPLETED, ITERATIONS)
        assert results(expdir, final[x].trial_id) == list(range(1, ITERATIONS + 1))
