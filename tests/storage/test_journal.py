"""The journal: rendered from a hand-computed fixture store, written without losing a word, kept
current by the driver's thread, and (marked ray) true to Ray's own result.json files."""

from __future__ import annotations

import os
import statistics
import textwrap
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import RayHead
from tests.journal_support import (
    T0,
    config,
    new_experiment,
    record_sweep,
    utc,  # noqa: F401
)
from tests.support import only_experiment, ray_results, tuneterm, wait_for
from tuneterm.domain.journal.data import JournalError
from tuneterm.domain.journal.render import render_journal
from tuneterm.domain.status import EndReason, SweepStatus
from tuneterm.domain.text import duration, format_value
from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.journal_data import gather
from tuneterm.storage.journal_file import (
    DIVERTED_NAME,
    SHA_KEY,
    journal_lock,
    sha256,
    write_journal,
)
from tuneterm.storage.journal_service import JournalKeeper, JournalService, JournalThread
from tuneterm.storage.store import Store


@pytest.fixture
def finished(tmp_path: Path) -> Iterator[tuple[ExperimentDir, Store]]:
    expdir, store = new_experiment(tmp_path)
    record_sweep(store)
    yield expdir, store
    store.close()


def journal(expdir: ExperimentDir, store: Store, now: float = T0 + 200) -> str:
    return render_journal(gather(expdir, store, config(), now))


def section(text: str, title: str) -> str:
    """The lines of one `## title` section."""
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


# Rendering ------------------------------------------------------------------------------------


def test_results_match_the_hand_computed_figures(finished: tuple[ExperimentDir, Store]) -> None:
    results = section(journal(*finished), "Results and analysis")
    # Ended: t1, t2 completed; t3 stopped by ASHA at iteration 2; t4 errored at 1.
    assert "- **Trials:** 4\n" in results
    assert "- **Stopped early by the scheduler:** 1 (1 at iteration 2)\n" in results
    assert "- **Ran to completion:** 2\n" in results
    assert "- **Stopped by the user:** 0\n" in results
    assert "- **Errored:** 1 (`t4` at iteration 1)\n" in results
    # T0 -> T0 + 100; training time (time_total_s at the last result): (40+48+22+5)/4 = 28.75.
    assert "- **Time:** 1 min 40 s in all; 28.8 s of training per trial on average" in results
    # Top 3 by best accuracy: t1 0.9, t2 0.7, t3 0.35 (t4's 0.2 is fourth).
    assert "| 1 | t1 | batch_norm=True lr=0.001 | 0.9 | 0.9 | 4 | 40.0 s |" in results
    assert "| 2 | t2 | batch_norm=False lr=0.01 | 0.7 | 0.7 | 4 | 48.0 s |" in results
    assert "| 3 | t3 | batch_norm=True lr=0.0005 | 0.35 | 0.35 | 2 | 22.0 s |" in results
    assert "| t4 |" not in results
    # Last values 0.9, 0.7, 0.35, 0.2: mean 2.15/4 = 0.5375; squared deviations 0.13140625 +
    # 0.02640625 + 0.03515625 + 0.11390625 = 0.306875, / 3 -> std 0.31983; median (0.35+0.7)/2.
    assert "over 4 trials" in results
    assert "| 0.9 | 0.5375 ± 0.3198 | 0.525 | 0.2 |" in results
    best = '```toml\nbatch_norm = true\nlr = 0.001\noptimizer = "adam"\n```'
    assert "Trial `t1` reached `accuracy` = 0.9 in 4 iterations:" in results and best in results


