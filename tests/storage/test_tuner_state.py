"""A plain Ray Tune directory's saved tuner (`tuner.pkl`), read without Ray and without running
anything in it: the metric's mode and the scheduler, so that early stops show as such."""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path
from typing import Any

from tuneterm.domain.status import EndReason
from tuneterm.domain.sweep.state import SweepState
from tuneterm.storage.sources import open_source
from tuneterm.storage.sources.raydir import RayDirSource
from tuneterm.storage.sources.tuner_state import TunerFacts, read_tuner_facts

RAY_ASHA = Path(__file__).parents[1] / "data" / "ray_asha" / "asha"
"""A real plain Ray Tune 2.60 sweep (scripts/ray_plain_fixture.py): ASHA with max_t 4; x=4 ran 4
iterations, x=3, x=2 and x=1 were stopped at the first rung."""
RAY_PLAIN = Path(__file__).parents[1] / "data" / "ray_plain" / "plain"
"""A plain sweep without tuner.pkl."""


def replayed(source: RayDirSource) -> SweepState:
    state = SweepState(source.meta())
    state.apply(source.poll())
    return state


def test_the_real_asha_tuner_gives_metric_mode_scheduler_and_max_t() -> None:
    facts = read_tuner_facts(RAY_ASHA)
    assert facts == TunerFacts(metric="score", mode="max", scheduler="asha", max_t=4)


def test_trials_asha_cut_short_show_as_stopped_by_the_scheduler_at_their_rung() -> None:
    state = replayed(RayDirSource(RAY_ASHA))
    by_x = {row.config["x"]: row for row in state.rows()}
    assert by_x[4.0].reason is EndReason.COMPLETED and by_x[4.0].iteration == 4
    for x in (3.0, 2.0, 1.0):
        assert by_x[x].reason is EndReason.SCHEDULER, x
        assert by_x[x].state == "stopped@1"
    assert state.counts()["scheduler"] == 3


def test_without_a_saved_tuner_the_files_alone_decide_as_before(tmp_path: Path) -> None:
    assert read_tuner_facts(RAY_PLAIN) is None
    state = replayed(RayDirSource(RAY_PLAIN))
    assert {row.reason for row in state.rows()} == {EndReason.COMPLETED, EndReason.ERROR}


class TuneConfig:
    """Stands in for Ray's class of the same name: only the names and state are pickled."""

    def __init__(self, **state: Any) -> None:
        self.__dict__.update(state)


class MedianStoppingRule(TuneConfig):
    pass


class RunConfig(TuneConfig):
    pass


def save_tuner(directory: Path, scheduler: object, stop: dict[str, int] | None = None) -> None:
    tuner = {
        "_tune_config": TuneConfig(metric="val_loss", mode="min", scheduler=scheduler),
        "_run_config": RunConfig(name="x", stop=stop),
    }
    (directory / "tuner.pkl").write_bytes(pickle.dumps(tuner))


def test_the_median_rule_with_a_stop_iteration_and_a_min_mode(tmp_path: Path) -> None:
    save_tuner(tmp_path, MedianStoppingRule(_metric=None, _mode=None), {"training_iteration": 7})
    facts = read_tuner_facts(tmp_path)
    assert facts == TunerFacts(metric="val_loss", mode="min", scheduler="median", max_t=7)


def test_the_mode_comes_from_the_tuner_not_a_guess_from_the_name(tmp_path: Path) -> None:
    copy = Path(shutil.copytree(RAY_ASHA, tmp_path / "asha"))
    scheduler = MedianStoppingRule(_metric="score", _mode="min")
    tuner = {"_tune_config": TuneConfig(metric=None, mode=None, scheduler=scheduler)}
    (copy / "tuner.pkl").write_bytes(pickle.dumps(tuner))
    meta = open_source(copy).meta()
    assert (meta["metric"], meta["mode"]) == ("score", "min")


class Hostile:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, (f"touch {self.marker}",))


def test_a_hostile_tuner_file_runs_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    tuner = {"_tune_config": TuneConfig(metric="m", mode="max", scheduler=Hostile(marker))}
    (tmp_path / "tuner.pkl").write_bytes(pickle.dumps(tuner))
    facts = read_tuner_facts(tmp_path)
    assert not marker.exists()
    assert facts is not None and facts.metric == "m" and facts.scheduler == "system"
    (tmp_path / "tuner.pkl").write_bytes(pickle.dumps(Hostile(marker)))
    assert read_tuner_facts(tmp_path) is None and not marker.exists()


def test_a_corrupt_or_huge_tuner_file_costs_only_the_facts(tmp_path: Path) -> None:
    (tmp_path / "tuner.pkl").write_bytes(b"\x80\x05not a pickle")
    assert read_tuner_facts(tmp_path) is None
    with (tmp_path / "tuner.pkl").open("wb") as file:
        file.truncate(17 << 20)
    assert read_tuner_facts(tmp_path) is None
