"""`[experiment] metrics`: further metrics with their modes, beside `metric` and `mode` (which stay
valid alone). The first metric drives the scheduler and the search; validation reads only the
catalog it is handed (the TINY catalog of test_config_validation: `loss` min, `score` max)."""

import json
import tomllib
from typing import Any

import pytest

from tests.domain.test_config_validation import TINY, FakeWorkspace, data, error_of
from tuneterm.domain.config.validation import build_config, build_recorded_config

BASE = """\
[experiment]
name = "t"
metric = "loss"
mode = "min"
{line}

[trainable]
name = "{trainable}"

[dataset]
name = "toy"
"""


def parsed(line: str, trainable: str = "pkg.mod:train") -> dict[str, Any]:
    return tomllib.loads(BASE.format(line=line, trainable=trainable))


def objectives(config_data: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return build_config(config_data, TINY, FakeWorkspace()).experiment.objectives


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("", (("loss", "min"),)),
        ("metrics = {}", (("loss", "min"),)),
        ('metrics = { score = "max" }', (("loss", "min"), ("score", "max"))),
        (
            'metrics = { accuracy = "max", seconds = "min" }',
            (("loss", "min"), ("accuracy", "max"), ("seconds", "min")),
        ),
        ('metrics.score = "max"\nmetrics.seconds = "min"', None),
        ('[experiment.metrics]\nscore = "max"\nseconds = "min"', None),
        # Naming the first metric again, with its own mode, changes nothing.
        ('metrics = { loss = "min", score = "max" }', (("loss", "min"), ("score", "max"))),
    ],
    ids=["absent", "empty", "inline", "two-in-file-order", "dotted", "sub-table", "first-again"],
)
def test_valid_forms_give_every_metric_the_first_one_first(
    line: str, expected: tuple[tuple[str, str], ...] | None
) -> None:
    expected = expected or (("loss", "min"), ("score", "max"), ("seconds", "min"))
    assert objectives(parsed(line)) == expected


def test_a_builtin_trainable_may_weigh_what_it_reports() -> None:
    assert objectives(parsed('metrics = { score = "max" }', trainable="tiny")) == (
        ("loss", "min"),
        ("score", "max"),
    )


@pytest.mark.parametrize(
    ("line", "key", "message"),
    [
        (
            'metrics = { score = "highest" }',
            "experiment.metrics.score",
            "unknown mode 'highest'; use one of max, min",
        ),
        ("metrics = { score = 1 }", "experiment.metrics.score", 'expected "max" or "min", got'),
        (
            'metrics = ["score"]',
            "experiment.metrics",
            'expected a table of metric = "max" or "min", got an array',
        ),
        (
            'metrics = "score"',
            "experiment.metrics",
            'expected a table of metric = "max" or "min", got',
        ),
        (
            'metrics = { loss = "max" }',
            "experiment.metrics.loss",
            "is experiment.metric already; its mode is experiment.mode ('min')",
        ),
    ],
    ids=["bad-mode", "mode-not-text", "array", "string", "first-metric-other-mode"],
)
def test_bad_forms_name_the_key(line: str, key: str, message: str) -> None:
    error = error_of(parsed(line))
    assert error.key == key
    assert error.message.startswith(message), error.message


@pytest.mark.parametrize(
    ("line", "key", "message"),
    [
        (
            'metrics = { accuracy = "max" }',
            "experiment.metrics.accuracy",
            "metric 'accuracy' is never reported by trainable 'tiny' (it reports loss, score)",
        ),
        (
            'metrics = { score = "min" }',
            "experiment.metrics.score",
            'score is better when higher: use "max"',
        ),
    ],
    ids=["never-reported", "wrong-way"],
)
def test_a_builtin_trainable_is_asked_only_for_what_it_reports(
    line: str, key: str, message: str
) -> None:
    error = error_of(parsed(line, trainable="tiny"))
    assert (error.key, error.message) == (key, message)


def test_the_first_metric_keeps_its_own_messages() -> None:
    error = error_of({**data(), "experiment": {"name": "t", "metric": "score", "mode": "min"}})
    assert (error.key, error.message) == (
        "experiment.mode",
        'score is better when higher: use mode = "max"',
    )


def test_a_recorded_config_keeps_its_metrics() -> None:
    config = build_config(parsed('metrics = { score = "max" }'), TINY, FakeWorkspace())
    recorded = build_recorded_config(json.loads(json.dumps(config.to_dict())))
    assert recorded.experiment.objectives == (("loss", "min"), ("score", "max"))