def test_conclusions_show_verdict_history_and_both_evidence_tables(
    finished: tuple[ExperimentDir, Store],
) -> None:
    conclusions = section(journal(*finished), "Conclusions")
    h1 = conclusions[: conclusions.index("### H2")]
    assert h1.startswith(
        "## Conclusions\n\n### H1: Batch normalisation improves accuracy: CONFIRMED"
    )
    assert "- **Verdict:** CONFIRMED (recorded 2023-11-14 22:14:30)" in h1
    assert "- **Justification:** batch norm trials lead" in h1
    assert "  - 2023-11-14 22:14:10 REJECTED: t4 errored, unclear\n" in h1
    assert "  - 2023-11-14 22:14:30 CONFIRMED: batch norm trials lead\n" in h1
    assert "- **Suggested by the evidence:** INCONCLUSIVE: " in h1 and "thin" in h1
    # At the last iteration: true = t1 0.9, t3 0.35 -> mean 0.625, std sqrt(2 * 0.275^2) =
    # 0.3889; false = t2 0.7, t4 0.2 -> mean 0.45, std 0.3536.
    assert "| true | 2 | 0.625 ± 0.3889 | 0.625 | 0.9 |" in h1
    assert "| false | 2 | 0.45 ± 0.3536 | 0.45 | 0.7 |" in h1
    # t4 reached only iteration 1: true = 0.5, 0.3; false = 0.4, 0.2 (std sqrt(0.02) = 0.1414).
    assert "Evidence at iteration 1, which every compared trial reached:" in h1
    assert "| true | 2 | 0.4 ± 0.1414 | 0.4 | 0.5 |" in h1
    assert "| false | 2 | 0.3 ± 0.1414 | 0.3 | 0.4 |" in h1
    h2 = conclusions[conclusions.index("### H2") :]
    assert h2.startswith("### H2: Lower learning rates are safer: not judged yet")
    assert "| 1e-4 to 1e-3 | 1 | 0.35 ± 0 | 0.35 | 0.35 |" in h2


def test_overview_hypotheses_configuration_and_observations(
    finished: tuple[ExperimentDir, Store],
) -> None:
    text = journal(*finished)
    assert text.startswith(
        "# Journal: demo\n\n_Written by tuneterm at 2023-11-14 22:16:40, "
        "after the sweep finished._\n\n## Overview\n"
    )
    overview = section(text, "Overview")
    assert "- **Date:** 2023-11-14 22:13:20\n" in overview
    assert "- **Data set:** digits, 0.2 held out\n" in overview
    assert "- **Hardware:** Ray 2.60.0 cluster (local) with 4 CPUs, 0 GPUs; driver on lab1\n" in (
        overview
    )
    assert "- **Resources per trial:** 1 CPU, no GPU\n" in overview
    hypotheses = section(text, "Hypotheses")
    assert "- **Expected outcome:** `batch_norm` = `true` gives the best metric\n" in hypotheses
    assert "- **Reasoning:** Normalised activations keep gradients well scaled.\n" in hypotheses
    assert "- **Expected outcome:** lower `lr` gives a better metric\n" in hypotheses
    assert "- Added while the sweep ran, at 2023-11-14 22:14:00.\n" in hypotheses
    configuration = section(text, "Configuration")
    assert "batch_norm = { grid = [true, false] }\nlr = { loguniform = [0.0001, 0.1] }\n" in (
        configuration
    )
    assert "- **Scheduler:** asha (max_t 4, grace_period 1, reduction_factor 2)\n" in configuration
    assert "- **Search algorithm:** random, seed 0\n" in configuration
    observations = section(text, "Observations")
    assert observations == textwrap.dedent("""\
        ## Observations

        - **2023-11-14 22:13:30**: Started; the digits load in 2 s.
        - **2023-11-14 22:13:50** (trial `t1`, iteration 3): t1 | looks
          stable at lr 1e-3
        """)


def test_a_new_experiment_renders_without_results(tmp_path: Path) -> None:
    expdir, store = new_experiment(tmp_path)
    with store:
        text = journal(expdir, store, now=T0)
    assert "before the sweep started" in text
    assert "- **Date:** not started yet\n" in text
    assert "No notes yet" in text
    assert section(text, "Results and analysis").strip().endswith("No trial has started yet.")
    assert "### H1: Batch normalisation improves accuracy: not judged yet" in text
    assert "INCONCLUSIVE: no results yet" in text
    assert "nan" not in text and "None" not in text


