"""The store's tables, the schema version it records, and the upgrade of a store made by older code.

A store keeps `schema_version` in its meta. Code reads stores up to its own `SCHEMA_VERSION` and
brings an older store up to it on open (the tables and columns it lacks); a newer store is refused
rather than misread. Schema 2 gave notes their kind; schema 3 added trials' resource samples.
"""

from __future__ import annotations

import json
import sqlite3

SCHEMA_VERSION = 3
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
    iteration INTEGER,
    kind TEXT NOT NULL DEFAULT 'observation'
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

SAMPLES_SCHEMA = """
CREATE TABLE IF NOT EXISTS resource_samples (
    trial_id TEXT NOT NULL,
    time REAL NOT NULL,
    cpu_percent REAL NOT NULL,
    rss_bytes INTEGER NOT NULL,
    gpu_memory_bytes INTEGER,
    gpu_util_percent REAL
);
CREATE INDEX IF NOT EXISTS samples_of_trial ON resource_samples (trial_id, time);
"""
"""Schema 3: each running trial's CPU, memory and GPU use, sampled about every 2 s."""

_ADDED_LATER = (
    ("controls", CONTROLS_SCHEMA),
    ("verdicts", NOTEBOOK_SCHEMA),
    ("resource_samples", SAMPLES_SCHEMA),
)
"""Tables that older stores may lack, each script named by the last table it makes."""

NOTE_KIND_COLUMN = "ALTER TABLE notes ADD COLUMN kind TEXT NOT NULL DEFAULT 'observation'"
"""Schema 2: the kind of each note; the notes of an older store are observations."""


def create_tables(conn: sqlite3.Connection) -> None:
    """Make every table of a new store."""
    conn.executescript(EVENTS_SCHEMA + CONTROLS_SCHEMA + NOTEBOOK_SCHEMA + SAMPLES_SCHEMA)


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


def upgrade(conn: sqlite3.Connection) -> None:
    """Bring a store made by older code to this schema, and record the version it now has (a
    no-op, and no write, on a current one)."""
    add_missing_tables(conn)
    if _is_current(conn):
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Checked again under the write lock: another process may have upgraded it meanwhile.
        if not _has_column(conn, "notes", "kind"):
            conn.execute(NOTE_KIND_COLUMN)
        conn.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
            (json.dumps(SCHEMA_VERSION),),
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _is_current(conn: sqlite3.Connection) -> bool:
    return recorded_version(conn) == SCHEMA_VERSION and _has_column(conn, "notes", "kind")


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


def _has_column(conn: sqlite3.Connection, table: str, column: str) -> bool:
    rows = conn.execute(f"PRAGMA table_info({table})").fetchall()
    return any(row[1] == column for row in rows)
