"""The trial agent's parts without Ray: the per-send caps, the fd capture, the sampler."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from tuneterm.runner import trial_capture, trial_sampler
from tuneterm.runner.trial_agent import with_agent
from tuneterm.runner.trial_capture import MAX_LINES_PER_BATCH, STDERR, STDOUT, Outbox
from tuneterm.runner.trial_sampler import ResourceSampler


def test_output_within_the_caps_is_kept_in_order_and_joined_per_stream() -> None:
    outbox = Outbox()
    outbox.add(STDOUT, b"a\n")
    outbox.add(STDOUT, b"b\n")
    outbox.add(STDERR, b"e\n")
    outbox.add(STDOUT, b"c")
    assert [(stream, data) for stream, data, _ in outbox.take()] == [
        (STDOUT, b"a\nb\n"), (STDERR, b"e\n"), (STDOUT, b"c"),
    ]  # fmt: skip
    assert outbox.take() == []


def test_a_flood_is_cut_at_the_cap_with_a_line_saying_how_many_were_dropped() -> None:
    outbox = Outbox()
    for number in range(10_000):
        outbox.add(STDOUT, b"line %d\n" % number)
    outbox.add(STDERR, b"x\n" * 5)
    (stream, data, _), (err_stream, err, _) = outbox.take()
    lines = data.decode().splitlines()
    assert stream == STDOUT and lines[:2] == ["line 0", "line 1"]
    assert lines[MAX_LINES_PER_BATCH - 1] == f"line {MAX_LINES_PER_BATCH - 1}"
    assert lines[-1].startswith(f"[tuneterm: {10_000 - MAX_LINES_PER_BATCH} lines dropped")
    assert err_stream == STDERR and err.startswith(b"[tuneterm: 5 lines dropped")
    outbox.add(STDOUT, b"after\n")  # the next send interval starts afresh
    assert [data for _, data, _ in outbox.take()] == [b"after\n"]


def test_one_big_chunk_keeps_its_first_lines_up_to_the_byte_cap() -> None:
    outbox = Outbox()
    outbox.add(STDOUT, (b"y" * 1023 + b"\n") * 1000)  # 1000 KiB in one read
    [(_, data, _)] = outbox.take()
    kept, marker = data.split(b"[tuneterm: ")
    assert len(kept) <= trial_capture.MAX_BYTES_PER_BATCH and kept.endswith(b"y" * 1023 + b"\n")
    assert marker.startswith(
        b"%d lines dropped" % (1000 - trial_capture.MAX_BYTES_PER_BATCH // 1024)
    )


CAPTURE_SCRIPT = textwrap.dedent(
    """
    import json, os, sys
    from tuneterm.runner.trial_capture import FdCapture
    got = []
    sink = lambda stream, data: got.append([stream, data.decode()])
    out, err = FdCapture(1, sink), FdCapture(2, sink)
    print("from print", flush=True)
    os.write(2, b"to fd 2\\n")
    os.system("echo from a child")
    err.restore(); out.restore()
    print("after restore", flush=True)
    sys.stderr.write(json.dumps(got) + "\\n")
    """
)


def test_fd_capture_sees_prints_fd_writes_and_children_and_passes_them_on() -> None:
    result = subprocess.run(
        [sys.executable, "-c", CAPTURE_SCRIPT], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    got = json.loads(result.stderr.splitlines()[-1])
    joined = {
        stream: "".join(text for s, text in got if s == stream) for stream in ("stdout", "stderr")
    }
    assert joined == {"stdout": "from print\nfrom a child\n", "stderr": "to fd 2\n"}
    # The original targets still get everything (Ray's worker logs), and nothing after restore
    # is captured.
    assert result.stdout == "from print\nfrom a child\nafter restore\n"
    assert result.stderr.startswith("to fd 2\n")


def test_the_sampler_sees_resident_memory_rise() -> None:
    sampler = ResourceSampler.create()
    [(_, cpu, before, gpu_memory, gpu_util)] = sampler.sample()
    block = bytearray(200 << 20)
    block[::4096] = b"x" * len(block[::4096])  # touch every page
    [(_, _, after, _, _)] = sampler.sample()
    del block
    print(f"RSS {before / 2**20:.0f} MiB -> {after / 2**20:.0f} MiB")
    assert after - before > 150 << 20
    assert cpu >= 0.0
    if os.environ.get("CUDA_VISIBLE_DEVICES") == "":
        assert gpu_memory is None and gpu_util is None


def test_the_sampler_counts_children() -> None:
    sampler = ResourceSampler.create()
    child = subprocess.Popen(
        [sys.executable, "-c", "b = bytearray(150 << 20); b[::4096] = b'x' * len(b[::4096]);"
         " import time; time.sleep(30)"]
    )  # fmt: skip
    try:
        [(_, _, before, _, _)] = sampler.sample()
        for _ in range(100):
            [(_, _, after, _, _)] = sampler.sample()
            if after - before > 100 << 20:
                break
            import time

            time.sleep(0.05)
        assert after - before > 100 << 20
    finally:
        child.kill()
        child.wait()


def test_no_gpu_visible_means_no_gpu_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    assert trial_sampler.GpuReader.open() is None


def test_outside_a_trial_the_wrapped_function_just_runs() -> None:
    def train(config: dict[str, int]) -> int:
        return config["x"] + 1

    wrapped = with_agent(train, "no-such-relay")
    assert wrapped({"x": 1}) == 2
    assert wrapped.__name__ == "train"


class FakeNvml:
    """Two GPUs; GPU 1 runs this test's process (3 GiB) and another one (5 GiB)."""

    class Process:
        def __init__(self, pid: int, used: int | None) -> None:
            self.pid, self.usedGpuMemory = pid, used

    class Rates:
        def __init__(self, gpu: int) -> None:
            self.gpu = gpu

    def __init__(self, own_pid: int) -> None:
        self.processes = {0: [], 1: [self.Process(own_pid, 3 << 30), self.Process(1, 5 << 30)]}

    def nvmlInit(self) -> None: ...

    def nvmlDeviceGetCount(self) -> int:
        return 2

    def nvmlDeviceGetHandleByIndex(self, index: int) -> int:
        return index

    def nvmlDeviceGetHandleByUUID(self, uuid: str) -> int:
        return {"GPU-aaaa": 0, "GPU-bbbb": 1}[uuid]

    def nvmlDeviceGetComputeRunningProcesses(self, handle: int) -> list[FakeNvml.Process]:
        return self.processes[handle]

    def nvmlDeviceGetUtilizationRates(self, handle: int) -> FakeNvml.Rates:
        return self.Rates(80 if handle else 20)


