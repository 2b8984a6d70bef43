"""Reading a trial's output, for the dashboard: the paths come from `EventSource.output_paths`.

- `InterleavedFollower.at_tail(stdout, stderr, n)`: the last `n` lines of both streams in the
  order they arrived, and a follower whose `read_new()` returns the lines that arrive next
  (`flush()` gives an unterminated last line once the trial ended).
- `OutputFollower` and `read_tail`: the same for one stream's file.

Every read is bounded (a 1 GB log is read from its end, a few MB at a time). Lines are text as the
trial wrote it: escape it where it is shown (`domain.text.printable`, `markup=False`).
"""

from __future__ import annotations

from tuneterm.storage.output_merge import InterleavedFollower
from tuneterm.storage.trial_output import STDERR, STDOUT, OutputFollower, OutputLine, read_tail

__all__ = ["STDERR", "STDOUT", "InterleavedFollower", "OutputFollower", "OutputLine", "read_tail"]
