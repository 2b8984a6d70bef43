"""`tuneterm journal --compare DIR...` through the real command line: the journal carries the
comparison table; an experiment that is not there is one line and exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.journal_support import (
    new_experiment,
    record_sweep,
    utc,  # noqa: F401
)
from tests.support import tuneterm
from tuneterm.storage.experiment import ExperimentDir

TABLE_HEAD = (
    "## Comparison with earlier experiments\n\n"
    "| name | status | metric | best | trials | stopped early | time | best config |\n"
    "|---|---|---|---|---|---|---|---|\n"
    "| demo (this experiment) | created | accuracy (max) | - | 0 | - | - | - |\n"
)
EARLIER_ROW = (
    "| demo | finished | accuracy (max) | 0.9 | 4 | 1 (25%) | 1 min 40 s |"
    " batch_norm=True lr=0.001 |\n"
)


@pytest.fixture
def two(tmp_path: Path) -> tuple[ExperimentDir, ExperimentDir]:
    """A finished experiment and a newer one, not started, in the root tmp_path/runs."""
    earlier, store = new_experiment(tmp_path / "runs")
    with store:
        record_sweep(store)
    later, store = new_experiment(tmp_path / "runs")
    store.close()
    return earlier, later


def test_journal_compare_shows_the_comparison_table(
    tmp_path: Path, two: tuple[ExperimentDir, ExperimentDir]
) -> None:
    earlier, later = two
    proc = tuneterm(
        "journal", str(later.path), "--compare", str(earlier.path), cwd=tmp_path, root=tmp_path
    )
    assert (proc.returncode, proc.stderr) == (0, "")
    assert TABLE_HEAD + EARLIER_ROW in proc.stdout
    plain = tuneterm("journal", str(later.path), cwd=tmp_path, root=tmp_path)
    assert plain.returncode == 0 and "## Comparison" not in plain.stdout


def test_journal_compare_takes_names_from_the_root_and_writes_the_file(
    tmp_path: Path, two: tuple[ExperimentDir, ExperimentDir]
) -> None:
    earlier, later = two
    proc = tuneterm(
        "journal",
        str(later.path),
        "--write",
        "--compare",
        earlier.path.name,
        cwd=tmp_path,
        root=tmp_path / "runs",
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"journal written to {later.journal}\n"
    assert TABLE_HEAD + EARLIER_ROW in later.journal.read_text()


@pytest.mark.parametrize(
    ("reference", "line"),
    [
        ("TMP/plain", "error: --compare: TMP/plain: not a tuneterm experiment directory\n"),
        ("TMP/missing", "error: --compare: TMP/missing: no such directory\n"),
        (
            "baseline",
            "error: --compare: no experiment named 'baseline' in TMP/runs"
            " (give its directory if it is elsewhere)\n",
        ),
    ],
)
def test_journal_compare_with_no_experiment_there_is_one_line(
    tmp_path: Path, two: tuple[ExperimentDir, ExperimentDir], reference: str, line: str
) -> None:
    _, later = two
    (tmp_path / "plain").mkdir()
    proc = tuneterm(
        "journal",
        str(later.path),
        "--write",
        "--compare",
        reference.replace("TMP", str(tmp_path)),
        cwd=tmp_path,
        root=tmp_path / "runs",
    )
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == line.replace("TMP", str(tmp_path))
    assert not later.journal.exists(), "nothing written"
