"""A trial on a second Ray node, whose view of the experiment root is an empty directory: its
output and resource samples still arrive in the experiment directory on the driver's machine,
streamed through the sweep's relay actor."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.runner.cluster_support import TwoNodeCluster, mount_namespace
from tests.runner.test_trial_output_sweep import check_chatty_output, check_memory_rose
from tests.runner.trial_output_support import write_trainable_config
from tests.support import tuneterm
from tuneterm.storage.experiment import ExperimentDir

pytestmark = [pytest.mark.ray, pytest.mark.slow]


def test_output_and_samples_of_a_trial_on_another_node_reach_the_experiment_directory(
    tmp_path: Path, two_nodes: TwoNodeCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    cluster = two_nodes
    runs = cluster.tmp / "runs" / "output"  # hidden from the worker node
    monkeypatch.setenv("RAY_AUTH_TOKEN_PATH", str(cluster.token))
    directory = tmp_path / "work"
    directory.mkdir()
    space = "settle = 2.5\nhold = 4.5\n"
    config = write_trainable_config(directory, "chatty", space, storage=tmp_path / "shared")
    proc = tuneterm(
        "run", str(config), "--headless", "--address", cluster.address,
        cwd=directory, root=runs, timeout=180,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    namespace = (directory / "pids" / "chatty.mnt").read_text()
    assert namespace != mount_namespace(os.getpid()), "it ran on the worker node"
    [path] = runs.iterdir()
    expdir = ExperimentDir(path)
    assert not (cluster.tmp / "worker-disk" / path.name).exists()
    trial_id = check_chatty_output(expdir, directory)
    check_memory_rose(expdir, trial_id)
