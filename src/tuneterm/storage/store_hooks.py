"""The three public `Store` methods that the store's table mixins (notebook, controls) build on.

The mixins never import the store (the store imports them), so this is all they know of it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any


class StoreHooks:
    """What a table mixin may call on the `Store` it is mixed into."""

    path: Path

    if TYPE_CHECKING:

        def transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...

        def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

        def append_event(
            self,
            now: float,
            kind: str,
            trial_id: str | None,
            iteration: int | None,
            data: Mapping[str, Any],
        ) -> None: ...
