"""A verdict on a hypothesis: what the sweep showed about it."""

from __future__ import annotations

from enum import StrEnum


class Verdict(StrEnum):
    """A hypothesis's verdict, as a user marks it (or as the evidence suggests it)."""

    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    INCONCLUSIVE = "inconclusive"

    @property
    def label(self) -> str:
        """The journal's spelling: CONFIRMED, REJECTED, INCONCLUSIVE."""
        return self.value.upper()
