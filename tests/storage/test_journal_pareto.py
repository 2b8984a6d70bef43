"""The journal's Pareto front: a sweep with several metrics lists the trials on it, read from each
trial's last report that carried every metric; `tuneterm journal` prints it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import RayHead
from tests.journal_support import CONFIG, T0, utc  # noqa: F401
from tests.runner.test_sweep import TINY
from tests.support import only_experiment, ray_results, tuneterm
from tuneterm.domain.journal.render import render_journal
from tuneterm.domain.status import EndReason, SweepStatus
from tuneterm.storage.config_file import config_from_dict
from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.journal_data import ResultReader, gather
from tuneterm.storage.store import Store

SEVERAL = {
    **CONFIG,
    "experiment": {**CONFIG["experiment"], "metrics": {"val_loss": "min", "train_loss": "min"}},
}

# trial: (config, reports as (accuracy, val_loss, train_loss); None: the report lacks that metric)
#
#   t1  0.90 / 0.30 / 0.40   front: best accuracy
#   t2  0.85 / 0.20 / 0.50   front: lowest val_loss
#   t3  0.80 / 0.35 / 0.20   front: lowest train_loss
#   t4  0.80 / 0.35 / 0.45   beaten by t3 (equal on two metrics, worse on the third)
#   t5  its last report has no val_loss: the one before (0.70 / 0.40 / 0.30) counts; beaten by t3
#   t6  never reported val_loss: on no front
TRIALS: dict[str, tuple[dict[str, Any], list[tuple[float, float | None, float]]]] = {
    "t1": ({"batch_norm": True, "lr": 0.001}, [(0.5, 0.9, 0.2), (0.9, 0.3, 0.4)]),
    "t2": ({"batch_norm": False, "lr": 0.01}, [(0.6, 0.6, 0.25), (0.85, 0.2, 0.5)]),
    "t3": ({"batch_norm": True, "lr": 0.0005}, [(0.8, 0.35, 0.2)]),
    "t4": ({"batch_norm": False, "lr": 0.05}, [(0.8, 0.35, 0.45)]),
    "t5": ({"batch_norm": True, "lr": 0.002}, [(0.7, 0.4, 0.3), (0.99, None, 0.31)]),
    "t6": ({"batch_norm": False, "lr": 0.003}, [(0.95, None, 0.1)]),
}

EXPECTED = """\
## Pareto front

The sweep weighs 3 metrics: `accuracy` (higher is better) drives the scheduler and the search; \
`val_loss` (lower is better) and `train_loss` (lower is better) are weighed beside it. A trial is \
on the front when no other trial is at least as good on every metric and better on one.

