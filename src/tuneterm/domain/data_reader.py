"""Which reader loaded the built-in trainables' data: torchvision's data sets, or tuneterm's own.

The driver records its choice in the store's meta (and the experiment's start event) as
`data_reader`; the journal's overview and the trial detail say it in words.
"""

from __future__ import annotations

from collections.abc import Sequence

TORCHVISION = "torchvision"
"""torchvision's data sets and transforms read the data (where torchvision imports)."""

TUNETERM = "tuneterm"
"""tuneterm's own readers (numpy, Pillow, scikit-learn's bundled digits) read the data."""

DATA_READER_KEY = "data_reader"
"""The meta key (and start event field) that holds the reader."""

_READER_WORDS = {TORCHVISION: "torchvision's data sets", TUNETERM: "tuneterm's own readers"}


def reader_words(reader: object) -> str | None:
    """The reader in words ("torchvision's data sets"); None for no reader or an unknown one."""
    return _READER_WORDS.get(reader) if isinstance(reader, str) else None


def reader_phrase(reader: object, augment: Sequence[str] | None = None) -> str:
    """ ", read by torchvision's data sets, augmented with hflip, rotate:15", to follow a data
    set's description; "" when neither is known."""
    words = reader_words(reader)
    read = f", read by {words}" if words else ""
    augmented = f", augmented with {', '.join(augment)}" if augment else ""
    return read + augmented


def reader_caption(reader: object) -> str | None:
    """ "data read by torchvision's data sets", a caption for a trial's view; None when unknown."""
    words = reader_words(reader)
    return f"data read by {words}" if words else None
