"""The relay actor's holding and the driver callback's writing, without a Ray session."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from tuneterm.runner import relay as relay_module
from tuneterm.runner.relay import OutputRelay, Relay, relay_name
from tuneterm.storage.output_writer import OutputWriter
from tuneterm.storage.samples import resource_samples
from tuneterm.storage.store import Store
from tuneterm.storage.trial_output import output_paths


def test_the_relay_hands_over_what_was_pushed_in_order_once() -> None:
    relay = Relay()
    relay.push(
        "t1", [("stdout", b"a\n", 1.0), ("stderr", b"b\n", 1.1)], [(1.2, 5.0, 10, None, None)]
    )
    relay.push("t2", [("stdout", b"c\n", 1.3)], [])
    assert relay.drain() == [
        ("output", "t1", ("stdout", b"a\n", 1.0)),
        ("output", "t1", ("stderr", b"b\n", 1.1)),
        ("sample", "t1", (1.2, 5.0, 10, None, None)),
        ("output", "t2", ("stdout", b"c\n", 1.3)),
    ]
    assert relay.drain() == []


def test_a_relay_the_driver_does_not_drain_drops_output_and_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(relay_module, "MAX_HELD_BYTES", 9)
    relay = Relay()
    relay.push("t1", [("stdout", b"12345\n", 1.0), ("stdout", b"x\ny\n", 2.0)], [])
    relay.push("t1", [("stdout", b"more\n", 3.0)], [(3.0, 1.0, 1, None, None)])
    items = relay.drain()
    assert items[0] == ("output", "t1", ("stdout", b"12345\n", 1.0))
    assert items[1] == ("sample", "t1", (3.0, 1.0, 1, None, None))
    kind, trial_id, (stream, marker, _) = items[2]
    assert (kind, trial_id, stream) == ("output", "t1", "stdout")
    assert marker == b"\n[tuneterm: 3 lines dropped: the driver fell behind]\n"
    assert len(items) == 3


def test_the_callback_writes_output_files_and_samples(tmp_path: Path) -> None:
    store_path = tmp_path / Store.FILENAME
    Store.create(store_path, {"name": "r", "metric": "acc"}).close()
    callback = OutputRelay(tmp_path, store_path, relay_name(tmp_path))
    callback._writer = OutputWriter(tmp_path)
    callback._store = Store.open(store_path)
    callback._write(
        [
            ("output", "t1", ("stdout", b"hello\n", 1.0)),
            ("sample", "t1", (2.0, 150.0, 1 << 30, None, None)),
            ("output", "t1", ("stderr", b"oops\n", 2.5)),
        ]
    )
    callback._close()
    stdout, stderr = output_paths(tmp_path, "t1")
    assert (stdout.read_bytes(), stderr.read_bytes()) == (b"hello\n", b"oops\n")
    with Store.open(store_path) as store:
        [sample] = resource_samples(store, "t1")
    assert (sample.time, sample.cpu_percent, sample.rss_bytes) == (2.0, 150.0, 1 << 30)


def test_the_callback_pickles_without_its_live_parts(tmp_path: Path) -> None:
    callback = OutputRelay(tmp_path, tmp_path / Store.FILENAME, "name")
    callback._writer = OutputWriter(tmp_path)
    copy = pickle.loads(pickle.dumps(callback))
    assert (copy._name, copy._writer, copy._actor, copy._in_flight) == ("name", None, None, None)


def test_relay_names_differ_for_directories_of_the_same_name(tmp_path: Path) -> None:
    one, two = tmp_path / "a" / "sweep-1", tmp_path / "b" / "sweep-1"
    assert relay_name(one).startswith("tuneterm-relay-sweep-1-")
    assert relay_name(one) != relay_name(two)