3 of the 5 trials that reported every metric are on the front (each trial's last report with all \
of them):

| trial | accuracy | val_loss | train_loss | config |
|---|---|---|---|---|
| t1 | 0.9 | 0.3 | 0.4 | batch_norm=True lr=0.001 |
| t2 | 0.85 | 0.2 | 0.5 | batch_norm=False lr=0.01 |
| t3 | 0.8 | 0.35 | 0.2 | batch_norm=True lr=0.0005 |"""


def several_metric_experiment(root: Path, config: dict[str, Any]) -> tuple[ExperimentDir, Store]:
    expdir = ExperimentDir.create(root, "demo", now=T0)
    expdir.config_json.write_text(json.dumps(config))
    experiment = config_from_dict(config).experiment
    meta = {
        "name": "demo",
        "metric": "accuracy",
        "mode": "max",
        "metrics": [list(pair) for pair in experiment.objectives],
        "status": SweepStatus.CREATED,
        "created_at": T0 - 5,
        "tuned": ["batch_norm", "lr"],
    }
    store = Store.create(expdir.store, meta)
    store.record_experiment_started(now=T0)
    for index, (trial_id, (trial_config, reports)) in enumerate(TRIALS.items()):
        store.record_trial_started(trial_id, {**trial_config, "optimizer": "adam"}, now=T0 + index)
        for iteration, report in enumerate(reports, start=1):
            record(store, trial_id, iteration, report, now=T0 + 10 * index + iteration)
        store.record_trial_ended(trial_id, EndReason.COMPLETED, len(reports), now=T0 + 90)
    store.record_experiment_ended(SweepStatus.FINISHED, now=T0 + 100)
    return expdir, store


def record(
    store: Store,
    trial_id: str,
    iteration: int,
    report: tuple[float, float | None, float],
    now: float,
) -> None:
    accuracy, val_loss, train_loss = report
    metrics = {"accuracy": accuracy, "train_loss": train_loss, "training_iteration": iteration}
    if val_loss is not None:
        metrics["val_loss"] = val_loss
    store.record_result(trial_id, iteration, metrics, now=now)


def pareto_part(text: str) -> str:
    start = text.index("## Pareto front\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)].rstrip()


def test_the_journal_lists_the_front_with_each_metric_and_the_hyperparameters(
    tmp_path: Path,
) -> None:
    expdir, store = several_metric_experiment(tmp_path, SEVERAL)
    with store:
        text = render_journal(gather(expdir, store, config_from_dict(SEVERAL), T0 + 200))
    assert pareto_part(text) == EXPECTED
    # After the results and before the conclusions.
    assert text.index("## Results and analysis") < text.index("## Pareto front")
    assert text.index("## Pareto front") < text.index("## Conclusions")


def test_a_reused_reader_reads_only_new_results_and_follows_them(tmp_path: Path) -> None:
    expdir, store = several_metric_experiment(tmp_path, SEVERAL)
    config = config_from_dict(SEVERAL)
    reader = ResultReader(config.experiment.metric)
    with store:
        first = gather(expdir, store, config, T0 + 200, reader)
        assert first.last_values["t5"] == (0.7, 0.4, 0.3)
        # t6 now reports every metric, better than everyone on all three: the front is t6 alone.
        record(store, "t6", 2, (0.99, 0.1, 0.05), now=T0 + 150)
        second = gather(expdir, store, config, T0 + 200, reader)
    assert second.last_values["t6"] == (0.99, 0.1, 0.05)
    assert "1 of the 6 trials" in pareto_part(render_journal(second))
    assert "| t6 | 0.99 | 0.1 | 0.05 |" in pareto_part(render_journal(second))


def test_a_single_metric_sweep_has_no_pareto_section(tmp_path: Path) -> None:
    expdir, store = several_metric_experiment(tmp_path, CONFIG)
    with store:
        data = gather(expdir, store, config_from_dict(CONFIG), T0 + 200)
    assert data.last_values == {}
    assert "Pareto" not in render_journal(data)


def test_tuneterm_journal_prints_the_front(tmp_path: Path) -> None:
    expdir, store = several_metric_experiment(tmp_path / "root", SEVERAL)
    store.close()
    result = tuneterm("journal", str(expdir.path), cwd=tmp_path, root=tmp_path / "root")
    assert result.returncode == 0, result.stderr
    assert pareto_part(result.stdout) == EXPECTED


@pytest.mark.ray
@pytest.mark.slow
def test_a_real_sweep_with_several_metrics_journals_its_front(
    tmp_path: Path, ray_head: RayHead
) -> None:
    """Ray sees accuracy alone; every result keeps val_loss too, and the journal's front agrees
    with Ray's own result files."""
    (tmp_path / "tiny.toml").write_text(TINY)
    root = tmp_path / "runs"
    metrics = 'experiment.metrics={ val_loss = "min" }'
    proc = tuneterm(
        "run",
        "tiny.toml",
        "--set",
        metrics,
        "--headless",
        "--address",
        ray_head.address,
        cwd=tmp_path,
        root=root,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    expdir = only_experiment(root)
    with Store.open(expdir.store) as store:
        assert store.meta()["metrics"] == [["accuracy", "max"], ["val_loss", "min"]]
    last = {trial_id: rows[-1] for trial_id, rows in ray_results(expdir).items()}
    vectors = {tid: (row["accuracy"], row["val_loss"]) for tid, row in last.items()}
    front = [
        tid
        for tid, (acc, loss) in vectors.items()
        if not any(a >= acc and v <= loss and (a, v) != (acc, loss) for a, v in vectors.values())
    ]
    journal = tuneterm("journal", str(expdir.path), cwd=tmp_path, root=root)
    text = pareto_part(journal.stdout)
    assert f"{len(front)} of the {len(last)} trials that reported every metric" in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and "trial" not in line]
    assert sorted(line.split(" | ")[0][2:] for line in rows) == sorted(front)
