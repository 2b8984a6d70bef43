"""`--address`: a sweep on an existing Ray cluster, with token authentication, stopping only the
head this test started."""

from __future__ import annotations

import secrets
import socket
from pathlib import Path

import pytest

from tests.conftest import RayHead
from tests.runner.test_sweep import TINY
from tests.support import only_experiment, tuneterm
from tuneterm.storage.store import Store

pytestmark = [pytest.mark.ray, pytest.mark.slow]


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def test_address_runs_on_a_token_auth_cluster_and_stops_only_its_head(
    tmp_path: Path, ray_head: RayHead, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = tmp_path / "token"
    token.write_text(secrets.token_hex(32))
    # The cluster requires a token; the user's environment only says where the token is.
    monkeypatch.setenv("RAY_AUTH_TOKEN_PATH", str(token))
    monkeypatch.setenv("RAY_AUTH_MODE", "token")
    secured = RayHead(tmp_path)
    monkeypatch.delenv("RAY_AUTH_MODE")
    try:
        config = tmp_path / "tiny.toml"
        config.write_text(TINY)
        proc = tuneterm(
            "run",
            str(config),
            "--headless",
            "--address",
            secured.address,
            "--set",
            "trainable.epochs=1",
            cwd=tmp_path,
            root=tmp_path / "runs",
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        with Store.open(only_experiment(tmp_path / "runs").store) as store:
            meta = store.meta()
            assert meta["status"] == "finished" and meta["address"] == secured.address
            assert len(store.trials()) == 3
    finally:
        secured.stop()
    assert not listening(secured.port)
    assert listening(ray_head.port), "stopping one head must leave other clusters running"


def test_an_unreachable_address_is_refused_before_anything_starts(tmp_path: Path) -> None:
    config = tmp_path / "tiny.toml"
    config.write_text(TINY)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    address = f"127.0.0.1:{port}"
    proc = tuneterm(
        "run",
        str(config),
        "--headless",
        "--address",
        address,
        cwd=tmp_path,
        root=tmp_path / "runs",
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"error: --address 127.0.0.1:{port}: nothing answers there")
    assert not (tmp_path / "runs").exists()
