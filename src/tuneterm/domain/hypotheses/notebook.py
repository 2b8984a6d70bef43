"""The notebook's model: notes and their kinds, verdicts, and hypotheses with their verdicts; the
checks on a hypothesis typed while a sweep runs. The store keeps them (storage.notebook)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from tuneterm.domain.config.space import ValidationError, check_hypothesis, show
from tuneterm.domain.config.spec import ExperimentConfig, Hypothesis
from tuneterm.domain.hypotheses.verdict import Verdict


class NotebookError(Exception):
    """A note, hypothesis or verdict that cannot be recorded (the message is one line)."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))


class NoteKind(StrEnum):
    """What a note records; each kind has its own section of the journal."""

    OBSERVATION = "observation"
    INSIGHT = "insight"
    NEXT_EXPERIMENT = "next_experiment"
    LESSON = "lesson"

    @property
    def label(self) -> str:
        """In words: "observation", "next experiment"."""
        return self.value.replace("_", " ")

    @property
    def section(self) -> str:
        """Its journal section's title: "Observations", "Next experiments"."""
        return f"{self.label.capitalize()}s"

    @classmethod
    def read(cls, value: object) -> NoteKind:
        """The kind named by `value` (a kind or its stored value); NotebookError otherwise."""
        try:
            return cls(str(value))
        except ValueError:
            options = ", ".join(kind.value for kind in cls)
            raise NotebookError(f"unknown note kind {show(value)}; use one of {options}") from None


@dataclass(frozen=True, slots=True)
class Note:
    """Something the user wrote down while the sweep ran: an observation, an insight, a next
    experiment or a lesson."""

    note_id: int
    """Its row id; notes are numbered in the order written."""
    time: float
    """When it was written (Unix time)."""
    text: str
    """What the user wrote (may span lines; raw: print it through `text.printable`)."""
    trial_id: str | None
    """The trial it is about, if any."""
    iteration: int | None
    """That trial's iteration when it was written, if known."""
    kind: NoteKind = NoteKind.OBSERVATION
    """What it records (notes written before kinds existed are observations)."""


@dataclass(frozen=True, slots=True)
class VerdictRecord:
    """One verdict on one hypothesis; a later record for the same hypothesis supersedes it."""

    verdict_id: int
    """Its row id, in the order recorded."""
    hypothesis_id: str
    """The hypothesis judged."""
    time: float
    """When it was recorded (Unix time)."""
    verdict: Verdict
    """What the user decided."""
    justification: str
    """Why, in the user's words ("" when none was given)."""


@dataclass(frozen=True, slots=True)
class HypothesisEntry:
    """A hypothesis with where it came from and every verdict on it."""

    hypothesis: Hypothesis
    """The claim."""
    live: bool
    """True when it was added from a dashboard while the sweep ran, not written in the config."""
    added_at: float | None
    """When it was added (live ones only)."""
    verdicts: tuple[VerdictRecord, ...]
    """Every verdict on it, oldest first."""

    @property
    def current(self) -> VerdictRecord | None:
        """The newest verdict, or None while it has not been judged."""
        return self.verdicts[-1] if self.verdicts else None


def check_live_hypothesis(
    config: ExperimentConfig, hypothesis: Hypothesis, live_ids: Iterable[str] = ()
) -> None:
    """Check a hypothesis typed into a dashboard as the config's own are checked; NotebookError
    with a one-line message naming the field (e.g. "expected: 'up' is not a possible value ...").
    """
    check_fields(hypothesis)
    taken = {h.id for h in config.hypotheses} | set(live_ids)
    if hypothesis.id in taken:
        raise NotebookError(f"id: {show(hypothesis.id)} is already used")
    try:
        check_hypothesis(config.search_space, hypothesis.parameter, hypothesis.expected, "h")
    except ValidationError as error:
        field = error.key.rpartition(".")[2]
        raise NotebookError(f"{field}: {error.message}") from None


def parse_expected(text: str) -> Any:
    """An expected outcome as typed: a TOML value (1e-3, true, "adam") or else the bare text
    ("higher", "lower", adam)."""
    from tuneterm.domain.config.toml_text import parse_value

    return parse_value(text)


def check_fields(hypothesis: Hypothesis) -> None:
    """NotebookError naming the first empty field of `hypothesis`."""
    for name in ("id", "statement", "parameter"):
        value = getattr(hypothesis, name)
        if not isinstance(value, str) or not value.strip():
            raise NotebookError(f"{name}: must not be empty")
    if hypothesis.expected is None or str(hypothesis.expected).strip() == "":
        raise NotebookError("expected: must not be empty")
