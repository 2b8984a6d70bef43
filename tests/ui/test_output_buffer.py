"""The output pane's window of lines: bounded at either end, filtered by stream, searched as
shown; and the feed that fills it from real files, on a thread of its own."""

from __future__ import annotations

import threading
from pathlib import Path

from textual.message import Message

from tests.ui.output_support import write_output
from tuneterm.storage.sources.output_window import OutputPosition, OutputWindowReader, WindowLine
from tuneterm.storage.trial_output import STDERR, STDOUT, output_paths
from tuneterm.ui.output_buffer import BOTH, OutputBuffer, matcher, shown_text
from tuneterm.ui.output_feed import NEWER, OLDER, TAIL, OutputFeed, OutputRead


def lines(first: int, count: int, stderr_every: int = 0) -> list[WindowLine]:
    def stream(n: int) -> str:
        return STDERR if stderr_every and n % stderr_every == 0 else STDOUT

    return [
        WindowLine(stream(n), f"line {n}", OutputPosition(n, n, 0))
        for n in range(first, first + count)
    ]


def texts(buffer: OutputBuffer) -> list[str]:
    return [buffer.line(row).text for row in range(buffer.row_count)]


def test_following_keeps_the_last_lines_and_knows_where_the_first_began() -> None:
    buffer = OutputBuffer(limit=20, follow_limit=10)
    buffer.reset(lines(0, 5), OutputPosition(0, 0, 0), OutputPosition(5, 5, 0), at_start=True)
    dropped = buffer.extend(lines(5, 8), OutputPosition(13, 13, 0))
    assert dropped == 3
    assert texts(buffer) == [f"line {n}" for n in range(3, 13)]
    assert buffer.front == OutputPosition(3, 3, 0) and not buffer.at_start
    assert buffer.index(0) == 3, "absolute indices survive lines dropped at the top"


def test_reading_back_past_the_limit_drops_the_bottom_and_says_where_it_ended() -> None:
    buffer = OutputBuffer(limit=12, follow_limit=10)
    buffer.reset(lines(100, 10), OutputPosition(100, 100, 0), OutputPosition(110, 110, 0), False)
    added = buffer.prepend(lines(95, 5), OutputPosition(95, 95, 0), at_start=False)
    assert added == 5
    assert texts(buffer) == [f"line {n}" for n in range(95, 107)]
    assert buffer.back == OutputPosition(107, 107, 0), "read newer lines again from here"


def test_a_stream_filter_shows_that_streams_rows_through_every_change() -> None:
    buffer = OutputBuffer(limit=30, follow_limit=20)
    buffer.reset(lines(0, 10, 3), OutputPosition(0, 0, 0), OutputPosition(10, 10, 0), True)
    buffer.set_mode(STDERR)
    assert texts(buffer) == ["line 0", "line 3", "line 6", "line 9"]
    buffer.extend(lines(10, 15, 3), OutputPosition(25, 25, 0))  # drops 0-4 at the top
    assert texts(buffer) == [
        "line 6",
        "line 9",
        "line 12",
        "line 15",
        "line 18",
        "line 21",
        "line 24",
    ]
    assert buffer.row_of(buffer.index(1)) == 1 and buffer.row_of(7) is None
    buffer.set_mode(STDOUT)
    assert "line 6" not in texts(buffer) and texts(buffer)[0] == "line 5"
    buffer.set_mode(BOTH)
    assert buffer.row_count == 20


def test_search_is_literal_over_the_text_as_shown_case_sensitive_with_a_capital() -> None:
    assert shown_text("\x1b[31mred\ttab") == "\\x1b[31mred     tab"
    buffer = OutputBuffer()
    found = [WindowLine(STDOUT, text, OutputPosition(0, 0, 0)) for text in ("a.b", "axb", "A.B")]
    buffer.reset(found, OutputPosition(0, 0, 0), OutputPosition(3, 0, 0), True)
    assert buffer.find(matcher("a.b"), range(3)) == 0
    assert buffer.find(matcher("a.b"), range(1, 3)) == 2, "case-insensitive, '.' literal"
    assert buffer.find(matcher("A.B"), range(2)) is None
    assert buffer.find(matcher("\\x1b"), range(3)) is None
    assert len(shown_text("y" * 10_000)) < 4_200


def test_the_feed_answers_on_its_thread_and_follows_what_the_trial_prints(tmp_path: Path) -> None:
    write_output(tmp_path, [(STDOUT, b"".join(b"%d\n" % n for n in range(100)))], "t1")
    posted: list[Message] = []
    arrived = threading.Condition()

    def post(message: Message) -> None:
        with arrived:
            posted.append(message)
            arrived.notify_all()

    def next_read() -> OutputRead:
        with arrived:
            assert arrived.wait_for(lambda: posted, timeout=5.0)
            message = posted.pop(0)
        assert isinstance(message, OutputRead)
        return message

    feed = OutputFeed(lambda: OutputWindowReader(*output_paths(tmp_path, "t1")), post, 0.01)
    feed.want(TAIL, None, 1)
    runner = threading.Thread(target=feed.run)
    runner.start()
    try:
        tail = next_read()
        assert tail.kind == TAIL and tail.at_end and [w.text for w in tail.lines][-1] == "99"
        feed.want(OLDER, tail.lines[50].before, 1)
        older = next_read()
        assert older.kind == OLDER and [w.text for w in older.lines] == [str(n) for n in range(50)]
        write_output(tmp_path, [(STDERR, b"late\n")], "t1")
        newer = next_read()
        assert newer.kind == NEWER and [(w.stream, w.text) for w in newer.lines] == [
            (STDERR, "late")
        ]
        feed.delivered.set()
    finally:
        feed.stop()
        runner.join(5.0)
    assert feed.finished.is_set()


def test_long_lines_are_bounded_by_characters_as_well_as_by_count() -> None:
    buffer = OutputBuffer(limit=100, follow_limit=100, char_limit=50)
    wide = [WindowLine(STDOUT, f"{n:02d}" + "x" * 18, OutputPosition(n, n, 0)) for n in range(10)]
    buffer.reset(wide[5:], OutputPosition(5, 5, 0), OutputPosition(10, 10, 0), False)
    assert [line.text[:2] for line in buffer.lines] == ["08", "09"]
    assert buffer.chars == 40 and buffer.front == OutputPosition(8, 8, 0)
    buffer.prepend(wide[:8], OutputPosition(0, 0, 0), at_start=True)
    assert [line.text[:2] for line in buffer.lines] == ["00", "01"]
    assert buffer.back == OutputPosition(2, 2, 0)
