"""The durable record of one experiment: an append-only event log in SQLite (WAL mode).

One process writes (the driver); any number read (headless printer, dashboards, `ls`). Every event
gets a sequence number, so a reader tails the log with `events_since(last_seq)` and rebuilds the
whole history after a reconnect. The `trials` table is a materialized view of the log, kept in the
same transaction, so that listing an experiment never has to fold a million results.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tuneterm.domain.events import Event, EventKind
from tuneterm.domain.status import EndReason, SweepStatus, TrialStatus
from tuneterm.domain.trial import Result, Trial, better
from tuneterm.storage.controls import ControlsMixin
from tuneterm.storage.notebook import NotebookMixin
from tuneterm.storage.result_metrics import tail_metrics
from tuneterm.storage.schema import (
    SCHEMA_VERSION,
    create_tables,
    newer_schema_message,
    upgrade,
)


class StoreError(Exception):
    """The store is missing, unreadable, or written by a newer tuneterm."""


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=10.0, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 10000")
    # WAL with NORMAL sync survives a crash of the writer process; only power loss can drop the
    # last transactions.
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


class Store(NotebookMixin, ControlsMixin):
    """An experiment's SQLite store; see the module docstring for who writes and who reads."""

    FILENAME = "store.sqlite"

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self._conn = conn
        meta = self.meta()
        self._metric: str | None = meta.get("metric")
        self._mode: str = meta.get("mode", "max")

    @classmethod
    def create(cls, path: Path, meta: Mapping[str, Any]) -> Store:
        """Create a new store (WAL mode) holding `meta`; fails if one exists."""
        if path.exists():
            raise StoreError(f"{path}: a store already exists")
        # Made aside and linked into place whole: a reader never opens a store without tables.
        new = path.with_name(f".{path.name}.{os.getpid()}.new")
        conn = _connect(new)
        conn.execute("PRAGMA journal_mode = WAL")
        create_tables(conn)
        with _transaction(conn):
            _put_meta(conn, {**meta, "schema_version": SCHEMA_VERSION})
        conn.close()
        try:
            os.link(new, path)
        except FileExistsError:
            raise StoreError(f"{path}: a store already exists") from None
        except OSError:  # a file system without hard links: a rename is atomic too
            os.replace(new, path)
        finally:
            new.unlink(missing_ok=True)
        return cls(path, _connect(path))

    @classmethod
    def open(cls, path: Path) -> Store:
        """Open an existing store for reading and writing, upgrading one made by older code.

        StoreError when there is none, it is unreadable, or a newer tuneterm wrote it.
        """
        if not path.is_file():
            raise StoreError(f"{path}: no tuneterm store here")
        try:
            return cls._checked(path, _connect(path))
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path}: {exc}") from exc

    @classmethod
    def _checked(cls, path: Path, conn: sqlite3.Connection) -> Store:
        """The store on `conn` once its schema is known readable; `conn` is closed if not."""
        try:
            if newer := newer_schema_message(conn):
                raise StoreError(f"{path}: {newer}")
            upgrade(conn)
            return cls(path, conn)
        except BaseException:
            conn.close()
            raise

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- meta ------------------------------------------------------------------------------------

    def meta(self) -> dict[str, Any]:
        """Every meta key with its (JSON-decoded) value."""
        rows = self._conn.execute("SELECT key, value FROM meta").fetchall()
        return {key: json.loads(value) for key, value in rows}

    def set_meta(self, **values: Any) -> None:
        with _transaction(self._conn):
            _put_meta(self._conn, values)

    # -- writing (the driver) ---------------------------------------------------------------------

    def record_experiment_started(self, now: float | None = None, **data: Any) -> None:
        now = time.time() if now is None else now
        # A resumed sweep keeps its first start: its elapsed time counts from there.
        first = self.meta().get("started_at") if data.get("resumed") else None
        started = {"started_at": now} if first is None else {}
        with _transaction(self._conn):
            self.append_event(now, EventKind.EXPERIMENT_STARTED, None, None, data)
            _put_meta(self._conn, {"status": SweepStatus.RUNNING, **started, **data})

    def record_trial_started(
        self, trial_id: str, config: Mapping[str, Any], now: float | None = None
    ) -> None:
        """A trial started, or was restarted after a restore or a resume."""
        now = time.time() if now is None else now
        config_json = json.dumps(dict(config), default=str)
        with _transaction(self._conn):
            self.append_event(now, EventKind.TRIAL_STARTED, trial_id, None, {"config": config})
            self._conn.execute(
                "INSERT INTO trials (trial_id, config, status, started_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (trial_id) DO UPDATE SET status = excluded.status,"
                " ended_at = NULL, reason = NULL, stop_iteration = NULL, error = NULL",
                (trial_id, config_json, TrialStatus.RUNNING.value, now),
            )

    def record_result(
        self, trial_id: str, iteration: int, metrics: Mapping[str, float], now: float | None = None
    ) -> bool:
        """Append one result; False if (trial, iteration) was already recorded (a restored run).

        A NaN or an infinity is kept as Python's `json` writes it (`NaN`, `Infinity`): the
        health rules must see it. SQLite's JSON functions refuse that text; the readers of
        `result_metrics` decode such a result in Python."""
        now = time.time() if now is None else now
        with _transaction(self._conn):
            cursor = self._conn.execute(
                "INSERT OR IGNORE INTO events (time, kind, trial_id, iteration, data)"
                " VALUES (?, ?, ?, ?, ?)",
                (now, EventKind.RESULT, trial_id, iteration, json.dumps(dict(metrics))),
            )
            if cursor.rowcount == 0:
                return False
            self._update_trial_metric(trial_id, iteration, metrics)
        return True

    def _update_trial_metric(
        self, trial_id: str, iteration: int, metrics: Mapping[str, float]
    ) -> None:
        value = _finite(metrics.get(self._metric)) if self._metric else None
        row = self._conn.execute(
            "SELECT best_metric FROM trials WHERE trial_id = ?", (trial_id,)
        ).fetchone()
        best = row[0] if row else None
        if value is not None and better(self._mode, value, best):
            best = value
        self._conn.execute(
            "UPDATE trials SET last_iteration = MAX(last_iteration, ?),"
            " last_metric = COALESCE(?, last_metric), best_metric = ? WHERE trial_id = ?",
            (iteration, value, best, trial_id),
        )

    def record_trial_ended(
        self,
        trial_id: str,
        reason: EndReason,
        iteration: int | None,
        error: str | None = None,
        now: float | None = None,
        rule: str | None = None,
    ) -> None:
        """A trial ended for `reason` at `iteration`; a RULE stop names its health `rule`."""
        now = time.time() if now is None else now
        data: dict[str, Any] = {"reason": reason.value}
        if error is not None:
            data["error"] = error
        if rule is not None:
            data["rule"] = rule
        with _transaction(self._conn):
            self.append_event(now, EventKind.TRIAL_ENDED, trial_id, iteration, data)
            self._conn.execute(
                "UPDATE trials SET status = ?, ended_at = ?, reason = ?, stop_iteration = ?,"
                " error = ? WHERE trial_id = ?",
                (TrialStatus.ENDED.value, now, reason.value, iteration, error, trial_id),
            )

    def record_experiment_ended(
        self, status: SweepStatus, message: str = "", now: float | None = None
    ) -> None:
        """The sweep ended (FINISHED, FAILED, STOPPED or CRASHED); trials still running were
        interrupted."""
        now = time.time() if now is None else now
        with _transaction(self._conn):
            self.append_event(
                now, EventKind.EXPERIMENT_ENDED, None, None, {"status": status, "message": message}
            )
            _put_meta(self._conn, {"status": status, "ended_at": now, "message": message})
            self._conn.execute(
                "UPDATE trials SET status = ?, reason = ?, ended_at = ?,"
                " stop_iteration = last_iteration WHERE status IN (?, ?)",
                (
                    TrialStatus.ENDED.value,
                    EndReason.INTERRUPTED.value,
                    now,
                    TrialStatus.RUNNING.value,
                    TrialStatus.PAUSED.value,
                ),
            )

    def record_trial_paused(self, trial_id: str, iteration: int, now: float | None = None) -> None:
        """The driver paused a trial at the user's request: its resources are free."""
        now = time.time() if now is None else now
        with _transaction(self._conn):
            self.append_event(now, EventKind.TRIAL_PAUSED, trial_id, iteration, {})
            self._set_status(trial_id, TrialStatus.PAUSED)

    def record_trial_resumed(self, trial_id: str, now: float | None = None) -> None:
        """A paused trial may run again; it restarts from its last reported checkpoint."""
        now = time.time() if now is None else now
        with _transaction(self._conn):
            self.append_event(now, EventKind.TRIAL_RESUMED, trial_id, None, {})
            self._set_status(trial_id, TrialStatus.RUNNING)

    def _set_status(self, trial_id: str, status: TrialStatus) -> None:
        self._conn.execute(
            "UPDATE trials SET status = ? WHERE trial_id = ?", (status.value, trial_id)
        )

    def append_event(
        self,
        now: float,
        kind: str,
        trial_id: str | None,
        iteration: int | None,
        data: Mapping[str, Any],
    ) -> None:
        """Log an event; call it inside a write transaction (`transaction`)."""
        self._conn.execute(
            "INSERT INTO events (time, kind, trial_id, iteration, data) VALUES (?, ?, ?, ?, ?)",
            (now, kind, trial_id, iteration, json.dumps(dict(data), default=str)),
        )

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (BEGIN IMMEDIATE) for modules with tables of their own (notebook)."""
        with _transaction(self._conn):
            yield self._conn

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """The rows of one read-only statement."""
        return self._conn.execute(sql, params).fetchall()

    # -- reading (any client) ---------------------------------------------------------------------

    def events_since(self, seq: int = 0, limit: int = 10_000) -> list[Event]:
        """Events with a sequence number above `seq`, oldest first, at most `limit`."""
        rows = self._conn.execute(
            "SELECT seq, time, kind, trial_id, iteration, data FROM events"
            " WHERE seq > ? ORDER BY seq LIMIT ?",
            (seq, limit),
        ).fetchall()
        return [Event(s, t, k, tid, it, json.loads(d)) for s, t, k, tid, it, d in rows]

    def tail(self, seq: int, metric: str, limit: int = 50_000) -> list[Event]:
        """Like `events_since`, but result events carry only `{metric: value}` (`{}` without it).

        SQLite extracts the one value, so Python never decodes a whole result (only one SQLite
        cannot read, holding a NaN: `result_metrics`): this is how a dashboard catches up with a
        store of a million results. With no metric it is `events_since`.
        """
        return tail_metrics(self, seq, (metric,) if metric else (), limit)

    def iter_events(self, seq: int = 0, batch: int = 10_000) -> Iterator[Event]:
        while events := self.events_since(seq, batch):
            yield from events
            seq = events[-1].seq

    def trials(self) -> list[Trial]:
        rows = self._conn.execute(
            "SELECT trial_id, config, status, started_at, ended_at, reason, stop_iteration,"
            " last_iteration, last_metric, best_metric, error FROM trials ORDER BY rowid"
        ).fetchall()
        return [_trial_from_row(row) for row in rows]

    def results(self, trial_id: str | None = None) -> list[Result]:
        """Every result (of one trial, or of all), in the order recorded."""
        query = "SELECT trial_id, iteration, time, data FROM events WHERE kind = 'result'"
        params: tuple[str, ...] = ()
        if trial_id is not None:
            query += " AND trial_id = ?"
            params = (trial_id,)
        rows = self._conn.execute(query + " ORDER BY seq", params).fetchall()
        return [Result(tid, it, t, json.loads(d)) for tid, it, t, d in rows]

    def last_seq(self) -> int:
        """The sequence number of the newest event (0 in an empty log)."""
        row = self._conn.execute("SELECT MAX(seq) FROM events").fetchone()
        return int(row[0] or 0)

    def count_results(self) -> int:
        row = self._conn.execute("SELECT COUNT(*) FROM events WHERE kind = 'result'").fetchone()
        return int(row[0])


def _trial_from_row(row: tuple[Any, ...]) -> Trial:
    (trial_id, config, status, started, ended, reason, stop_it, last_it, last, best, error) = row
    return Trial(
        trial_id=trial_id,
        config=json.loads(config),
        status=TrialStatus(status),
        started_at=started,
        ended_at=ended,
        reason=EndReason(reason) if reason else None,
        stop_iteration=stop_it,
        last_iteration=last_it,
        last_metric=last,
        best_metric=best,
        error=error,
    )


def _put_meta(conn: sqlite3.Connection, values: Mapping[str, Any]) -> None:
    conn.executemany(
        "INSERT INTO meta (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [(key, json.dumps(value, default=str)) for key, value in values.items()],
    )


class _transaction:
    """BEGIN IMMEDIATE ... COMMIT (or ROLLBACK) on an autocommit connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def __enter__(self) -> None:
        self._conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self._conn.execute("ROLLBACK" if exc_type else "COMMIT")
