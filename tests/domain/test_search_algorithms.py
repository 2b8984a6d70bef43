"""Which search algorithm a config may name, and what each accepts: Optuna beside HyperOpt."""

from __future__ import annotations

from typing import Any

import pytest

from tests.domain.test_config_validation import TINY, FakeWorkspace, data, error_of
from tuneterm.domain.config.validation import build_config


class Workspace(FakeWorkspace):
    """The fake machine, with or without the optional packages."""

    def __init__(self, installed: bool) -> None:
        super().__init__()
        self.installed = installed

    def has_module(self, module: str) -> bool:
        self.asked.append(module)
        return self.installed


SPACE = {"lr": {"loguniform": [1e-4, 1e-1]}, "optimizer": {"choice": ["sgd"]}}


def search(algorithm: str, **more: Any) -> dict[str, Any]:
    return data(search_space=SPACE, search={"algorithm": algorithm, **more})


def test_optuna_is_accepted_with_first_points_and_a_seed_where_it_is_installed() -> None:
    point = {"lr": 1e-3, "optimizer": "sgd"}
    workspace = Workspace(installed=True)
    config = build_config(
        search("optuna", seed=3, points_to_evaluate=[point], n_initial_points=4),
        TINY,
        workspace,
    )
    assert config.search.algorithm == "optuna"
    assert config.search.points_to_evaluate == (point,)
    assert (config.search.seed, config.search.n_initial_points) == (3, 4)
    assert "optuna" in workspace.asked


def test_optuna_without_the_extra_names_the_extra_in_one_line() -> None:
    error = error_of(search("optuna"), Workspace(installed=False))
    assert error.key == "search.algorithm"
    assert "pip install 'tuneterm[optuna]'" in error.message
    assert "\n" not in error.message


def test_the_optional_package_is_asked_about_only_for_optuna() -> None:
    workspace = Workspace(installed=False)
    build_config(search("hyperopt"), TINY, workspace)
    assert "optuna" not in workspace.asked


@pytest.mark.parametrize("algorithm", ["optuna", "hyperopt"])
def test_model_based_searchers_cannot_search_a_grid(algorithm: str) -> None:
    space = {"lr": {"grid": [1e-3, 1e-2]}}
    config = data(search_space=space, search={"algorithm": algorithm})
    error = error_of(config, Workspace(installed=True))
    assert error.key == "search_space.lr" and "cannot search a grid" in error.message


def test_first_points_are_refused_for_random_search_naming_both_model_searchers() -> None:
    error = error_of(search("random", points_to_evaluate=[{"lr": 1e-3, "optimizer": "sgd"}]))
    assert error.key == "search.points_to_evaluate"
    assert '"hyperopt" and "optuna"' in error.message


def test_an_unknown_algorithm_lists_optuna() -> None:
    error = error_of(search("optunaa"))
    assert "did you mean 'optuna'" in error.message