def test_a_running_sweep_counts_time_so_far_and_unfinished_trials(tmp_path: Path) -> None:
    expdir, store = new_experiment(tmp_path, status=SweepStatus.RUNNING)
    with store:
        record_sweep(store, finished=False)
        text = journal(expdir, store, now=T0 + 90)
    assert "_Written by tuneterm at 2023-11-14 22:14:50, while the sweep was running._" in text
    assert "- **Still running or paused:** 2\n" in text
    assert "- **Ran to completion:** 0\n" in text
    assert "- **Time:** 1 min 30 s so far in all;" in text


def test_rendering_is_deterministic_given_now(finished: tuple[ExperimentDir, Store]) -> None:
    assert journal(*finished, now=T0 + 500) == journal(*finished, now=T0 + 500)


def test_untrusted_text_cannot_break_tables_or_reach_the_terminal(tmp_path: Path) -> None:
    expdir, store = new_experiment(tmp_path)
    with store:
        store.record_experiment_started(now=T0)
        store.record_trial_started("t|1", {"batch_norm": True, "lr": "a|b\nc\x1b[31m"}, now=T0)
        store.record_result("t|1", 1, {"accuracy": 0.5}, now=T0 + 1)
        store.add_note("red \x1b[31malert\x07", now=T0 + 2)
        text = journal(expdir, store)
    assert "\x1b" not in text and "\x07" not in text
    assert "red \\x1b[31malert\\x07" in text
    row = next(line for line in text.splitlines() if line.startswith("| 1 |"))
    assert row == "| 1 | t\\|1 | batch_norm=True lr=a\\|b c\\x1b[31m | 0.5 | 0.5 | 1 | - |"


# Writing --------------------------------------------------------------------------------------


def test_write_journal_writes_and_remembers_what_it_wrote(
    finished: tuple[ExperimentDir, Store],
) -> None:
    expdir, store = finished
    written = write_journal(expdir, "first\n", store)
    assert (written.path, written.diverted) == (expdir.journal, False)
    assert expdir.journal.read_text() == "first\n"
    assert store.meta()[SHA_KEY] == sha256(b"first\n")
    again = write_journal(expdir, "second\n", store)
    assert not again.diverted and expdir.journal.read_text() == "second\n"
    assert [p.name for p in expdir.path.iterdir() if p.name.endswith(".tmp")] == []


def test_an_external_edit_is_never_clobbered(finished: tuple[ExperimentDir, Store]) -> None:
    expdir, store = finished
    write_journal(expdir, "tuneterm's\n", store)
    expdir.journal.write_text("tuneterm's\nmy own insight\n")
    written = write_journal(expdir, "newer\n", store)
    assert written.diverted and written.path == expdir.path / DIVERTED_NAME
    assert expdir.journal.read_text() == "tuneterm's\nmy own insight\n"
    assert written.path.read_text() == "newer\n"
    assert "edited outside tuneterm" in written.message and "\n" not in written.message
    # Still diverted next time; once the user removes their file, journal.md is ours again.
    assert write_journal(expdir, "newest\n", store).diverted
    expdir.journal.unlink()
    assert not write_journal(expdir, "back\n", store).diverted
    assert expdir.journal.read_text() == "back\n"


def test_a_journal_md_tuneterm_never_wrote_is_left_alone(
    finished: tuple[ExperimentDir, Store],
) -> None:
    expdir, store = finished
    expdir.journal.write_text("written by hand before any render\n")
    assert write_journal(expdir, "rendered\n", store).diverted
    assert expdir.journal.read_text() == "written by hand before any render\n"


def test_a_writer_that_died_between_remembering_and_replacing_is_not_an_edit(
    finished: tuple[ExperimentDir, Store],
) -> None:
    expdir, store = finished
    write_journal(expdir, "old\n", store)
    # What a crash right before os.replace leaves: the new hash remembered, the old file there.
    store.set_meta(journal_sha256=sha256(b"new\n"), journal_sha256_previous=sha256(b"old\n"))
    assert not write_journal(expdir, "newer\n", store).diverted


