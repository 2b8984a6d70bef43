"""The journal's "Hyperparameter importance" section: the right top parameter from a sweep whose
metric depends on lr alone, "too few trials" before eight have finished, and `tuneterm journal`
prints it."""

from __future__ import annotations

import math
import random
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
from tests.support import tuneterm
from tuneterm.domain.journal.render import render_journal
from tuneterm.domain.status import EndReason, SweepStatus
from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.journal_data import gather
from tuneterm.storage.store import Store

TITLE = "## Hyperparameter importance\n"


def record_lr_sweep(store: Store, count: int) -> None:
    """`count` completed trials whose accuracy peaks at lr = 3e-3 and ignores batch_norm."""
    store.record_experiment_started(now=T0, address="local")
    rng = random.Random(3)
    for index in range(count):
        trial_id = f"t{index:03d}"
        lr = 10 ** rng.uniform(-4, -1)
        store.record_trial_started(
            trial_id,
            {"batch_norm": rng.choice([True, False]), "lr": lr, "optimizer": "adam"},
            now=T0 + index,
        )
        accuracy = 0.2 + 0.7 * math.exp(-((math.log10(lr) + 2.5) ** 2))
        metrics = {"accuracy": accuracy, "training_iteration": 1}
        store.record_result(trial_id, 1, metrics, now=T0 + index + 0.5)
        store.record_trial_ended(trial_id, EndReason.COMPLETED, 1, now=T0 + index + 0.7)
    store.record_experiment_ended(SweepStatus.FINISHED, now=T0 + count + 1)


@pytest.fixture
def lr_sweep(tmp_path: Path) -> Iterator[tuple[ExperimentDir, Store]]:
    expdir, store = new_experiment(tmp_path)
    record_lr_sweep(store, 24)
    yield expdir, store
    store.close()


def importance_section(text: str) -> str:
    start = text.index(TITLE)
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def table_rows(section: str) -> list[str]:
    lines = section.splitlines()
    header = lines.index("| parameter | share | bar |")
    return [line for line in lines[header + 2 :] if line.startswith("|")]


def test_the_section_puts_lr_first_with_the_trials_and_the_fit(
    lr_sweep: tuple[ExperimentDir, Store],
) -> None:
    expdir, store = lr_sweep
    text = render_journal(gather(expdir, store, config(), T0 + 100))
    section = importance_section(text)
    assert text.index("## Results and analysis") < text.index(TITLE)
    first, second = table_rows(section)[:2]
    assert first.startswith("| `lr` | ")
    assert second.startswith("| `batch_norm` | ")
    share = float(first.split("|")[2].strip().rstrip(" %"))
    assert share > 80.0
    assert first.split("|")[3].strip().startswith("█" * 16)
    assert "- **Trials:** 24 finished" in section
    assert "- **Fit:** out-of-bag R² 0." in section
    assert "optimizer" not in section  # a constant


def test_before_eight_trials_finished_the_section_says_too_few(tmp_path: Path) -> None:
    expdir, store = new_experiment(tmp_path)
    record_sweep(store)  # 4 trials: 2 completed, 1 stopped by the scheduler, 1 errored
    try:
        section = importance_section(render_journal(gather(expdir, store, config(), T0 + 200)))
    finally:
        store.close()
    assert section.splitlines()[2] == "Too few trials: 3 finished, 8 needed."
    assert "| parameter |" not in section


def test_tuneterm_journal_prints_the_section(
    lr_sweep: tuple[ExperimentDir, Store], tmp_path: Path
) -> None:
    expdir, _ = lr_sweep
    proc = tuneterm("journal", str(expdir.path), cwd=tmp_path, root=expdir.path.parent)
    assert proc.returncode == 0, proc.stderr
    assert table_rows(importance_section(proc.stdout))[0].startswith("| `lr` | ")


def record_noise_sweep(store: Store, count: int) -> None:
    """`count` trials whose accuracy is noise; the last one stopped early by the scheduler."""
    store.record_experiment_started(now=T0, address="local")
    rng = random.Random(5)
    for index in range(count):
        trial_id = f"t{index:03d}"
        config = {"batch_norm": rng.choice([True, False]), "lr": 10 ** rng.uniform(-4, -1)}
        store.record_trial_started(trial_id, {**config, "optimizer": "adam"}, now=T0 + index)
        store.record_result(trial_id, 1, {"accuracy": rng.random()}, now=T0 + index + 0.5)
        reason = EndReason.SCHEDULER if index == count - 1 else EndReason.COMPLETED
        store.record_trial_ended(trial_id, reason, 1, now=T0 + index + 0.7)
    store.record_experiment_ended(SweepStatus.FINISHED, now=T0 + count + 1)


def test_on_a_poor_fit_the_section_says_the_shares_are_no_finding(tmp_path: Path) -> None:
    expdir, store = new_experiment(tmp_path)
    record_noise_sweep(store, 8)
    try:
        section = importance_section(render_journal(gather(expdir, store, config(), T0 + 100)))
    finally:
        store.close()
    lines = section.splitlines()
    assert lines[2].startswith(
        "**Not meaningful yet: the hyperparameters explain little of accuracy so far (fit -"
    ), section
    assert lines[2].endswith("): shares are unreliable.**")
    assert "the scheduler stopped early counts with its best value before the stop" in section
    assert "| parameter | share | bar |" not in section  # no table read as a finding
    assert "The shares so far, for the record only" in section
    assert "| parameter | share so far | bar |" in section
    assert "- **Trials:** 8 finished" in section  # the scheduler's stop counts


def test_on_a_good_fit_no_warning(lr_sweep: tuple[ExperimentDir, Store]) -> None:
    expdir, store = lr_sweep
    section = importance_section(render_journal(gather(expdir, store, config(), T0 + 100)))
    assert "Not meaningful yet" not in section and "for the record only" not in section
    assert "stopped early counts with its best value before the stop" in section
