"""The store's tables, the schema version it records, and the upgrade of a store made by older code.

A store keeps `schema_version` in its meta. Code reads stores up to its own `SCHEMA_VERSION` and
adds the tables an older store lacks; a newer store is refused rather than misread.
"""

from __future__ import annotations

import json
import sqlite3

SCHEMA_VERSION = 1
"""The newest store layout this code reads (and the one it writes)."""

EVENTS_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    time REAL NOT NULL,
    kind TEXT NOT NULL,
    trial_id TEXT,
    iteration INTEGER,
    data TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS one_result_per_iteration
    ON events (trial_id, iteration) WHERE kind = 'result';
CREATE INDEX IF NOT EXISTS events_of_trial ON events (trial_id, seq);
CREATE TABLE IF NOT EXISTS trials (
    trial_id TEXT PRIMARY KEY,
    config TEXT NOT NULL,
    status TEXT NOT NULL,
    started_at REAL,
    ended_at REAL,
    reason TEXT,
    stop_iteration INTEGER,
    last_iteration INTEGER NOT NULL DEFAULT 0,
    last_metric REAL,
    best_metric REAL,
    error TEXT
);
"""

CONTROLS_SCHEMA = """
CREATE TABLE IF NOT EXISTS controls (
    request_id INTEGER PRIMARY KEY,
    time REAL NOT NULL,
    action TEXT NOT NULL,
    trial_id TEXT,
    state TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    resolved_at REAL
);
CREATE INDEX IF NOT EXISTS pending_controls ON controls (request_id) WHERE state = 'requested';
"""

NOTEBOOK_SCHEMA = """
CREATE TABLE IF NOT EXISTS notes (
    note_id INTEGER PRIMARY KEY,
    time REAL NOT NULL,
    text TEXT NOT NULL,
    trial_id TEXT,
    iteration INTEGER
);
CREATE TABLE IF NOT EXISTS hypotheses (
    hypothesis_id TEXT PRIMARY KEY,
    time REAL NOT NULL,
    statement TEXT NOT NULL,
    parameter TEXT NOT NULL,
    expected TEXT NOT NULL,
    reasoning TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS verdicts (
    verdict_id INTEGER PRIMARY KEY,
    time REAL NOT NULL,
    hypothesis_id TEXT NOT NULL,
    verdict TEXT NOT NULL,
    justification TEXT NOT NULL DEFAULT ''
);
"""

_ADDED_LATER = (("controls", CONTROLS_SCHEMA), ("verdicts", NOTEBOOK_SCHEMA))
"""Tables that stores of schema 1 may lack, each script named by the last table it makes."""


def create_tables(conn: sqlite3.Connection) -> None:
    """Make every table of a new store."""
    conn.executescript(EVENTS_SCHEMA + CONTROLS_SCHEMA + NOTEBOOK_SCHEMA)


def recorded_version(conn: sqlite3.Connection) -> int | None:
    """The schema version in a store's meta; None when it records none (or not a number)."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    try:
        version = json.loads(row[0]) if row else None
    except ValueError:
        return None
    return version if isinstance(version, int) and not isinstance(version, bool) else None


def newer_schema_message(conn: sqlite3.Connection) -> str | None:
    """Why this code cannot read the store (its schema is newer); None when it can."""
    version = recorded_version(conn)
    if version is None or version <= SCHEMA_VERSION:
        return None
    return (
        f"written by a newer tuneterm (store schema {version};"
        f" this one reads up to {SCHEMA_VERSION})"
    )


def add_missing_tables(conn: sqlite3.Connection) -> None:
    """Give a store made by older code the tables it lacks (a no-op, and no write, on a new one)."""
    for last_table, script in _ADDED_LATER:
        if not _has_table(conn, last_table):
            conn.executescript(script)


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
    ).fetchone()
    return row is not None
