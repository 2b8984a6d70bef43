"""Trial output files: the tail read from the end, the follower, the interleaving of the streams."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from tuneterm.storage import trial_output
from tuneterm.storage.output_merge import InterleavedFollower
from tuneterm.storage.output_writer import OutputWriter
from tuneterm.storage.trial_output import (
    STDERR,
    STDOUT,
    OutputFollower,
    OutputLine,
    output_paths,
    read_tail,
)


def test_output_paths_are_the_trials_folder_under_logs(tmp_path: Path) -> None:
    assert output_paths(tmp_path, "ab12_00003") == (
        tmp_path / "logs" / "ab12_00003" / "stdout",
        tmp_path / "logs" / "ab12_00003" / "stderr",
    )
    stdout, _ = output_paths(tmp_path, "../../etc")
    assert stdout.parent.parent == tmp_path / "logs"


def test_read_tail_returns_the_last_lines_and_an_unterminated_last_one(tmp_path: Path) -> None:
    path = tmp_path / "out"
    path.write_bytes(b"".join(b"line %d\n" % i for i in range(100_000)) + b"partial")
    assert read_tail(path, 3) == ["line 99998", "line 99999", "partial"]
    assert read_tail(path, 0) == []
    assert read_tail(tmp_path / "missing", 5) == []


def test_read_tail_decodes_invalid_utf8_and_crlf(tmp_path: Path) -> None:
    path = tmp_path / "out"
    path.write_bytes(b"caf\xc3\xa9\r\nbad \xff byte\n")
    assert read_tail(path, 10) == ["café", "bad \ufffd byte"]


def test_a_huge_file_is_read_from_its_end_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """200 MB (sparse) with a few lines at its end: the tail costs what the tail does."""
    path = tmp_path / "huge"
    with open(path, "wb") as file:
        file.truncate(200 << 20)
        file.seek(0, 2)
        file.write(b"\n" + b"".join(b"last %d\n" % i for i in range(50)))
    read_sizes: list[int] = []
    real_open = open

    class CountingFile:
        def __init__(self, file: object) -> None:
            self._file = file

        def __getattr__(self, name: str) -> object:
            return getattr(self._file, name)

        def __enter__(self) -> CountingFile:
            return self

        def __exit__(self, *exc: object) -> None:
            self._file.close()  # type: ignore[attr-defined]

        def read(self, size: int = -1) -> bytes:
            data: bytes = self._file.read(size)  # type: ignore[attr-defined]
            read_sizes.append(len(data))
            return data

    monkeypatch.setattr(trial_output, "open", lambda *a, **k: CountingFile(real_open(*a, **k)),
                        raising=False)  # fmt: skip
    tracemalloc.start()
    try:
        lines = read_tail(path, 10)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert lines == [f"last {i}" for i in range(40, 50)]
    assert sum(read_sizes) <= trial_output.BLOCK
    assert peak < 1 << 20

    # With no line end for 200 MB, it stops at max_bytes rather than reading it all.
    read_sizes.clear()
    with open(path, "r+b") as file:
        file.truncate(200 << 20)
    assert read_tail(path, 10, max_bytes=1 << 20) == []
    assert sum(read_sizes) <= 1 << 20


def test_the_follower_returns_complete_new_lines_and_keeps_a_partial_one(tmp_path: Path) -> None:
    path = tmp_path / "out"
    follower = OutputFollower(path)
    assert follower.read_new() == []  # no file yet
    path.write_bytes(b"one\ntw")
    assert follower.read_new() == ["one"]
    with open(path, "ab") as file:
        file.write(b"o\nthree")
    assert follower.read_new() == ["two"]
    assert follower.read_new() == []
    assert follower.flush() == ["three"]


def test_the_follower_starts_again_after_a_truncation(tmp_path: Path) -> None:
    path = tmp_path / "out"
    path.write_bytes(b"old line\nold partial")
    follower = OutputFollower(path)
    assert follower.read_new() == ["old line"]
    path.write_bytes(b"new\n")
    assert follower.read_new() == ["new"]


def test_the_follower_reads_a_big_file_in_bounded_pieces(tmp_path: Path) -> None:
    path = tmp_path / "out"
    path.write_bytes(b"x" * 99 + b"\n" + b"y" * 100)
    follower = OutputFollower(path)
    assert follower.read_new(max_bytes=60) == []
    assert follower.read_new(max_bytes=60) == ["x" * 99]
    assert follower.read_new(max_bytes=1000) == []
    assert follower.flush() == ["y" * 100]


def test_at_tail_gives_the_last_complete_lines_and_follows_from_there(tmp_path: Path) -> None:
    path = tmp_path / "out"
    path.write_bytes(b"a\nb\nc\nhalf")
    lines, follower = OutputFollower.at_tail(path, 2)
    assert lines == ["b", "c"]
    with open(path, "ab") as file:
        file.write(b" done\nd\n")
    assert follower.read_new() == ["half done", "d"]


def write_batches(tmp_path: Path, batches: list[tuple[str, bytes]]) -> tuple[Path, Path]:
    writer = OutputWriter(tmp_path)
    for number, (stream, data) in enumerate(batches):
        writer.write("t1", stream, data, 1000.0 + number)
    writer.close()
    return output_paths(tmp_path, "t1")


def test_the_streams_interleave_in_the_order_their_batches_arrived(tmp_path: Path) -> None:
    stdout, stderr = write_batches(
        tmp_path,
        [(STDOUT, b"epoch 1\nepo"), (STDERR, b"warning: slow\n"), (STDOUT, b"ch 2\n"),
         (STDERR, b"err"), (STDOUT, b"done\n"), (STDERR, b"or\n")],
    )  # fmt: skip
    assert stdout.read_bytes() == b"epoch 1\nepoch 2\ndone\n", "plain text a user can `less`"
    follower = InterleavedFollower(stdout, stderr)
    assert follower.read_new() == [
        OutputLine(STDOUT, "epoch 1"),
        OutputLine(STDERR, "warning: slow"),
        OutputLine(STDOUT, "epoch 2"),
        OutputLine(STDOUT, "done"),
        OutputLine(STDERR, "error"),
    ]
    assert follower.read_new() == [] and follower.flush() == []


def test_the_interleaved_follower_picks_up_new_batches_and_partials(tmp_path: Path) -> None:
    writer = OutputWriter(tmp_path)
    stdout, stderr = output_paths(tmp_path, "t1")
    follower = InterleavedFollower(stdout, stderr)
    assert follower.read_new() == []  # nothing written yet
    writer.write("t1", STDOUT, b"a\nb", 1.0)
    assert follower.read_new() == [OutputLine(STDOUT, "a")]
    writer.write("t1", STDERR, b"oops\n", 2.0)
    writer.write("t1", STDOUT, b"c\n", 3.0)
    writer.write("t1", STDERR, b"no end", 4.0)
    assert follower.read_new() == [OutputLine(STDERR, "oops"), OutputLine(STDOUT, "bc")]
    assert follower.flush() == [OutputLine(STDERR, "no end")]
    writer.close()


def test_interleaved_reads_are_bounded(tmp_path: Path) -> None:
    batches = [(STDOUT if i % 2 else STDERR, b"%d\n" % i * 100) for i in range(100)]
    stdout, stderr = write_batches(tmp_path, batches)
    follower = InterleavedFollower(stdout, stderr)
    first = follower.read_new(max_bytes=1000)
    assert 0 < len(first) < 10_000
    rest: list[OutputLine] = []
    while more := follower.read_new(max_bytes=1000):
        rest.extend(more)
    assert len(first) + len(rest) == 10_000
    assert [line.text for line in first + rest][::100] == [str(i) for i in range(100)]


def test_interleaved_tail_reads_the_last_lines_in_order_then_follows(tmp_path: Path) -> None:
    batches = [(STDOUT, b"".join(b"out %d\n" % i for i in range(1000)))]
    batches += [(STDERR, b"err A\n"), (STDOUT, b"out last\npart"), (STDERR, b"err B\n")]
    stdout, stderr = write_batches(tmp_path, batches)
    lines, follower = InterleavedFollower.at_tail(stdout, stderr, 4)
    assert lines == [
        OutputLine(STDOUT, "out 999"),
        OutputLine(STDERR, "err A"),
        OutputLine(STDOUT, "out last"),
        OutputLine(STDERR, "err B"),
    ]
    writer = OutputWriter(tmp_path)
    writer.write("t1", STDOUT, b"ial\n", 9.0)
    assert follower.read_new() == [OutputLine(STDOUT, "partial")]
    writer.close()


def test_files_without_an_order_record_are_read_one_after_the_other(tmp_path: Path) -> None:
    """Ray's own `stdout` and `stderr` in a trial folder (RunConfig(log_to_file=True))."""
    trial = tmp_path / "train_abc_00000"
    trial.mkdir()
    (trial / "stdout").write_bytes(b"out 1\nout 2\n")
    (trial / "stderr").write_bytes(b"err 1\n")
    follower = InterleavedFollower(trial / "stdout", trial / "stderr")
    assert follower.read_new() == [
        OutputLine(STDOUT, "out 1"), OutputLine(STDOUT, "out 2"), OutputLine(STDERR, "err 1"),
    ]  # fmt: skip
    lines, _ = InterleavedFollower.at_tail(trial / "stdout", trial / "stderr", 2)
    assert lines == [OutputLine(STDOUT, "out 2"), OutputLine(STDERR, "err 1")]
