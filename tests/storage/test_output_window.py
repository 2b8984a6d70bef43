"""The dashboard's window onto a trial's output: read forward and back from any line, in the
order the driver recorded, agreeing with the interleaved follower; bounded reads."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tuneterm.storage.output_merge import InterleavedFollower
from tuneterm.storage.output_writer import OutputWriter
from tuneterm.storage.sources.output_window import (
    LONG_LINE,
    OutputPosition,
    OutputWindowReader,
    WindowLine,
)
from tuneterm.storage.trial_output import STDERR, STDOUT, output_paths

START = OutputPosition(0, 0, 0)


def random_batches(seed: int, count: int) -> list[tuple[str, bytes]]:
    """Batches of both streams, lines cut anywhere across batches, stderr sparser."""
    rng = random.Random(seed)
    counters = {STDOUT: 0, STDERR: 0}
    batches = []
    for _ in range(count):
        stream = STDERR if rng.random() < 0.3 else STDOUT
        parts = []
        for _ in range(rng.randint(1, 6)):
            counters[stream] += 1
            parts.append(f"{stream} line {counters[stream]} " + "x" * rng.randint(0, 40) + "\n")
        data = "".join(parts).encode()
        cut = rng.randint(0, len(data))
        batches.append((stream, data[:cut]))
        if cut < len(data):
            batches.append((stream, data[cut:]))
    return batches


def write(tmp_path: Path, batches: list[tuple[str, bytes]]) -> tuple[Path, Path]:
    writer = OutputWriter(tmp_path)
    for number, (stream, data) in enumerate(batches):
        writer.write("t1", stream, data, 1000.0 + number)
    writer.close()
    return output_paths(tmp_path, "t1")


def reference(stdout: Path, stderr: Path) -> list[tuple[str, str]]:
    follower = InterleavedFollower(stdout, stderr)
    found: list[tuple[str, str]] = []
    while more := follower.read_new():
        found += [(line.stream, line.text) for line in more]
    return found


def plain(lines: list[WindowLine]) -> list[tuple[str, str]]:
    return [(line.stream, line.text) for line in lines]


def read_all_forward(reader: OutputWindowReader, max_bytes: int) -> list[WindowLine]:
    lines: list[WindowLine] = []
    position = START
    while True:
        more, position = reader.newer(position, max_bytes)
        if not more:
            return lines
        lines += more


def read_all_back(reader: OutputWindowReader, max_bytes: int) -> list[WindowLine]:
    lines: list[WindowLine] = []
    position = reader.end()
    while True:
        found = reader.older(position, max_bytes)
        lines = found.lines + lines
        position = found.position
        if found.at_start or not found.lines:
            return lines


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("max_bytes", [200, 5_000, 1 << 20])
def test_forward_and_back_give_the_lines_in_arrival_order(
    tmp_path: Path, seed: int, max_bytes: int
) -> None:
    stdout, stderr = write(tmp_path, random_batches(seed, 300))
    expected = reference(stdout, stderr)
    assert len(expected) > 500
    reader = OutputWindowReader(stdout, stderr)
    assert plain(read_all_forward(reader, max_bytes)) == expected
    assert plain(read_all_back(reader, max_bytes)) == expected


def test_every_line_can_be_read_again_from_the_position_before_it(tmp_path: Path) -> None:
    stdout, stderr = write(tmp_path, random_batches(3, 200))
    reader = OutputWindowReader(stdout, stderr)
    lines = read_all_back(reader, 3_000)
    expected = plain(lines)
    for index in range(0, len(lines), 37):
        after, _ = reader.newer(lines[index].before, 2_000)
        assert plain(after) == expected[index : index + len(after)]
        before = reader.older(lines[index].before, 2_000).lines
        assert plain(before) == expected[index - len(before) : index]


def test_the_end_leaves_a_partial_line_for_following(tmp_path: Path) -> None:
    writer = OutputWriter(tmp_path)
    writer.write("t1", STDOUT, b"one\ntw", 1.0)
    writer.write("t1", STDERR, b"warn\n", 2.0)
    stdout, stderr = output_paths(tmp_path, "t1")
    reader = OutputWindowReader(stdout, stderr)
    end = reader.end()
    assert plain(reader.older(end).lines) == [(STDOUT, "one"), (STDERR, "warn")]
    assert reader.newer(end) == ([], end)
    writer.write("t1", STDOUT, b"o\nthree\n", 3.0)
    lines, after = reader.newer(end)
    assert plain(lines) == [(STDOUT, "two"), (STDOUT, "three")]
    assert reader.newer(after) == ([], after)
    writer.close()


def test_no_files_yet_no_lines(tmp_path: Path) -> None:
    stdout, stderr = output_paths(tmp_path, "t1")
    reader = OutputWindowReader(stdout, stderr)
    assert reader.end() == START
    assert reader.older(START).lines == [] and reader.older(START).at_start
    assert reader.newer(START) == ([], START)


def test_files_without_records_are_read_stdout_first_then_as_they_grow(tmp_path: Path) -> None:
    folder = tmp_path / "trial_0"  # Ray's own files in a trial folder: no order file
    folder.mkdir()
    stdout, stderr = folder / "stdout", folder / "stderr"
    stdout.write_bytes(b"a\nb\n")
    stderr.write_bytes(b"E1\n")
    reader = OutputWindowReader(stdout, stderr)
    end = reader.end()
    assert plain(reader.older(end).lines) == [(STDOUT, "a"), (STDOUT, "b"), (STDERR, "E1")]
    with stderr.open("ab") as file:
        file.write(b"E2\n")
    with stdout.open("ab") as file:
        file.write(b"c\n")
    lines, _ = reader.newer(end)
    assert sorted(plain(lines)) == [(STDERR, "E2"), (STDOUT, "c")]


def test_a_line_longer_than_a_read_comes_in_pieces(tmp_path: Path) -> None:
    long = b"y" * (3 * LONG_LINE)
    stdout, stderr = write(tmp_path, [(STDOUT, b"before\n" + long + b"\nafter\n")])
    reader = OutputWindowReader(stdout, stderr)
    forward = [line.text for line in read_all_forward(reader, LONG_LINE)]
    back = [line.text for line in read_all_back(reader, LONG_LINE)]
    for texts in (forward, back):
        assert texts[0] == "before" and texts[-1] == "after"
        assert "".join(texts[1:-1]) == long.decode()
        assert "" not in texts


def test_reading_back_reads_about_max_bytes_not_the_file(tmp_path: Path) -> None:
    line = b"%08d " + b"z" * 90 + b"\n"
    stdout, stderr = write(
        tmp_path,
        [(STDOUT, b"".join(line % (i * 1000 + j) for j in range(1000))) for i in range(200)],
    )
    assert stdout.stat().st_size > 19_000_000
    reader = OutputWindowReader(stdout, stderr)
    found = reader.older(reader.end(), 100_000)
    assert 900 <= len(found.lines) <= 1_000
    assert found.lines[-1].text.startswith("00199999")
    more = reader.older(found.position, 100_000)
    assert int(more.lines[-1].text[:8]) == int(found.lines[0].text[:8]) - 1


def test_an_unfinished_line_is_shown_only_once_the_lines_before_it_are_read(
    tmp_path: Path,
) -> None:
    writer = OutputWriter(tmp_path)
    stdout, stderr = output_paths(tmp_path, "t1")
    reader = OutputWindowReader(stdout, stderr)
    writer.write("t1", STDOUT, b"done\n 50%|#####", 1.0)
    assert reader.unfinished(START) == []  # "done" is still to be read
    lines, end = reader.newer(START)
    assert plain(lines) == [(STDOUT, "done")]
    assert plain(reader.unfinished(end)) == [(STDOUT, " 50%|#####")]
    writer.close()
