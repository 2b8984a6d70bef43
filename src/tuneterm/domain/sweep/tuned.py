"""Which hyperparameters a sweep tunes, when it does not say: the config keys that differ."""

from __future__ import annotations

from typing import Any


class DifferingKeys:
    """Tracks which config keys differ between trials, one config at a time."""

    def __init__(self) -> None:
        self._first: dict[str, Any] = {}
        self._differing: set[str] = set()
        self._seen = 0

    def observe(self, config: dict[str, Any]) -> None:
        first, differing = self._first, self._differing
        self._seen += 1
        if self._seen == 1:
            first.update(config)
            return
        for key, value in config.items():
            if key not in first:
                first[key] = value
                differing.add(key)
            elif key not in differing and not _same_value(first[key], value):
                differing.add(key)
        differing.update(key for key in first if key not in config)

    def names(self) -> list[str]:
        """The differing keys, in the order they were first seen."""
        return [key for key in self._first if key in self._differing]


def _same_value(a: Any, b: Any) -> bool:
    return type(a) is type(b) and bool(a == b)
