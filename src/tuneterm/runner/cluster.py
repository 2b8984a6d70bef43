"""What a sweep needs of a Ray cluster with more than one node: storage every node reaches."""

from __future__ import annotations

from typing import Any

from tuneterm.domain.config.spec import ExperimentConfig


class UnsharedStorage(Exception):
    """The cluster has other nodes, and Ray's storage is a directory only this machine has."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def alive_nodes(ray: Any) -> int:
    return sum(1 for node in ray.nodes() if node.get("Alive"))


def check_shared_storage(ray: Any, config: ExperimentConfig, local_path: str) -> None:
    """Refuse a sweep on a multi-node cluster whose checkpoints would go to a local directory:
    Ray would fail every trial at its first checkpoint on another node."""
    if config.storage.path is not None:
        return
    nodes = alive_nodes(ray)
    if nodes > 1:
        raise UnsharedStorage(
            f"storage.path: the cluster has {nodes} nodes, but without [storage] path the trials'"
            f" checkpoints go to {local_path}, which the other nodes cannot reach; set [storage]"
            " path to a directory every node mounts or an s3:// or gs:// URI (docs/cluster.md)"
        )
