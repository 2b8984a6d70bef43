"""Run tuneterm's benchmarks and print their figures.

    .venv/bin/python bench/run.py            # (a) callback+store overhead, (b) default sweep
    .venv/bin/python bench/run.py --only a   # one of them
    .venv/bin/python bench/run.py --only s3  # (a) with Ray's storage on S3 against local storage

(b) runs the default sweep through `tuneterm run --headless` and as a plain Ray Tune script
(bench/plain_default.py), alternately, as whole processes, and prints the ratio of wall times.
Targets: (a) <= 1.03, (b) <= 1.05.

(s3) runs one small checkpointing sweep (bench/storage_sweep.toml) through `tuneterm run
--headless`, alternately with `[storage] path` on an S3-compatible server on 127.0.0.1 (moto's
server, started here and stopped by its pid) and without it (Ray's storage in the experiment
directory), and prints the ratio of wall times. The credentials go in the environment of
`tuneterm run`; its driver starts the local Ray from that environment, so the trials have them.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent


def timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return time.perf_counter() - started


def bench_default_sweep(rounds: int) -> None:
    with tempfile.TemporaryDirectory() as root:
        env = {**os.environ, "TUNETERM_ROOT": root}
        ours_cmd = [sys.executable, "-m", "tuneterm", "run", "--headless"]
        plain_cmd = [sys.executable, str(HERE / "plain_default.py")]
        ours: list[float] = []
        plain: list[float] = []
        for round_ in range(rounds):
            pair = [(ours_cmd, ours), (plain_cmd, plain)]
            for command, into in pair if round_ % 2 == 0 else reversed(pair):
                into.append(timed(command, env))
    ratios = [o / p for o, p in zip(ours, plain, strict=True)]
    print(
        f"(b) default sweep, {rounds} rounds: plain Ray Tune script "
        f"{statistics.median(plain):.1f} s, tuneterm run --headless "
        f"{statistics.median(ours):.1f} s, median ratio {statistics.median(ratios):.3f} "
        f"(target <= 1.05); per round: {', '.join(f'{r:.3f}' for r in ratios)}",
        flush=True,
    )


S3_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "tuneterm-bench",
    "AWS_SECRET_ACCESS_KEY": "tuneterm-bench",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}
"""moto accepts any credentials; the S3 client only needs some, in the environment."""


@contextlib.contextmanager
def s3_server(log: Path) -> Iterator[str]:
    """moto's S3 server on 127.0.0.1, in a session of its own; yields HOST:PORT; stopped by pid."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    moto = Path(sys.executable).with_name("moto_server")
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [str(moto), "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"moto_server did not start: {log.read_text()[-2000:]}")
            time.sleep(0.1)
        yield f"127.0.0.1:{port}"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def storage_config(directory: Path, location: str | None) -> Path:
    """bench/storage_sweep.toml, with `[storage] path = location` when one is given."""
    text = (HERE / "storage_sweep.toml").read_text()
    if location is not None:
        text += f'\n[storage]\npath = "{location}"\n'
    path = directory / ("s3.toml" if location else "local.toml")
    path.write_text(text)
    return path


def s3_checkpoints(endpoint: str, prefix: str) -> int:
    """Checkpoint directories under `prefix` in the bucket: proof the trials wrote there."""
    from pyarrow import fs

    s3 = fs.S3FileSystem(endpoint_override=endpoint, scheme="http")
    infos = s3.get_file_info(fs.FileSelector(prefix, recursive=True))
    return sum(
        1
        for info in infos
        if info.type == fs.FileType.Directory and info.base_name.startswith("checkpoint_")
    )


RUN_ATTEMPTS = 3
"""A sweep whose run fails (its driver killed by another process on a shared machine, say) is run
again, at most this many times in all; the failures are counted in the output."""


def timed_sweep(command: list[str], env: dict[str, str], failures: list[str]) -> float:
    for _ in range(RUN_ATTEMPTS - 1):
        try:
            return timed(command, env)
        except subprocess.CalledProcessError:
            failures.append(command[-1])
    return timed(command, env)


def bench_s3_storage(rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, s3_server(Path(tmp) / "moto.log") as endpoint:
        env = {**os.environ, **S3_CREDENTIALS, "TUNETERM_ROOT": str(Path(tmp) / "runs")}
        from pyarrow import fs

        fs.S3FileSystem(
            endpoint_override=endpoint, scheme="http", allow_bucket_creation=True
        ).create_dir("bench")
        uri = f"s3://bench/sweeps?endpoint_override={endpoint}&scheme=http"
        commands = {
            where: [sys.executable, "-m", "tuneterm", "run", "--headless", str(config)]
            for where, config in (
                ("local", storage_config(Path(tmp), None)),
                ("s3", storage_config(Path(tmp), uri)),
            )
        }
        times: dict[str, list[float]] = {"local": [], "s3": []}
        failures: list[str] = []
        timed_sweep(commands["local"], env, failures)  # warm-up: imports, Ray's first start
        for round_ in range(rounds):
            order = ["local", "s3"] if round_ % 2 == 0 else ["s3", "local"]
            for where in order:
                times[where].append(timed_sweep(commands[where], env, failures))
        checkpoints = s3_checkpoints(endpoint, "bench/sweeps")
    ratios = [s / local for s, local in zip(times["s3"], times["local"], strict=True)]
    print(
        f"(a, s3) {rounds} rounds of bench/storage_sweep.toml: local storage "
        f"{statistics.median(times['local']):.1f} s, S3 (moto on 127.0.0.1) "
        f"{statistics.median(times['s3']):.1f} s, median ratio {statistics.median(ratios):.3f} "
        f"(spread {min(ratios):.3f}-{max(ratios):.3f}); per round: "
        f"{', '.join(f'{r:.3f}' for r in ratios)}; {checkpoints} checkpoints kept in the bucket"
        f"; {len(failures)} failed runs repeated",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", choices=["a", "b", "s3"], default=None)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--no-relay", action="store_true", help="(a) without the trial output relay, for a before"
    )
    args = parser.parse_args()
    if args.only in (None, "a"):
        relay = ["--no-relay"] if args.no_relay else []
        overhead = [sys.executable, str(HERE / "overhead.py"), str(args.rounds), *relay]
        subprocess.run(overhead, check=True)
    if args.only in (None, "b"):
        bench_default_sweep(args.rounds)
    if args.only in (None, "s3"):
        bench_s3_storage(args.rounds)


if __name__ == "__main__":
    main()
