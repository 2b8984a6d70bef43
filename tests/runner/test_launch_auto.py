"""`--address auto`: $RAY_ADDRESS, else the cluster `ray start` last started on this machine."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_before_rooms import old_sweep  # noqa: F401  (a fixture)
from tests.conftest import free_port
from tests.support import tuneterm
from tuneterm.runner.launch import resolve_auto


@pytest.fixture
def no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RAY_ADDRESS", raising=False)


def started_here(temp_dir: Path, content: str) -> Path:
    """What `ray start` leaves in its temp directory: the address of the cluster it started."""
    temp_dir.mkdir(parents=True, exist_ok=True)
    (temp_dir / "ray_current_cluster").write_text(content)
    return temp_dir


def test_an_explicit_address_is_kept_as_given(tmp_path: Path) -> None:
    started_here(tmp_path, "10.0.0.5:6379\n")
    assert resolve_auto("10.0.0.9:6380", temp_dir=tmp_path) == "10.0.0.9:6380"


@pytest.mark.usefixtures("no_env")
def test_auto_is_the_cluster_ray_start_last_started_here(tmp_path: Path) -> None:
    temp_dir = started_here(tmp_path / "ray", "10.0.0.5:6379\n")
    assert resolve_auto("auto", temp_dir=temp_dir) == "10.0.0.5:6379"


def test_ray_address_in_the_environment_comes_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    temp_dir = started_here(tmp_path, "10.0.0.5:6379")
    monkeypatch.setenv("RAY_ADDRESS", " 192.168.1.2:6379 ")
    assert resolve_auto("auto", temp_dir=temp_dir) == "192.168.1.2:6379"
    # RAY_ADDRESS=auto (or empty) says nothing more than --address auto.
    for empty in ("auto", "", "  "):
        monkeypatch.setenv("RAY_ADDRESS", empty)
        assert resolve_auto("auto", temp_dir=temp_dir) == "10.0.0.5:6379"


@pytest.mark.usefixtures("no_env")
def test_auto_without_a_cluster_started_here_is_none(tmp_path: Path) -> None:
    assert resolve_auto("auto", temp_dir=tmp_path / "never-started") is None
    assert resolve_auto("auto", temp_dir=started_here(tmp_path / "blank", "\n")) is None
    (tmp_path / "dir" / "ray_current_cluster").mkdir(parents=True)
    assert resolve_auto("auto", temp_dir=tmp_path / "dir") is None


def test_run_with_auto_checks_the_cluster_it_resolves_to_before_starting_anything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Nothing listens on this port: the resolved address is refused like an explicit one.
    address = f"127.0.0.1:{free_port()}"
    monkeypatch.setenv("RAY_ADDRESS", address)
    proc = tuneterm("run", "--address", "auto", "--headless", cwd=tmp_path, root=tmp_path / "runs")
    assert (proc.returncode, proc.stdout) == (2, ""), proc.stderr
    [line] = proc.stderr.splitlines()
    assert line.startswith(f"error: --address auto ({address}): nothing answers there"), line
    assert not (tmp_path / "runs").exists()


def test_auto_follows_rays_own_temporary_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_env: None
) -> None:
    monkeypatch.setenv("RAY_TMPDIR", str(tmp_path / "custom"))
    started_here(tmp_path / "custom" / "ray", "10.1.2.3:6379\n")
    assert resolve_auto("auto") == "10.1.2.3:6379"
    monkeypatch.delenv("RAY_TMPDIR")
    monkeypatch.setenv("TMPDIR", str(tmp_path / "other"))
    started_here(tmp_path / "other" / "ray", "10.4.5.6:6379\n")
    assert resolve_auto("auto") == "10.4.5.6:6379"


def test_resume_resolves_auto_too(
    old_sweep: Path,  # noqa: F811  (the fixture imported above)
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    no_env: None,
) -> None:
    monkeypatch.setenv("RAY_TMPDIR", str(tmp_path / "no-cluster-here"))
    proc = tuneterm("resume", str(old_sweep), "--address", "auto", cwd=tmp_path, root=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr == (
        "error: resume: --address auto: no Ray cluster was started on this machine\n"
    )
