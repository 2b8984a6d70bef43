"""The journal's sections written from notes (observations, insights, next experiments, lessons)
and its comparison with earlier experiments, rendered from a real store with hand-computed
expectations; the driver's journal thread writes the comparison too."""

from __future__ import annotations

import dataclasses
import shutil
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.journal_support import (
    T0,
    config,
    new_experiment,
    record_sweep,
    utc,  # noqa: F401
)
from tuneterm.domain.config.spec import ExperimentConfig
from tuneterm.domain.hypotheses.notebook import NoteKind
from tuneterm.domain.journal.render import render_journal
from tuneterm.domain.status import SweepStatus
from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.journal_data import gather
from tuneterm.storage.journal_service import JournalThread
from tuneterm.storage.store import Store

# Written at T0 + 80, + 85, + 90, + 95: 22:14:40, :45, :50, :55 UTC.
KIND_NOTES = [
    ("Batch norm | keeps\nhigh lr stable", "t1", 4, NoteKind.INSIGHT, 80),
    ("ASHA's first rung decides most of it", None, None, NoteKind.INSIGHT, 85),
    ("Try lr 3e-3 with batch norm, 8 samples", None, None, NoteKind.NEXT_EXPERIMENT, 90),
    ("Seed the data split too", "t4", 1, NoteKind.LESSON, 95),
]

EXPECTED_SECTIONS = """\
## Observations

- **2023-11-14 22:13:30**: Started; the digits load in 2 s.
- **2023-11-14 22:13:50** (trial `t1`, iteration 3): t1 | looks
  stable at lr 1e-3

## Insights

- **2023-11-14 22:14:40** (trial `t1`, iteration 4): Batch norm | keeps
  high lr stable
- **2023-11-14 22:14:45**: ASHA's first rung decides most of it

## Next experiments

- **2023-11-14 22:14:50**: Try lr 3e-3 with batch norm, 8 samples

## Lessons

- **2023-11-14 22:14:55** (trial `t4`, iteration 1): Seed the data split too
"""
"""The two observations record_sweep writes, then the notes above under their kinds."""

EARLIER_ROW = (
    "| demo | finished | accuracy (max) | 0.9 | 4 | 1 (25%) | 1 min 40 s |"
    " batch_norm=True lr=0.001 |"
)
"""The finished fixture sweep: best 0.9 (t1); t3 of 4 stopped by ASHA; T0 to T0 + 100."""


@pytest.fixture
def finished(tmp_path: Path) -> Iterator[tuple[ExperimentDir, Store]]:
    expdir, store = new_experiment(tmp_path)
    record_sweep(store)
    yield expdir, store
    store.close()


def section(text: str, title: str) -> str:
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def titles(text: str) -> list[str]:
    return [line[3:] for line in text.splitlines() if line.startswith("## ")]


def comparing(*directories: Path) -> ExperimentConfig:
    base = config()
    experiment = dataclasses.replace(base.experiment, compare_with=tuple(map(str, directories)))
    return dataclasses.replace(base, experiment=experiment)


def test_each_kind_of_note_has_its_own_section(finished: tuple[ExperimentDir, Store]) -> None:
    expdir, store = finished
    for text, trial_id, iteration, kind, after in KIND_NOTES:
        store.add_note(text, trial_id, iteration, kind, now=T0 + after)
    journal = render_journal(gather(expdir, store, config(), T0 + 200))
    shown = "\n".join(
        section(journal, title)
        for title in ("Observations", "Insights", "Next experiments", "Lessons")
    )
    assert shown == EXPECTED_SECTIONS
    order = titles(journal)
    assert order.index("Observations") < order.index("Results and analysis")
    assert order.index("Conclusions") < order.index("Insights")
    assert order[-3:] == ["Insights", "Next experiments", "Lessons"]
    assert "Comparison with earlier experiments" not in order, "no comparison was asked for"


def test_sections_without_notes_say_how_to_write_one(tmp_path: Path) -> None:
    expdir, store = new_experiment(tmp_path)
    with store:
        journal = render_journal(gather(expdir, store, config(), T0))
    assert journal.endswith(
        textwrap.dedent("""\
            ## Insights

            No insights yet (press n in the dashboard and choose insight).

            ## Next experiments

            No next experiments yet (press n in the dashboard and choose next experiment).

            ## Lessons

            No lessons yet (press n in the dashboard and choose lesson).
            """)
    )
    assert "No notes yet (press n in the dashboard to write one)." in section(
        journal, "Observations"
    )


def test_compare_with_puts_the_comparison_table_in_the_journal(
    finished: tuple[ExperimentDir, Store], tmp_path: Path
) -> None:
    earlier, _ = finished
    expdir, store = new_experiment(tmp_path)
    with store:
        journal = render_journal(gather(expdir, store, comparing(earlier.path), T0 + 200))
    assert section(journal, "Comparison with earlier experiments") == textwrap.dedent(f"""\
        ## Comparison with earlier experiments

        | name | status | metric | best | trials | stopped early | time | best config |
        |---|---|---|---|---|---|---|---|
        | demo (this experiment) | created | accuracy (max) | - | 0 | - | - | - |
        {EARLIER_ROW}
        """)
    order = titles(journal)
    assert order.index("Results and analysis") < order.index("Comparison with earlier experiments")
    assert order.index("Comparison with earlier experiments") < order.index("Conclusions")


def test_an_experiment_gone_since_is_named_and_the_rest_still_compared(
    finished: tuple[ExperimentDir, Store], tmp_path: Path
) -> None:
    earlier, _ = finished
    gone = tmp_path / "deleted-since"
    (gone / "ray").mkdir(parents=True)
    expdir, store = new_experiment(tmp_path)
    data = gather(expdir, store, comparing(gone, earlier.path, earlier.path), T0 + 200)
    journal = render_journal(data)
    assert [row.name for row in data.comparison] == ["demo (this experiment)", "demo"]
    assert data.comparison_unread == (f"{gone}: not a tuneterm experiment directory",)
    comparison = section(journal, "Comparison with earlier experiments")
    assert EARLIER_ROW in comparison
    assert comparison.endswith(f"\n\n- Not compared: {gone}: not a tuneterm experiment directory\n")
    shutil.rmtree(earlier.path)
    with store:
        data = gather(expdir, store, comparing(earlier.path), T0 + 200)
    assert [row.name for row in data.comparison] == ["demo (this experiment)"]
    assert data.comparison_unread == (f"{earlier.path}: no such directory",)


def test_the_drivers_journal_thread_writes_the_comparison(
    finished: tuple[ExperimentDir, Store], tmp_path: Path
) -> None:
    earlier, _ = finished
    expdir, store = new_experiment(tmp_path, status=SweepStatus.RUNNING)
    said: list[str] = []
    with store, JournalThread(expdir, comparing(earlier.path), poll=0.05, log=said.append):
        store.record_experiment_started(now=T0)
        store.add_note("compare with the first demo", kind=NoteKind.NEXT_EXPERIMENT, now=T0 + 5)
    written = expdir.journal.read_text()
    assert said == []
    assert "| demo (this experiment) | running |" in written
    assert EARLIER_ROW in written
    assert "compare with the first demo" in section(written, "Next experiments")
