"""The experiment's notebook: notes (each of a kind), hypotheses added while it runs, and verdicts
on hypotheses.

Three tables in the experiment's store. Every write also appends an event in the same transaction,
so a tailing client (a second dashboard, the journal keeper) learns of it without polling the
tables. Verdicts are append-only: changing one adds a row, and the history stays readable.
`NotebookMixin` gives `tuneterm.storage.store.Store` the methods, through `StoreHooks`; the
tables are made in `tuneterm.storage.schema`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tuneterm.domain.config.space import show
from tuneterm.domain.config.spec import ExperimentConfig, Hypothesis
from tuneterm.domain.events import EventKind
from tuneterm.domain.hypotheses.notebook import (
    HypothesisEntry,
    Note,
    NotebookError,
    NoteKind,
    VerdictRecord,
    check_fields,
)
from tuneterm.domain.hypotheses.verdict import Verdict
from tuneterm.storage.store_hooks import StoreHooks

CONFIG_JSON = "config.json"
"""The recorded config beside the store (`ExperimentDir.config_json`), read for hypothesis ids."""


class NotebookMixin(StoreHooks):
    """The notebook methods of `Store`: writes go through `transaction` and `append_event`."""

    # -- notes -----------------------------------------------------------------------------

    def add_note(
        self,
        text: str,
        trial_id: str | None = None,
        iteration: int | None = None,
        kind: NoteKind | str = NoteKind.OBSERVATION,
        now: float | None = None,
    ) -> Note:
        """Record a note (outer whitespace trimmed); NotebookError when it holds no text or its
        kind is unknown."""
        body, kind = text.strip(), NoteKind.read(kind)
        if not body:
            raise NotebookError("the note is empty: write something first")
        now = time.time() if now is None else now
        with self.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO notes (time, text, trial_id, iteration, kind) VALUES (?, ?, ?, ?, ?)",
                (now, body, trial_id, iteration, kind.value),
            )
            note_id = int(cursor.lastrowid or 0)
            data = {"note_id": note_id, "text": body, "kind": kind.value}
            self.append_event(now, EventKind.NOTE_ADDED, trial_id, iteration, data)
        return Note(note_id, now, body, trial_id, iteration, kind)

    def notes(self, trial_id: str | None = None) -> list[Note]:
        """Every note (or those about one trial), in the order written."""
        sql = "SELECT note_id, time, text, trial_id, iteration, kind FROM notes"
        params: tuple[str, ...] = ()
        if trial_id is not None:
            sql, params = sql + " WHERE trial_id = ?", (trial_id,)
        rows = self.query(sql + " ORDER BY time, note_id", params)
        return [
            Note(note_id, at, text, about, iteration, NoteKind.read(kind))
            for note_id, at, text, about, iteration, kind in rows
        ]

    # -- hypotheses added live -------------------------------------------------------------

    def add_hypothesis(
        self,
        hypothesis: Hypothesis,
        now: float | None = None,
        config_ids: Iterable[str] | None = None,
    ) -> None:
        """Record a hypothesis added while the sweep runs.

        NotebookError when a field is empty or its id is taken, by a config hypothesis or an
        earlier live one. Config ids are `config_ids`, or else read from the config.json beside
        the store. Whether it fits the search space is the caller's check (`check_live_hypothesis`).
        """
        check_fields(hypothesis)
        expected = _expected_json(hypothesis.expected)
        now = time.time() if now is None else now
        with self.transaction() as conn:
            if hypothesis.id in self._hypothesis_ids(config_ids):
                raise NotebookError(f"id: {show(hypothesis.id)} is already used")
            conn.execute(
                "INSERT INTO hypotheses (hypothesis_id, time, statement, parameter, expected,"
                " reasoning) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    hypothesis.id,
                    now,
                    hypothesis.statement,
                    hypothesis.parameter,
                    expected,
                    hypothesis.reasoning,
                ),
            )
            self.append_event(
                now, EventKind.HYPOTHESIS_ADDED, None, None, _hypothesis_data(hypothesis)
            )

    def live_hypotheses(self) -> list[tuple[Hypothesis, float]]:
        """Hypotheses added while the sweep ran, with when, in the order added."""
        rows = self.query(
            "SELECT hypothesis_id, statement, parameter, expected, reasoning, time"
            " FROM hypotheses ORDER BY time, rowid"
        )
        return [
            (Hypothesis(hid, statement, parameter, json.loads(expected), reasoning), added)
            for hid, statement, parameter, expected, reasoning, added in rows
        ]

    # -- verdicts --------------------------------------------------------------------------

    def record_verdict(
        self,
        hypothesis_id: str,
        verdict: Verdict,
        justification: str = "",
        now: float | None = None,
        config_ids: Iterable[str] | None = None,
    ) -> VerdictRecord:
        """Record a verdict (earlier ones stay, as history).

        NotebookError for an unknown hypothesis: known ids are the live ones plus `config_ids`,
        or else those of the config.json beside the store.
        """
        verdict = _verdict(verdict)
        justification = justification.strip()
        now = time.time() if now is None else now
        with self.transaction() as conn:
            known = self._hypothesis_ids(config_ids)
            if hypothesis_id not in known:
                listed = ", ".join(sorted(known)) or "none"
                raise NotebookError(f"no hypothesis {show(hypothesis_id)} (known: {listed})")
            cursor = conn.execute(
                "INSERT INTO verdicts (time, hypothesis_id, verdict, justification)"
                " VALUES (?, ?, ?, ?)",
                (now, hypothesis_id, verdict.value, justification),
            )
            record = VerdictRecord(
                int(cursor.lastrowid or 0), hypothesis_id, now, verdict, justification
            )
            self.append_event(now, EventKind.VERDICT_RECORDED, None, None, _verdict_data(record))
        return record

    def verdicts(self) -> list[VerdictRecord]:
        """Every verdict ever recorded, oldest first."""
        rows = self.query(
            "SELECT verdict_id, hypothesis_id, time, verdict, justification FROM verdicts"
            " ORDER BY verdict_id"
        )
        return [
            VerdictRecord(vid, hid, at, Verdict(verdict), justification)
            for vid, hid, at, verdict, justification in rows
        ]

    def _hypothesis_ids(self, config_ids: Iterable[str] | None) -> set[str]:
        if config_ids is None:
            config_ids = config_hypothesis_ids(self.path.parent / CONFIG_JSON)
        live = self.query("SELECT hypothesis_id FROM hypotheses")
        return {*config_ids, *(row[0] for row in live)}


def hypothesis_entries(
    config: ExperimentConfig | None, store: NotebookMixin
) -> list[HypothesisEntry]:
    """The config's hypotheses (file order), then the live ones (order added), with verdicts."""
    by_id: dict[str, list[VerdictRecord]] = {}
    for record in store.verdicts():
        by_id.setdefault(record.hypothesis_id, []).append(record)
    written = config.hypotheses if config is not None else ()
    entries = [HypothesisEntry(h, False, None, tuple(by_id.get(h.id, ()))) for h in written]
    for hypothesis, added in store.live_hypotheses():
        verdicts = tuple(by_id.get(hypothesis.id, ()))
        entries.append(HypothesisEntry(hypothesis, True, added, verdicts))
    return entries


