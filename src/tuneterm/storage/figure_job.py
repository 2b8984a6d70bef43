"""The figure process: `python -m tuneterm.storage.figure_job EXPERIMENT_DIR [--journal]`.

It reads the store, plans every figure (domain.figures), draws each with matplotlib
(analysis.figures) into figures/ beside journal.md, one PNG at a time written whole, and records
what it drew, and what it could not and why, in figures/figures.json. With --journal it then
re-renders journal.md, so that the journal links what was just drawn (the dashboard starts it so;
the driver's journal keeper re-renders by itself). One drawing at a time per experiment: a second
process waits for the first to end (then draws from newer data), up to a minute.

Started by storage.figure_runner, never imported by the driver or the dashboard: this is the only
storage module that reaches matplotlib and scikit-learn (lazily, in this process).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from tuneterm.domain.config.space import Param
from tuneterm.domain.config.spec import ExperimentConfig
from tuneterm.domain.figures.catalog import plan_figures
from tuneterm.domain.figures.manifest import (
    DrawnFigure,
    FigureManifest,
    drawn,
    not_drawn,
)
from tuneterm.domain.figures.plan import FigureInput, FigurePlan, slug
from tuneterm.domain.importance import Importance
from tuneterm.domain.sweep.rungs import asha_milestones
from tuneterm.domain.text import one_line
from tuneterm.domain.trial import Trial
from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.figure_files import drawing_lock, figures_dir, save_manifest
from tuneterm.storage.journal_data import ResultReader, load_experiment_config
from tuneterm.storage.journal_file import replace_atomically
from tuneterm.storage.notebook import hypothesis_entries
from tuneterm.storage.result_metrics import LastReports
from tuneterm.storage.store import Store

Renderer = Callable[[FigurePlan], bytes]
"""Draws one plan as PNG bytes."""
NICENESS = 10
"""Added to the process's nice value: trials and the driver come first."""


def figure_input(
    store: Store, config: ExperimentConfig, problems: list[tuple[str, str]] | None = None
) -> FigureInput:
    """What the figures show, read from `store`; what could not be computed goes to `problems`
    as (what, why)."""
    experiment = config.experiment
    reader = ResultReader(experiment.metric)
    reader.update(store)
    trials = tuple(store.trials())
    params = tuple(param for param in config.search_space if param.is_tuned)
    objectives = experiment.objectives
    reports = LastReports(tuple(name for name, _ in objectives))
    reports.update(store)
    return FigureInput(
        metric=experiment.metric,
        mode=experiment.mode,
        params=params,
        hypotheses=tuple(entry.hypothesis for entry in hypothesis_entries(config, store)),
        trials=trials,
        curves=reader.curves(trials),
        objectives=objectives,
        finals=reports.values(),
        milestones=_milestones(config),
        importance=_importance(trials, params, experiment.metric, problems),
    )


def _milestones(config: ExperimentConfig) -> tuple[float, ...]:
    spec = config.scheduler
    if spec.name != "asha":
        return ()
    max_t = spec.max_t if spec.max_t is not None else config.trainable.epochs
    return asha_milestones(spec.grace_period, max_t, spec.reduction_factor)


def _importance(
    trials: Sequence[Trial],
    params: Sequence[Param],
    metric: str,
    problems: list[tuple[str, str]] | None,
) -> Importance | None:
    try:
        from tuneterm.analysis.importance import importance

        return importance(trials, params, metric, seed=0)
    except Exception as exc:
        if problems is not None:
            problems.append(("hyperparameter importance", f"{type(exc).__name__}: {exc}"))
        return None


def matplotlib_renderer() -> Renderer:
    """The real renderer (imports matplotlib)."""
    from tuneterm.analysis.figures import render_png

    return render_png


def draw_figures(
    expdir: ExperimentDir,
    renderer: Renderer | None = None,
    clock: Callable[[], float] = time.time,
) -> FigureManifest:
    """Draw every figure of the experiment now and record the manifest; returns it."""
    config = load_experiment_config(expdir)
    figures_dir(expdir).mkdir(mode=0o700, exist_ok=True)
    problems: list[tuple[str, str]] = []
    with Store.open(expdir.store) as store:
        seq = store.last_seq()
        data = figure_input(store, config, problems)
    plans, failed = plan_figures(data)
    failed = problems + failed
    figures = [DrawnFigure(slug(what), what, None, why) for what, why in failed]
    try:
        render = renderer or matplotlib_renderer()
    except Exception as exc:
        problem = f"matplotlib cannot draw: {type(exc).__name__}: {exc}"
        figures = [not_drawn(plan, problem) for plan in plans] + figures
    else:
        figures = [draw_one(expdir, plan, render) for plan in plans] + figures
    manifest = FigureManifest(clock(), seq, len(data.trials), tuple(figures))
    save_manifest(expdir, manifest)
    return manifest


def draw_one(expdir: ExperimentDir, plan: FigurePlan, render: Renderer) -> DrawnFigure:
    """Draw one plan into figures/NAME.png; a failure is recorded, never raised."""
    name = f"{plan.name}.png"
    try:
        replace_atomically(figures_dir(expdir) / name, render(plan))
    except Exception as exc:
        return not_drawn(plan, f"{type(exc).__name__}: {exc}")
    return drawn(plan, name)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tuneterm.storage.figure_job")
    parser.add_argument("experiment_dir", type=Path)
    parser.add_argument("--journal", action="store_true", help="re-render journal.md afterwards")
    args = parser.parse_args(argv)
    with contextlib.suppress(OSError):
        os.nice(NICENESS)
    expdir = ExperimentDir(args.experiment_dir.resolve())
    with drawing_lock(expdir) as held:
        if not held:
            print("figures: another process kept drawing them for a minute", flush=True)
            return 0
        manifest = draw_figures(expdir)
        if args.journal:
            _rewrite_journal(expdir)
    drawn_count = sum(figure.file is not None for figure in manifest.figures)
    print(f"figures: {drawn_count} of {len(manifest.figures)} drawn", flush=True)
    return 0


def _rewrite_journal(expdir: ExperimentDir) -> None:
    from tuneterm.storage.journal_service import JournalService

    try:
        with JournalService(expdir.path) as journal:
            journal.write()
    except Exception as exc:
        print(one_line(f"journal not written: {type(exc).__name__}: {exc}"), flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
