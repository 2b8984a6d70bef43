"""`[experiment] compare_with`: earlier experiments named by name or directory, checked before
anything starts (one located line naming `experiment.compare_with`) and recorded as directories."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.domain.test_config_validation import TINY, FakeWorkspace, data, error_of
from tuneterm.domain.config.spec import ConfigError
from tuneterm.domain.config.validation import build_config, build_recorded_config
from tuneterm.storage.config_file import config_from_dict, load_config
from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.store import Store

KEY = "experiment.compare_with"


class Finder(FakeWorkspace):
    """A machine whose root holds "baseline" (two runs, the later one found) and "/runs/b"."""

    def find_experiment(self, reference: str) -> str:
        self.asked.append(reference)
        known = {"baseline": "/runs/baseline-2", "/runs/b": "/runs/b", "b": "/runs/b"}
        if reference not in known:
            raise LookupError(f"no experiment named {reference!r} in /runs")
        return known[reference]


def comparing(value: Any) -> dict[str, Any]:
    config = data()
    config["experiment"] = {**config["experiment"], "compare_with": value}
    return config


def test_names_and_directories_become_the_experiments_directories() -> None:
    finder = Finder()
    config = build_config(comparing(["baseline", "/runs/b", "b"]), TINY, finder)
    assert config.experiment.compare_with == ("/runs/baseline-2", "/runs/b")
    assert finder.asked == ["baseline", "/runs/b", "b"]


def test_no_compare_with_asks_nothing_and_records_nothing() -> None:
    finder = Finder()
    config = build_config(data(), TINY, finder)
    assert config.experiment.compare_with is None and finder.asked == []
    assert "compare_with" not in config.to_dict()["experiment"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("baseline", "expected an array of strings, got string 'baseline'"),
        (["baseline", 3], "expected an array of strings, got an array ['baseline', 3]"),
        (
            [{"name": "baseline"}],
            "expected an array of strings, got an array [{'name': 'baseline'}]",
        ),
        ([" "], "an entry is empty: name an experiment or directory"),
        (["baseline", "nope"], "no experiment named 'nope' in /runs"),
    ],
)
def test_a_bad_entry_is_refused_naming_the_key(value: Any, message: str) -> None:
    error = error_of(comparing(value), Finder())
    assert (error.key, error.message) == (KEY, message)


# On this machine, through the config file ------------------------------------------------------


def experiment(root: Path, name: str, started_at: float) -> Path:
    """An experiment directory as `tuneterm run` leaves it (its store is what makes it one)."""
    expdir = ExperimentDir.create(root, name, now=started_at)
    meta = {"name": name, "metric": "accuracy", "mode": "max", "started_at": started_at}
    Store.create(expdir.store, meta).close()
    return expdir.path


def config_file(tmp_path: Path, compare_with: list[str]) -> Path:
    lines = ["[experiment]", 'name = "t"', 'metric = "accuracy"', 'mode = "max"']
    lines.append(f"compare_with = {json.dumps(compare_with)}")
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "runs"


def test_a_name_is_its_latest_experiment_in_the_root(tmp_path: Path, root: Path) -> None:
    experiment(root, "baseline", 1_700_000_000.0)
    latest = experiment(root, "baseline", 1_700_000_100.0)
    other = experiment(root, "other", 1_700_000_200.0)
    path = config_file(tmp_path, ["baseline", other.name])
    config = load_config(path, root=root)
    assert config.experiment.compare_with == (str(latest), str(other))


def test_directories_are_taken_as_given_made_absolute(
    tmp_path: Path, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home, here = tmp_path / "home", tmp_path / "here"
    in_home = experiment(home / "runs", "a", 1.0)
    beside = experiment(here, "b", 2.0)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(here)
    path = config_file(tmp_path, [f"~/runs/{in_home.name}", f"./{beside.name}"])
    assert load_config(path, root=root).experiment.compare_with == (str(in_home), str(beside))


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        (
            "baseline",
            "no experiment named 'baseline' in ROOT (give its directory if it is elsewhere)",
        ),
        ("TMP/plain", "TMP/plain: not a tuneterm experiment directory"),
        ("TMP/missing", "TMP/missing: no such directory"),
    ],
)
def test_an_unknown_experiment_is_one_located_line(
    tmp_path: Path, root: Path, reference: str, message: str
) -> None:
    (tmp_path / "plain").mkdir()
    experiment(root, "other", 1.0)
    path = config_file(tmp_path, [reference.replace("TMP", str(tmp_path))])
    with pytest.raises(ConfigError) as refused:
        load_config(path, root=root)
    expected = message.replace("TMP", str(tmp_path)).replace("ROOT", str(root))
    assert str(refused.value) == f"{path}:5: {KEY}: {expected}"


def test_the_root_defaults_to_the_environments(
    tmp_path: Path, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = experiment(root, "baseline", 1.0)
    monkeypatch.setenv("TUNETERM_ROOT", str(root))
    path = config_file(tmp_path, ["baseline"])
    assert load_config(path).experiment.compare_with == (str(found),)


def test_the_recorded_config_keeps_the_directories_for_the_driver(
    tmp_path: Path, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = experiment(root, "baseline", 1.0)
    config = load_config(config_file(tmp_path, ["baseline"]), root=root)
    recorded = json.loads(json.dumps(config.to_dict()))
    assert recorded["experiment"]["compare_with"] == [str(found)]
    # The driver checks config.json again, from its own working directory, with no root given.
    monkeypatch.chdir(root)
    assert config_from_dict(recorded) == config
    assert build_recorded_config(recorded).experiment.compare_with == (str(found),)
    # A resume days later, the earlier experiment deleted since: the journal says so, and the
    # recorded config still passes.
    shutil.rmtree(found)
    assert config_from_dict(recorded) == config