def config_hypothesis_ids(config_json: Path) -> list[str]:
    """The ids of the hypotheses in a recorded config.json ([] when it is missing or unreadable)."""
    try:
        data = json.loads(config_json.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    entries = data.get("hypotheses") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        return []
    return [str(e["id"]) for e in entries if isinstance(e, dict) and "id" in e]


def _expected_json(expected: Any) -> str:
    try:
        return json.dumps(expected, allow_nan=False)
    except (TypeError, ValueError):
        raise NotebookError(f"expected: {show(expected)} is not a plain value") from None


def _verdict(verdict: Verdict | str) -> Verdict:
    try:
        return Verdict(verdict)
    except ValueError:
        options = ", ".join(v.value for v in Verdict)
        raise NotebookError(f"unknown verdict {show(verdict)}; use one of {options}") from None


def _hypothesis_data(hypothesis: Hypothesis) -> dict[str, Any]:
    return {
        "id": hypothesis.id,
        "statement": hypothesis.statement,
        "parameter": hypothesis.parameter,
        "expected": hypothesis.expected,
        "reasoning": hypothesis.reasoning,
    }


def _verdict_data(record: VerdictRecord) -> dict[str, Any]:
    return {
        "verdict_id": record.verdict_id,
        "hypothesis_id": record.hypothesis_id,
        "verdict": record.verdict.value,
        "justification": record.justification,
    }
