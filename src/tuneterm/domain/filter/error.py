"""`FilterError`: why an expression was refused, and where."""

from __future__ import annotations


class FilterError(ValueError):
    """An expression that cannot be a filter: one line saying why, and the column at fault."""

    message: str
    """What is wrong, in one line, without the position."""
    column: int | None
    """The 1-based character column at fault; None where no one column is."""
    unknown: str | None
    """The name refused as unknown (or as a metric the sweep does not weigh); None for any
    other fault."""

    def __init__(
        self, message: str, column: int | None = None, *, unknown: str | None = None
    ) -> None:
        super().__init__(message, column)
        self.message = message
        self.column = column
        self.unknown = unknown

    def __str__(self) -> str:
        if self.column is None:
            return self.message
        return f"column {self.column}: {self.message}"
