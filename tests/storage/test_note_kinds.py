"""Note kinds in the store: each note keeps its kind (observation, insight, next experiment,
lesson) through the store, its event and the dashboard's source; a store written before kinds
existed opens with every note an observation (a real SQLite file throughout)."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from tuneterm.domain.events import EventKind
from tuneterm.domain.hypotheses.notebook import NotebookError, NoteKind
from tuneterm.storage import schema
from tuneterm.storage.schema import CONTROLS_SCHEMA, EVENTS_SCHEMA, SCHEMA_VERSION
from tuneterm.storage.sources.store_source import StoreSource
from tuneterm.storage.store import Store

SCHEMA_1_NOTES = """
CREATE TABLE notes (
    note_id INTEGER PRIMARY KEY,
    time REAL NOT NULL,
    text TEXT NOT NULL,
    trial_id TEXT,
    iteration INTEGER
);
CREATE TABLE hypotheses (
    hypothesis_id TEXT PRIMARY KEY,
    time REAL NOT NULL,
    statement TEXT NOT NULL,
    parameter TEXT NOT NULL,
    expected TEXT NOT NULL,
    reasoning TEXT NOT NULL DEFAULT ''
);
CREATE TABLE verdicts (
    verdict_id INTEGER PRIMARY KEY,
    time REAL NOT NULL,
    hypothesis_id TEXT NOT NULL,
    verdict TEXT NOT NULL,
    justification TEXT NOT NULL DEFAULT ''
);
"""
"""The notebook's tables as schema 1 made them: notes without a kind."""


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.create(tmp_path / "store.sqlite", {"name": "kinds", "metric": "acc"})


def write_schema_1_store(path: Path) -> None:
    """A store as the code before note kinds left it, holding two notes."""
    with closing(sqlite3.connect(path)) as conn:
        conn.executescript(EVENTS_SCHEMA + CONTROLS_SCHEMA + SCHEMA_1_NOTES)
        meta = {"name": "old", "metric": "acc", "mode": "max", "schema_version": 1}
        rows = [(key, json.dumps(value)) for key, value in meta.items()]
        conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", rows)
        conn.executemany(
            "INSERT INTO notes (time, text, trial_id, iteration) VALUES (?, ?, ?, ?)",
            [(1.0, "loss spikes", "t1", 2), (2.0, "GPU idle half the time", None, None)],
        )
        conn.commit()


def columns(path: Path, table: str) -> list[str]:
    with closing(sqlite3.connect(path)) as conn:
        return [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]


def test_every_kind_round_trips_through_the_store(store: Store) -> None:
    written = [
        store.add_note("loss spikes at 3", "t1", 3, now=1.0),
        store.add_note("bn stabilises high lr", None, None, NoteKind.INSIGHT, now=2.0),
        store.add_note("try lr 3e-3 with bn", None, None, "next_experiment", now=3.0),
        store.add_note("seed everything", "t2", 1, kind=NoteKind.LESSON, now=4.0),
    ]
    assert [note.kind for note in written] == [
        NoteKind.OBSERVATION,
        NoteKind.INSIGHT,
        NoteKind.NEXT_EXPERIMENT,
        NoteKind.LESSON,
    ]
    assert store.notes() == written
    assert [note.kind for note in store.notes("t2")] == [NoteKind.LESSON]
    store.close()
    with Store.open(store.path) as reopened:
        assert reopened.notes() == written


def test_the_note_event_carries_its_kind(store: Store) -> None:
    store.add_note("bn stabilises high lr", "t1", 2, NoteKind.INSIGHT, now=1.0)
    [event] = [e for e in store.events_since(0) if e.kind == EventKind.NOTE_ADDED]
    assert event.data == {"note_id": 1, "text": "bn stabilises high lr", "kind": "insight"}


def test_an_unknown_kind_is_refused_and_nothing_is_written(store: Store) -> None:
    seq = store.last_seq()
    with pytest.raises(NotebookError) as refused:
        store.add_note("a hunch", kind="hunch")
    assert str(refused.value) == (
        "unknown note kind 'hunch'; use one of observation, insight, next_experiment, lesson"
    )
    assert store.notes() == [] and store.last_seq() == seq


def test_kinds_name_their_journal_sections() -> None:
    assert [(kind.label, kind.section) for kind in NoteKind] == [
        ("observation", "Observations"),
        ("insight", "Insights"),
        ("next experiment", "Next experiments"),
        ("lesson", "Lessons"),
    ]


def test_a_store_from_before_note_kinds_opens_with_every_note_an_observation(
    tmp_path: Path,
) -> None:
    path = tmp_path / "store.sqlite"
    write_schema_1_store(path)
    assert "kind" not in columns(path, "notes")

    with Store.open(path) as store:
        notes = store.notes()
        lesson = store.add_note("upgrade before the sweep", kind=NoteKind.LESSON, now=3.0)
        meta = store.meta()
    assert [(n.text, n.trial_id, n.iteration, n.kind) for n in notes] == [
        ("loss spikes", "t1", 2, NoteKind.OBSERVATION),
        ("GPU idle half the time", None, None, NoteKind.OBSERVATION),
    ]
    assert meta["schema_version"] == SCHEMA_VERSION >= 2
    assert "kind" in columns(path, "notes")
    with Store.open(path) as again:  # a second open finds it current
        assert [n.kind for n in again.notes()] == [*(n.kind for n in notes), NoteKind.LESSON]
    assert lesson.note_id == 3


def test_an_upgrade_made_meanwhile_by_another_client_is_not_made_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A driver and a dashboard may open an old store together: both see it old, one takes the
    write lock and adds the column; the other, once it has the lock, must find it added."""
    path = tmp_path / "store.sqlite"
    write_schema_1_store(path)
    Store.open(path).close()  # the other client's upgrade
    monkeypatch.setattr(schema, "_is_current", lambda conn: False)  # seen before it happened
    with Store.open(path) as store:
        assert [n.kind for n in store.notes()] == [NoteKind.OBSERVATION] * 2
    assert columns(path, "notes").count("kind") == 1


def test_a_store_from_a_newer_tuneterm_is_not_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    write_schema_1_store(path)
    with closing(sqlite3.connect(path)) as conn:
        conn.execute(
            "UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),)
        )
        conn.commit()
    newer = rf"store schema {SCHEMA_VERSION + 1}; this one reads up to {SCHEMA_VERSION}"
    with pytest.raises(Exception, match=newer):
        Store.open(path)
    assert "kind" not in columns(path, "notes")


def test_the_dashboards_source_writes_the_kind(tmp_path: Path) -> None:
    Store.create(tmp_path / Store.FILENAME, {"name": "kinds", "metric": "acc"}).close()
    source = StoreSource(tmp_path)
    try:
        note = source.add_note("compare with the fifo run", None, None, NoteKind.NEXT_EXPERIMENT)
        _, notes = source.notebook()
    finally:
        source.close()
    assert note.kind is NoteKind.NEXT_EXPERIMENT and notes == [note]
