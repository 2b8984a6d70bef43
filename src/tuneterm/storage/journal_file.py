"""Writing journal.md without ever losing a word of it.

- Atomic: the text goes to a temporary file in the same directory, is flushed to disk, and
  replaces journal.md in one `os.replace`; a reader sees the old journal or the new, never half.
- Serialized: writers (the driver, any dashboard) hold an fcntl lock on a file beside it, so two
  writers never interleave their check-and-replace.
- Protected: the store remembers the sha256 of what tuneterm last wrote. When journal.md holds
  anything else, someone edited it: tuneterm leaves it alone, writes journal.tuneterm.md beside it
  and says so.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.store import Store

SHA_KEY = "journal_sha256"
"""Store meta key: the sha256 (hex) of the journal.md tuneterm last wrote."""
PREVIOUS_SHA_KEY = "journal_sha256_previous"
"""Store meta key: the one before it, still tuneterm's own should the writer die between
remembering the new hash and replacing the file."""
DIVERTED_NAME = "journal.tuneterm.md"
"""Where the journal goes while journal.md holds someone's edits."""
LOCK_NAME = ".journal.lock"


@dataclass(frozen=True, slots=True)
class JournalWritten:
    """Where a journal went, and what to tell the user."""

    path: Path
    """The file written: journal.md, or journal.tuneterm.md beside an edited one."""
    diverted: bool
    """True when journal.md was edited outside tuneterm and so was left alone."""
    message: str
    """One line for the user."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@contextlib.contextmanager
def journal_lock(directory: Path) -> Iterator[None]:
    """Hold the experiment's journal lock (blocks while another writer holds it)."""
    fd = os.open(directory / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def write_journal(expdir: ExperimentDir, text: str, store: Store) -> JournalWritten:
    """Write `text` as the experiment's journal.md, unless it was edited outside tuneterm."""
    data = text.encode("utf-8")
    with journal_lock(expdir.path):
        meta = store.meta()
        if _edited_outside(expdir.journal, meta):
            diverted = expdir.path / DIVERTED_NAME
            replace_atomically(diverted, data)
            message = (
                f"{expdir.journal} was edited outside tuneterm: left as it is, "
                f"the journal went to {diverted}"
            )
            return JournalWritten(diverted, True, message)
        # Remember first: a crash before the replace leaves the old file, still known as ours.
        store.set_meta(**{SHA_KEY: sha256(data), PREVIOUS_SHA_KEY: meta.get(SHA_KEY)})
        replace_atomically(expdir.journal, data)
    return JournalWritten(expdir.journal, False, f"journal written to {expdir.journal}")


def _edited_outside(path: Path, meta: dict[str, object]) -> bool:
    try:
        current = sha256(path.read_bytes())
    except FileNotFoundError:
        return False
    ours = {meta.get(SHA_KEY), meta.get(PREVIOUS_SHA_KEY)} - {None}
    return current not in ours


def replace_atomically(path: Path, data: bytes) -> None:
    """Make `path` hold `data`, all at once: a temporary file beside it, fsync, os.replace.

    The file is readable by its owner only (mkstemp's mode), like the rest of the experiment.
    """
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _sync_directory(path.parent)


def _sync_directory(directory: Path) -> None:
    # The rename itself is durable only once the directory is flushed.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