def test_a_failed_replace_leaves_the_old_journal_whole(
    finished: tuple[ExperimentDir, Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    expdir, store = finished
    write_journal(expdir, "whole\n", store)

    def broken_replace(source: object, target: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        write_journal(expdir, "x" * 100_000, store)
    monkeypatch.undo()
    assert expdir.journal.read_text() == "whole\n"
    assert [p.name for p in expdir.path.iterdir() if p.name.endswith(".tmp")] == []
    # The failed attempt did not make the intact file look like someone else's.
    assert not write_journal(expdir, "after\n", store).diverted


def test_writers_wait_for_the_journal_lock(finished: tuple[ExperimentDir, Store]) -> None:
    expdir, _ = finished
    done = threading.Event()

    def write() -> None:
        with Store.open(expdir.store) as other:
            write_journal(expdir, "from the other writer\n", other)
        done.set()

    with journal_lock(expdir.path):
        writer = threading.Thread(target=write)
        writer.start()
        assert not done.wait(0.5), "a writer went ahead while the lock was held"
        assert not expdir.journal.exists()
    writer.join(timeout=10)
    assert done.is_set() and expdir.journal.read_text() == "from the other writer\n"


# Keeping it current ---------------------------------------------------------------------------


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_the_keeper_renders_at_once_for_notes_and_throttles_results(tmp_path: Path) -> None:
    expdir, store = new_experiment(tmp_path, status=SweepStatus.RUNNING)
    clock = Clock(T0)
    with store:
        store.record_experiment_started(now=T0)
        store.record_trial_started("t1", {"batch_norm": True, "lr": 0.001}, now=T0)
        service = JournalService(expdir.path, clock, config=config(), store=store)
        keeper = JournalKeeper(service, interval=10.0)
        assert keeper.step() is not None, "the first step renders"
        assert keeper.step() is None, "nothing new, nothing written"
        clock.now += 2
        store.record_result("t1", 1, {"accuracy": 0.5})
        assert keeper.step() is None, "a result alone waits for the interval"
        clock.now += 9
        assert keeper.step() is not None
        assert "| 1 | t1 |" in expdir.journal.read_text()
        clock.now += 2
        store.add_note("a note shows within a second", now=clock.now)
        assert keeper.step() is not None
        assert "a note shows within a second" in expdir.journal.read_text()


def test_the_service_waits_for_the_config_and_renders_only_new_results(
    finished: tuple[ExperimentDir, Store],
) -> None:
    expdir, store = finished
    recorded = expdir.config_json.read_text()
    expdir.config_json.unlink()
    with JournalService(expdir.path, lambda: T0 + 200) as service:
        with pytest.raises(JournalError, match=r"config\.json: no such file"):
            service.markdown()
        expdir.config_json.write_text(recorded)
        assert service.markdown() == journal(expdir, store)
        assert service.update() == set(), "what was rendered is not read again"
        store.add_note("one more", now=T0 + 150)
        assert "one more" in service.markdown()
    with JournalService(expdir.path, config=config(), store=store) as borrowed:
        borrowed.write(T0 + 200)
    assert store.notes(), "a store the caller opened is left open"


def test_the_journal_thread_renders_the_end_and_logs_failures(tmp_path: Path) -> None:
    expdir, store = new_experiment(tmp_path, status=SweepStatus.RUNNING)
    said: list[str] = []
    with store, JournalThread(expdir, config(), poll=0.05, log=said.append):
        record_sweep(store)
    assert "after the sweep finished" in expdir.journal.read_text()
    assert said == []
    expdir.journal.write_text("edited\n")
    with JournalThread(expdir, config(), poll=0.05, log=said.append):
        pass
    assert expdir.journal.read_text() == "edited\n"
    assert len(said) == 1 and "edited outside tuneterm" in said[0]
    broken = ExperimentDir(tmp_path / "gone")
    with JournalThread(broken, config(), poll=0.05, log=said.append):
        pass
    assert len(said) == 2 and said[1].startswith("stopped: StoreError: ")


# A real sweep ---------------------------------------------------------------------------------

TRAINABLE = """
import time
from ray import tune


def climb(config):
    for i in range(1, config["n"] + 1):
        time.sleep(0.05)
        tune.report({"score": config["x"] * i / 10.0})
"""

SWEEP = """
[experiment]
name = "climb"
metric = "score"
mode = "max"
[trainable]
name = "journaltrain:climb"
epochs = 4
[resources]
cpu = 1
[search_space]
x = { grid = [5, 4, 3, 2, 1] }
n = 4
[search]
algorithm = "grid"
[scheduler]
name = "asha"
max_t = 4
grace_period = 1
reduction_factor = 2

[[hypotheses]]
id = "H1"
statement = "A larger x scores higher"
parameter = "x"
expected = "higher"
"""


@pytest.mark.ray
@pytest.mark.slow
def test_a_real_sweeps_journal_agrees_with_rays_result_files(
    tmp_path: Path, ray_head: RayHead
) -> None:
    (tmp_path / "journaltrain.py").write_text(TRAINABLE)
    (tmp_path / "climb.toml").write_text(SWEEP)
    root = tmp_path / "runs"
    proc = tuneterm(
        "run", "climb.toml", "--headless", "--address", ray_head.address, cwd=tmp_path, root=root
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    expdir = only_experiment(root)
    # The driver's journal thread writes the last render after the sweep's end is recorded.
    wait_for(lambda: "after the sweep finished" in _read(expdir.journal), timeout=30)
    text = expdir.journal.read_text()

    by_trial = ray_results(expdir)
    last = {trial_id: rows[-1] for trial_id, rows in by_trial.items()}
    scores = [row["score"] for row in last.values()]
    iterations = {trial_id: int(row["training_iteration"]) for trial_id, row in last.items()}
    assert len(by_trial) == 5
    assert f"- **Trials:** {len(by_trial)}\n" in text
    stops = Counter(n for n in iterations.values() if n < 4)
    assert stops, "ASHA stopped no trial: the counts below would prove little"
    where = ", ".join(f"{count} at iteration {at}" for at, count in sorted(stops.items()))
    assert f"- **Stopped early by the scheduler:** {stops.total()} ({where})\n" in text
    assert f"- **Ran to completion:** {len(by_trial) - stops.total()}\n" in text
    assert "- **Errored:** 0\n" in text
    mean_time = duration(statistics.fmean(row["time_total_s"] for row in last.values()))
    assert f"; {mean_time} of training per trial on average (5 trials)" in text
    spread = (
        f"| {format_value(max(scores))} | {format_value(statistics.fmean(scores))} ± "
        f"{format_value(statistics.stdev(scores))} | {format_value(statistics.median(scores))} "
        f"| {format_value(min(scores))} |"
    )
    assert spread in text
    ranked = sorted(last.items(), key=lambda item: -max(r["score"] for r in by_trial[item[0]]))
    for rank, (trial_id, row) in enumerate(ranked[:3], start=1):
        best = max(r["score"] for r in by_trial[trial_id])
        x = row["config"]["x"]  # type: ignore[index]  # result.json nests the config
        prefix = f"| {rank} | {trial_id} | x={x} | {format_value(best)} | "
        line = next(line for line in text.splitlines() if line.startswith(prefix))
        assert f"| {iterations[trial_id]} |" in line
    with Store.open(expdir.store) as store:
        assert {t.trial_id for t in store.trials()} == set(by_trial)
        reasons = {t.trial_id: t.reason for t in store.trials()}
    assert all((reasons[t] is EndReason.SCHEDULER) == (n < 4) for t, n in iterations.items())
    assert "### H1: A larger x scores higher: not judged yet" in text


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except FileNotFoundError:
        return ""
