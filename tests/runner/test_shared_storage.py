"""[storage] on an S3-compatible object store (moto's server on 127.0.0.1, started here): a sweep
keeps its trials and checkpoints there and its store at home, survives a SIGKILLed driver, and
keeps one checkpoint per ended trial; bad storage is refused before anything starts."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow.fs
import pytest

from tests.conftest import RayHead, free_port
from tests.control_support import meta, results, start_detached, started, trials, write_config
from tests.support import tuneterm, wait_for
from tuneterm.domain.status import EndReason
from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.liveness import effective_status
from tuneterm.storage.store import Store

MOTO_SERVER = Path(sys.executable).with_name("moto_server")
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "tuneterm-test",
    "AWS_SECRET_ACCESS_KEY": "tuneterm-test",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}
ITERATIONS = 6


class S3Server:
    """moto's S3 server on loopback, in a process group of its own, stopped by its pid."""

    def __init__(self, log: Path) -> None:
        self.port = free_port()
        self.endpoint = f"127.0.0.1:{self.port}"
        with open(log, "wb") as out:
            self.process = subprocess.Popen(
                [str(MOTO_SERVER), "-H", "127.0.0.1", "-p", str(self.port)],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            time.sleep(0.1)
        raise RuntimeError(f"moto_server did not start: {log.read_text()[-2000:]}")

    def uri(self, bucket: str, prefix: str) -> str:
        return f"s3://{bucket}/{prefix}?endpoint_override={self.endpoint}&scheme=http"

    def file_system(self) -> pyarrow.fs.S3FileSystem:
        return pyarrow.fs.S3FileSystem(
            endpoint_override=self.endpoint, scheme="http", allow_bucket_creation=True
        )

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    with pytest.MonkeyPatch.context() as patch:
        for key, value in CREDENTIALS.items():
            patch.setenv(key, value)
        server = S3Server(tmp_path_factory.mktemp("s3") / "moto.log")
        try:
            server.file_system().create_dir("sweeps")
            yield server
        finally:
            server.stop()


@pytest.fixture(scope="module")
def s3_head(s3: S3Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RayHead]:
    """A Ray head whose workers have the object store's credentials, as a cluster's nodes would."""
    with pytest.MonkeyPatch.context() as patch:
        for key, value in CREDENTIALS.items():
            patch.setenv(key, value)
        head = RayHead(tmp_path_factory.mktemp("s3-head"))
    yield head
    head.stop()


@pytest.fixture
def s3_env(s3: S3Server, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in CREDENTIALS.items():
        monkeypatch.setenv(key, value)


def with_storage(config: Path, location: str) -> Path:
    config.write_text(config.read_text() + f'\n[storage]\npath = "{location}"\n')
    return config


def checkpoints(s3: S3Server, prefix: str) -> dict[str, list[str]]:
    """Trial directory name -> its checkpoint directories under `prefix` in the bucket."""
    selector = pyarrow.fs.FileSelector(prefix, recursive=True)
    found: dict[str, list[str]] = {}
    for info in s3.file_system().get_file_info(selector):
        parts = info.path.split("/")
        if info.type == pyarrow.fs.FileType.Directory and parts[-1].startswith("checkpoint_"):
            found.setdefault(parts[-2], []).append(parts[-1])
    return found


@pytest.mark.usefixtures("s3_env")
@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("ftp://host/dir", "unknown storage scheme 'ftp'"),
        ("s3://no-such-bucket/x", "cannot write to s3://no-such-bucket/x"),
    ],
)
def test_storage_that_cannot_work_is_refused_before_anything_starts(
    tmp_path: Path, s3: S3Server, location: str, expected: str
) -> None:
    if location.startswith("s3://"):
        location += f"?endpoint_override={s3.endpoint}&scheme=http"
    config = with_storage(write_config(tmp_path, "checkpointed", [1], period=0.1), location)
    proc = tuneterm("run", str(config), "--detach", cwd=tmp_path, root=tmp_path / "runs")
    assert proc.returncode == 2
    [line] = proc.stderr.splitlines()
    assert line.startswith(f"error: {config}:") and "storage.path: " in line
    assert expected in line
    assert not (tmp_path / "runs").exists()


@pytest.mark.ray
@pytest.mark.slow
@pytest.mark.usefixtures("s3_env")
def test_a_sweep_on_object_storage_resumes_after_a_sigkill_and_keeps_one_checkpoint_each(
    tmp_path: Path, s3: S3Server, s3_head: RayHead
) -> None:
    config = with_storage(
        write_config(
            tmp_path, "checkpointed", [1, 2], period=0.4, cpu=1, extra_space=f"n = {ITERATIONS}"
        ),
        s3.uri("sweeps", "team"),
    )
    expdir = start_detached(config, s3_head.address, tmp_path)
    wait_for(started(expdir, 2, min_results=2), timeout=90)
    first_start = meta(expdir)["started_at"]
    os.kill(int(meta(expdir)["driver_pid"]), signal.SIGKILL)
    wait_for(lambda: effective_status(meta(expdir)) == "crashed", timeout=10)
    with Store.open(expdir.store) as store:
        before = {(r.trial_id, r.iteration) for r in store.results()}

    proc = tuneterm("resume", str(expdir.path), cwd=tmp_path, root=tmp_path / "runs", timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert meta(expdir)["status"] == "finished"
    assert meta(expdir)["started_at"] == first_start, "a resumed sweep keeps its first start"
    with Store.open(expdir.store) as store:
        after = {(r.trial_id, r.iteration) for r in store.results()}
    assert before <= after
    for trial in trials(expdir).values():
        assert (trial.reason, trial.last_iteration) == (EndReason.COMPLETED, ITERATIONS)
        assert results(expdir, trial.trial_id) == list(range(1, ITERATIONS + 1))
    # Ray's files are in the bucket, under a place named after the experiment directory.
    assert not ExperimentDir(expdir.path).ray_storage.exists()
    kept = checkpoints(s3, f"sweeps/team/{expdir.path.name}/sweep")
    assert len(kept) == 2 and all(len(names) == 1 for names in kept.values()), kept