@pytest.mark.parametrize(
    ("visible", "expected"),
    [(None, (3 << 30, 50.0)), ("1", (3 << 30, 80.0)), ("GPU-aaaa", (0, 20.0)), ("-1", None)],
)
def test_gpu_memory_counts_the_trials_processes_on_its_visible_gpus(
    monkeypatch: pytest.MonkeyPatch, visible: str | None, expected: tuple[int, float] | None
) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", FakeNvml(os.getpid()))
    if visible is None:
        monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    else:
        monkeypatch.setenv("CUDA_VISIBLE_DEVICES", visible)
    reader = trial_sampler.GpuReader.open()
    assert (reader.read({os.getpid()}) if reader else None) == expected


def test_a_broken_nvml_means_no_gpu_columns_not_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    broken = FakeNvml(os.getpid())
    broken.nvmlInit = lambda: (_ for _ in ()).throw(RuntimeError("driver not loaded"))  # type: ignore[method-assign]
    monkeypatch.setitem(sys.modules, "pynvml", broken)
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    assert trial_sampler.GpuReader.open() is None
    sampler = ResourceSampler.create()
    [(_, _, rss, gpu_memory, gpu_util)] = sampler.sample()
    assert rss > 0 and (gpu_memory, gpu_util) == (None, None)


def test_a_line_cut_across_reads_counts_once_among_the_dropped() -> None:
    outbox = Outbox()
    outbox.add(STDOUT, b"k\n" * MAX_LINES_PER_BATCH)
    outbox.add(STDOUT, b"dropped 1\ndropped 2 begins")
    outbox.add(STDOUT, b" and ends\ndropped 3 begins")
    [(_, data, _)] = outbox.take()
    assert data.startswith(b"k\n" * MAX_LINES_PER_BATCH + b"[tuneterm: 3 lines dropped")
