"""Importance on synthetic sweeps whose answer is known: the forest must find the hyperparameter
the metric was made from."""

from __future__ import annotations

import math
import random
from typing import Any

import pytest

from tuneterm.analysis.importance import importance
from tuneterm.domain.config.space import Param
from tuneterm.domain.importance import MIN_TRIALS, summary
from tuneterm.domain.status import EndReason, TrialStatus
from tuneterm.domain.trial import Trial

SPACE = (
    Param("lr", "loguniform", (1e-5, 1e-1)),
    Param("dropout", "uniform", (0.0, 0.5)),
    Param("batch_size", "choice", (32, 64, 128)),
    Param("batch_norm", "choice", (True, False)),
    Param("optimizer", "choice", ("adam", "sgd", "rmsprop")),
    Param("layers", "randint", (1, 4)),
    Param("epochs", "constant", (9,)),
)


def draw(rng: random.Random) -> dict[str, Any]:
    return {
        "lr": 10 ** rng.uniform(-5, -1),
        "dropout": rng.uniform(0.0, 0.5),
        "batch_size": rng.choice([32, 64, 128]),
        "batch_norm": rng.choice([True, False]),
        "optimizer": rng.choice(["adam", "sgd", "rmsprop"]),
        "layers": rng.randint(1, 4),
        "epochs": 9,
    }


def ended(index: int, config: dict[str, Any], value: float | None, **extra: Any) -> Trial:
    options: dict[str, Any] = {"status": TrialStatus.ENDED, "reason": EndReason.COMPLETED}
    options.update(extra)
    return Trial(f"t{index:04d}", config, best_metric=value, last_metric=value, **options)


def sweep(count: int, metric_of: Any, seed: int = 1) -> list[Trial]:
    rng = random.Random(seed)
    trials = []
    for index in range(count):
        config = draw(rng)
        trials.append(ended(index, config, metric_of(config) + rng.gauss(0.0, 0.01)))
    return trials


def lr_only(config: dict[str, Any]) -> float:
    """Accuracy peaks at lr = 3e-3 and depends on nothing else."""
    return 0.9 * math.exp(-((math.log10(float(config["lr"])) + 2.5) ** 2))


def test_the_metric_made_from_lr_alone_gives_lr_the_largest_share_by_far() -> None:
    result = importance(sweep(120, lr_only), SPACE, "accuracy")
    shares = dict(result.shares)
    assert result.reason == ""
    assert result.top == "lr"
    assert shares["lr"] > 0.8
    assert max(share for name, share in shares.items() if name != "lr") < 0.1
    assert math.isclose(sum(shares.values()), 1.0)
    assert result.trials == 120
    assert result.fit is not None and result.fit > 0.8
    assert "epochs" not in shares  # a constant is not tuned


def test_two_equally_strong_hyperparameters_share_alike() -> None:
    def made(config: dict[str, Any]) -> float:
        lr_part = (math.log10(config["lr"]) + 5) / 4  # 0..1 across the range
        return lr_part + float(config["dropout"]) * 2  # dropout 0..0.5 -> 0..1 too

    shares = dict(importance(sweep(300, made), SPACE, "accuracy").shares)
    assert abs(shares["lr"] - shares["dropout"]) < 0.15
    assert shares["lr"] + shares["dropout"] > 0.9


def test_a_categorical_hyperparameter_is_found() -> None:
    effect = {"adam": 0.9, "sgd": 0.5, "rmsprop": 0.7}
    result = importance(sweep(80, lambda c: effect[c["optimizer"]]), SPACE, "accuracy")
    assert result.top == "optimizer"
    assert dict(result.shares)["optimizer"] > 0.8


def test_a_boolean_hyperparameter_is_found() -> None:
    result = importance(sweep(60, lambda c: 0.9 if c["batch_norm"] else 0.6), SPACE, "accuracy")
    assert result.top == "batch_norm"
    assert dict(result.shares)["batch_norm"] > 0.8


def test_under_eight_finished_trials_there_are_no_shares_and_the_reason_says_so() -> None:
    finished = sweep(MIN_TRIALS - 1, lr_only)
    rng = random.Random(5)
    others = [
        ended(100, draw(rng), 0.5, reason=EndReason.ERROR),
        Trial("t0101", draw(rng), TrialStatus.RUNNING, best_metric=0.5),
        ended(102, draw(rng), None),
        ended(103, draw(rng), math.nan),
    ]
    result = importance([*finished, *others], SPACE, "accuracy")
    assert result.shares == ()
    assert result.trials == MIN_TRIALS - 1
    assert result.reason == "too few trials: 7 finished, 8 needed"
    assert importance(sweep(MIN_TRIALS, lr_only), SPACE, "accuracy").reason == ""


def test_trials_stopped_by_the_scheduler_or_the_user_count() -> None:
    trials = sweep(MIN_TRIALS, lr_only)
    trials[0] = ended(0, trials[0].config, 0.1, reason=EndReason.SCHEDULER, stop_iteration=1)
    trials[1] = ended(1, trials[1].config, 0.2, reason=EndReason.USER)
    assert importance(trials, SPACE, "accuracy").trials == MIN_TRIALS


def test_the_same_seed_gives_the_same_shares_and_another_seed_nearly_so() -> None:
    trials = sweep(100, lr_only, seed=7)
    first = importance(trials, SPACE, "accuracy", seed=3)
    again = importance(list(reversed(trials))[::-1], SPACE, "accuracy", seed=3)
    other = importance(trials, SPACE, "accuracy", seed=4)
    assert first == again
    assert dict(other.shares)["lr"] == pytest.approx(dict(first.shares)["lr"], abs=0.05)


def test_without_a_search_space_the_values_say_how_each_hyperparameter_is_encoded() -> None:
    effect = {"adam": 0.9, "sgd": 0.5, "rmsprop": 0.7}
    trials = sweep(80, lambda c: effect[c["optimizer"]])
    result = importance(trials, None, "accuracy", names=["lr", "optimizer", "batch_norm"])
    assert result.top == "optimizer"
    assert {name for name, _ in result.shares} == {"lr", "optimizer", "batch_norm"}
    # No names either: the config keys whose values differ (not the constant epochs).
    found = {name for name, _ in importance(trials, None, "accuracy").shares}
    assert found == {"lr", "dropout", "batch_size", "batch_norm", "optimizer", "layers"}


def test_a_metric_that_never_varies_is_said_to() -> None:
    trials = [ended(index, {"lr": 10.0**-index}, 0.5) for index in range(1, 11)]
    result = importance(trials, SPACE[:1], "accuracy")
    assert result.shares == ()
    assert result.reason == "every one of the 10 finished trials has the same accuracy"


def test_eight_trials_of_noise_give_shares_marked_unreliable() -> None:
    # The metric is noise: the forest fits it worse than its mean, yet one hyperparameter takes
    # most of the shares. The result says they mean nothing yet.
    result = importance(sweep(8, lambda config: 0.5, seed=2), SPACE, "accuracy")
    assert result.trials == MIN_TRIALS and result.shares
    assert result.fit is not None and result.fit < 0
    assert not result.reliable
    assert result.warning == (
        f"the hyperparameters explain little of accuracy so far (fit {result.fit:.2f}):"
        " shares are unreliable"
    )
    assert result.warning in summary(result)
    many = importance(sweep(120, lr_only), SPACE, "accuracy")
    assert many.reliable and many.warning == ""
