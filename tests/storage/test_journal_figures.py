"""The journal's figures: drawn by a process of their own into figures/ beside journal.md, linked
with relative image links only when their file exists, a line for each that could not be drawn,
throttled by the driver's journal keeper, drawn first by `tuneterm journal --write`, redrawn in
the background for a dashboard, and (marked ray) drawn for a real batch-norm × lr sweep."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import RayHead
from tests.journal_support import T0, config, new_experiment, record_sweep, utc  # noqa: F401
from tests.support import only_experiment, tuneterm, wait_for
from tuneterm.domain.config.spec import Hypothesis
from tuneterm.domain.figures.plan import FigureKind, FigurePlan
from tuneterm.domain.status import SweepStatus
from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.figure_files import MANIFEST, figures_dir, load_manifest
from tuneterm.storage.figure_job import draw_figures, matplotlib_renderer
from tuneterm.storage.figure_runner import FigureRunner, FigureSchedule
from tuneterm.storage.journal_service import JournalKeeper, JournalService
from tuneterm.storage.store import Store

IMAGE_LINK = re.compile(r"!\[[^\]]*\]\(([^)]+)\)")
LR_FIGURE = "figures/accuracy-vs-lr-by-batch_norm.png"
SECTIONS = (
    "## Overview",
    "## Hypotheses",
    "## Configuration",
    "## Results and analysis",
    "## Figures",
    "## Conclusions",
)


@pytest.fixture
def finished(tmp_path: Path) -> Iterator[tuple[ExperimentDir, Store]]:
    expdir, store = new_experiment(tmp_path)
    record_sweep(store)
    yield expdir, store
    store.close()


def journal_text(expdir: ExperimentDir) -> str:
    with JournalService(expdir.path, lambda: T0 + 200) as service:
        return service.markdown()


def linked(text: str, base: Path) -> list[Path]:
    return [base / target for target in IMAGE_LINK.findall(text)]


def assert_images(paths: list[Path]) -> None:
    assert paths
    for path in paths:
        with Image.open(path) as image:
            assert image.format == "PNG" and image.size[0] > 200


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_drawn_figures_are_linked_relatively_and_open_as_images(
    finished: tuple[ExperimentDir, Store],
) -> None:
    expdir, _ = finished
    manifest = draw_figures(expdir)
    text = journal_text(expdir)
    assert f"![accuracy against lr, by batch_norm]({LR_FIGURE})" in text
    links = linked(text, expdir.path)
    assert {path.name for path in links} == {f.file for f in manifest.figures if f.file}
    assert {path.name for path in links} >= {"learning-curves.png", "parallel-coordinates.png"}
    assert_images(links)
    lr = next(f for f in manifest.figures if f.name == "accuracy-vs-lr-by-batch_norm")
    assert lr.hypotheses == ("H1", "H2")
    # t1 (bn, 0.9), t3 (bn, 0.35); t2 (no bn, 0.7), t4 (no bn, 0.2).
    assert lr.series == (("batch_norm=False", 2), ("batch_norm=True", 2))
    written = json.loads((figures_dir(expdir) / MANIFEST).read_text())
    assert written["trials"] == 4 and not list(figures_dir(expdir).glob("*.tmp"))


def test_a_figure_that_cannot_be_drawn_leaves_a_line_and_the_journal_whole(
    finished: tuple[ExperimentDir, Store],
) -> None:
    expdir, _ = finished
    real = matplotlib_renderer()

    def failing(plan: FigurePlan) -> bytes:
        if plan.kind is FigureKind.CURVES:
            raise RuntimeError("the canvas caught fire")
        return real(plan)

    draw_figures(expdir, failing)
    text = journal_text(expdir)
    assert all(title in text for title in SECTIONS)
    assert (
        "### accuracy per iteration\n\n- **Not drawn:** RuntimeError: the canvas caught fire"
        in text
    )
    assert "learning-curves.png" not in text
    assert_images(linked(text, expdir.path))
    (figures_dir(expdir) / "parallel-coordinates.png").unlink()
    text = journal_text(expdir)
    assert "parallel-coordinates.png" not in text, "only figures that exist are linked"
    assert "- **Not drawn:** its file is missing" in text
    assert LR_FIGURE in text


def test_a_figure_process_that_dies_is_reported_and_the_earlier_figures_stay(
    finished: tuple[ExperimentDir, Store],
) -> None:
    expdir, _ = finished
    draw_figures(expdir)
    dying = [sys.executable, "-c", "import sys; print('no fonts here'); sys.exit(3)"]
    runner = FigureRunner(expdir, dying)
    assert runner.start() and runner.wait(30)
    text = journal_text(expdir)
    assert (
        "- **Figures not redrawn:** figures not drawn: the figure process exited with code 3 "
        "(no fonts here)"
    ) in text
    assert LR_FIGURE in text
    slow = FigureRunner(expdir, [sys.executable, "-c", "import time; time.sleep(60)"])
    assert slow.start() and slow.wait(1.0) and not slow.running
    assert "the figure process took over 1 s" in journal_text(expdir)


def test_the_keeper_draws_figures_throttled_one_process_at_a_time(tmp_path: Path) -> None:
    expdir, store = new_experiment(tmp_path, status=SweepStatus.RUNNING)
    clock = Clock(T0)
    count = tmp_path / "drawings"
    # Stands for the figure process: counts its starts, and takes a while.
    drawing = "import sys, time; open(sys.argv[1], 'a').write('x'); time.sleep(1.5)"
    runner = FigureRunner(expdir, [sys.executable, "-c", drawing, str(count)])
    with store:
        store.record_experiment_started(now=T0)
        store.record_trial_started("t1", {"batch_norm": True, "lr": 0.001}, now=T0)
        service = JournalService(expdir.path, clock, config=config(), store=store)
        keeper = JournalKeeper(service, figures=FigureSchedule(runner, interval=10.0, clock=clock))
        assert keeper.step() is not None and runner.started == 0, "text at once, figures later"
        clock.now += 20
        store.record_result("t1", 1, {"accuracy": 0.5})
        keeper.step()
        assert runner.started == 1 and runner.running
        clock.now += 20
        store.record_result("t1", 2, {"accuracy": 0.6})
        keeper.step()
        assert runner.started == 1, "no second process while one runs"
        wait_for(lambda: not runner.running, timeout=30)
        clock.now += 20
        assert keeper.step() is not None, "a drawing that ended re-renders the journal"
        assert runner.started == 2, "the news it did not show is drawn next"
        keeper.finish(timeout=30)
    assert runner.started == 3 and not runner.running, "once more when the sweep has ended"
    assert count.read_text() == "xxx"


def test_journal_write_draws_the_figures_first(finished: tuple[ExperimentDir, Store]) -> None:
    expdir, _ = finished
    proc = tuneterm("journal", str(expdir.path), "--write", cwd=expdir.path, root=expdir.path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = expdir.journal.read_text()
    assert LR_FIGURE in text
    assert_images(linked(text, expdir.path))
    elsewhere = expdir.path.parent / "elsewhere" / "journal.md"
    elsewhere.parent.mkdir()
    with JournalService(expdir.path) as service:
        service.write_with_figures(output=elsewhere)
    text = elsewhere.read_text()
    assert f"](../{expdir.path.name}/{LR_FIGURE})" in text
    assert_images(linked(text, elsewhere.parent))


def test_a_dashboard_has_stale_figures_redrawn_in_the_background(
    finished: tuple[ExperimentDir, Store],
) -> None:
    expdir, store = finished
    with JournalService(expdir.path) as service:
        service.write()
        assert service.refresh_figures()
        wait_for(lambda: not service.drawing, timeout=60)
        assert LR_FIGURE in expdir.journal.read_text(), "the process re-rendered the journal"
        manifest = load_manifest(expdir)
        assert manifest is not None and manifest.seq == store.last_seq()
        assert not service.refresh_figures(), "nothing new to draw"
        store.add_note("a note changes no figure", now=T0 + 300)
        assert not service.refresh_figures()
        store.add_hypothesis(Hypothesis("H3", "lr matters", "lr", "lower"), now=T0 + 310)
        assert service.refresh_figures()
        wait_for(lambda: not service.drawing, timeout=60)
    assert "### accuracy against lr, by batch_norm (H1, H2, H3)" in expdir.journal.read_text()


# A real sweep ---------------------------------------------------------------------------------


@pytest.mark.ray
@pytest.mark.slow
def test_a_real_batch_norm_sweep_links_its_figures(tmp_path: Path, ray_head: RayHead) -> None:
    config_file = Path(__file__).resolve().parents[2] / "configs" / "batchnorm_lr.toml"
    root = tmp_path / "runs"
    proc = tuneterm(
        "run",
        str(config_file),
        "--headless",
        "--address",
        ray_head.address,
        "--set",
        "experiment.num_samples=2",
        "--set",
        "trainable.epochs=2",
        "--set",
        "dataset.limit=400",
        cwd=tmp_path,
        root=root,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    expdir = only_experiment(root)
    # The driver draws the final figures after the sweep's end, then links them.
    wait_for(lambda: LR_FIGURE in _read(expdir.journal), timeout=90)
    text = expdir.journal.read_text()
    assert "after the sweep finished" in text
    links = linked(text, expdir.path)
    assert {path.name for path in links} >= {
        "accuracy-vs-lr-by-batch_norm.png",
        "learning-curves.png",
        "parallel-coordinates.png",
    }
    assert_images(links)
    manifest = load_manifest(expdir)
    assert manifest is not None and manifest.problem is None
    lr = next(f for f in manifest.figures if f.name == "accuracy-vs-lr-by-batch_norm")
    assert lr.hypotheses == ("H1", "H2")
    assert [label for label, _ in lr.series] == ["batch_norm=False", "batch_norm=True"]
    assert [n for _, n in lr.series] == [2, 2], "2 samples of the batch_norm grid, 2 trials each"


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except FileNotFoundError:
        return ""
