"""`tuneterm status DIR [--json]` and `tuneterm ls --json`: the documents of docs/json.md, checked
key by key against the shape documented there, with counts and values from known sweeps."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.cli.export_support import (
    RAY_PLAIN,
    TRIALS,
    assert_one_line_refusal,
    build_sweep,
    ended_at,
    started_at,
    tuneterm,
)
from tuneterm.cli.main import main
from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.store import Store

STATES = [
    "pending", "running", "paused",
    "completed", "scheduler", "user", "error", "interrupted", "rule",
]  # fmt: skip
REASONS = set(STATES[3:])
SWEEP_STATUSES = {"created", "starting", "running", "finished", "failed", "stopped", "crashed"}

Check = Callable[[Any], bool]


def number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def text(value: Any) -> bool:
    return isinstance(value, str)


def optional(check: Check) -> Check:
    return lambda value: value is None or check(value)


def one_of(*values: Any) -> Check:
    return lambda value: value in values


def obj(shape: dict[str, Check]) -> Check:
    """An object with exactly the documented keys, each passing its check."""
    return lambda value: (
        isinstance(value, dict)
        and list(value) == list(shape)
        and all(check(value[key]) for key, check in shape.items())
    )


def list_of(check: Check) -> Check:
    return lambda value: isinstance(value, list) and all(check(item) for item in value)


def metric_values(value: Any) -> bool:
    return isinstance(value, dict) and all(optional(number)(v) for v in value.values())


TRIAL = obj(
    {
        "id": text,
        "state": one_of(*STATES),
        "stop_reason": optional(one_of(*REASONS)),
        "stop_iteration": optional(integer),
        "iterations": integer,
        "config": lambda value: isinstance(value, dict),
        "last": metric_values,
        "best": metric_values,
        "started_at": optional(number),
        "ended_at": optional(number),
        "runtime": optional(number),
        "error": optional(text),
    }
)
STATUS = obj(
    {
        "schema": one_of("tuneterm.status/1"),
        "path": lambda value: text(value) and Path(value).is_absolute(),
        "source": one_of("tuneterm", "ray"),
        "name": text,
        "status": one_of(*SWEEP_STATUSES),
        "message": optional(text),
        "metric": text,
        "mode": one_of("max", "min"),
        "metrics": list_of(obj({"name": text, "mode": one_of("max", "min")})),
        "counts": lambda value: (
            isinstance(value, dict)
            and list(value) == STATES
            and all(integer(n) and n >= 0 for n in value.values())
        ),
        "total": integer,
        "best": optional(
            obj({"id": text, "value": number, "config": lambda v: isinstance(v, dict)})
        ),
        "started_at": optional(number),
        "ended_at": optional(number),
        "elapsed": optional(number),
        "trials": list_of(TRIAL),
    }
)
EXPERIMENT = obj(
    {
        "name": text,
        "path": lambda value: text(value) and Path(value).is_absolute(),
        "status": one_of(*SWEEP_STATUSES),
        "metric": text,
        "best": optional(number),
        "trials": integer,
        "started_at": optional(number),
    }
)
LS = obj({"schema": one_of("tuneterm.ls/1"), "root": text, "experiments": list_of(EXPERIMENT)})


def strict_json(output: str) -> Any:
    """The document, refusing NaN and Infinity (not JSON) and anything after it."""

    def refuse(name: str) -> None:
        raise AssertionError(f"{name} in the output")

    return json.loads(output, parse_constant=refuse)


def valid_status(document: Any) -> dict[str, Any]:
    assert STATUS(document), json.dumps(document, indent=1)[:2000]
    assert document["total"] == sum(document["counts"].values()) == len(document["trials"])
    names = [metric["name"] for metric in document["metrics"]]
    assert names[:1] == ([document["metric"]] if document["metric"] else [])
    for trial in document["trials"]:
        assert list(trial["last"]) == list(trial["best"]) == names
        assert (trial["stop_reason"] is None) == (trial["state"] in STATES[:3])
    return dict(document)


def status_json(directory: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert main(["status", str(directory), "--json"]) == 0
    return valid_status(strict_json(capsys.readouterr().out))


def test_the_checker_refuses_what_the_document_must_not_be() -> None:
    good = {"id": "t", "value": 1.0, "config": {}}
    assert obj({"id": text, "value": number, "config": metric_values})(good)
    assert not obj({"id": text, "value": number})(good), "an undocumented key"
    assert not obj({"id": text, "value": integer, "config": metric_values})(good)
    assert not number(math.nan) and not integer(True) and not optional(text)(1)


def test_status_json_of_a_store_counts_and_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sweep = build_sweep(tmp_path / "runs")
    document = status_json(sweep, capsys)
    assert (document["source"], document["name"], document["status"]) == (
        "tuneterm", "multi", "running",
    )  # fmt: skip
    assert document["metrics"] == [
        {"name": "accuracy", "mode": "max"},
        {"name": "loss", "mode": "min"},
    ]
    assert document["counts"] == {
        **dict.fromkeys(STATES, 0), "completed": 1, "scheduler": 1, "error": 1, "running": 1,
    }  # fmt: skip
    assert document["best"] == {"id": "d", "value": 0.9, "config": TRIALS["d"][0]}
    assert document["ended_at"] is None and document["elapsed"] > 0
    trials = {trial["id"]: trial for trial in document["trials"]}
    assert list(trials) == list(TRIALS)
    a, b, c = trials["a"], trials["b"], trials["c"]
    assert a["last"] == {"accuracy": 0.6, "loss": 0.8} and a["best"] == {
        "accuracy": 0.7,
        "loss": 0.6,
    }
    assert (a["started_at"], a["ended_at"], a["runtime"]) == (
        started_at("a"), ended_at("a"), 60.0,
    )  # fmt: skip
    assert b["last"] == {"accuracy": 0.45, "loss": 0.9} and (b["state"], b["stop_iteration"]) == (
        "scheduler", 2,
    )  # fmt: skip
    assert c["last"] == {"accuracy": None, "loss": None}
    assert (c["state"], c["error"]) == ("error", "ValueError: boom")
    assert trials["d"]["stop_reason"] is None and trials["d"]["ended_at"] is None


def test_status_json_of_plain_ray_tune_files(capsys: pytest.CaptureFixture[str]) -> None:
    document = status_json(RAY_PLAIN, capsys)
    assert (document["source"], document["metric"], document["mode"]) == ("ray", "score", "max")
    assert document["counts"]["completed"] == document["counts"]["error"] == 1
    assert document["best"] == {"id": "43340_00000", "value": 3.5, "config": {"x": 1}}
    assert [trial["config"] for trial in document["trials"]] == [{"x": 1}, {"x": 2}]


def test_non_finite_numbers_in_a_config_are_null(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expdir = ExperimentDir.create(tmp_path, "odd")
    with Store.create(expdir.store, {"name": "odd", "metric": "m", "mode": "min"}) as store:
        store.record_trial_started("t", {"x": math.inf, "name": "caf\u00e9\x1b[31m"})
    assert main(["status", str(expdir.path), "--json"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and out.isascii()
    document = valid_status(strict_json(out))
    assert document["trials"][0]["config"] == {"x": None, "name": "caf\u00e9\x1b[31m"}
    assert document["best"] is None and document["status"] == "created"


def test_status_prints_a_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sweep = build_sweep(tmp_path / "runs")
    assert main(["status", str(sweep)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "multi: running"
    assert lines[1] == "  metrics: accuracy (max), loss (min)"
    assert "  completed: 1" in lines and "  stopped by the scheduler: 1 (1 at iteration 2)" in lines
    assert "  best trial: d accuracy=0.9 (max)" in lines


def test_ls_json_lists_every_experiment(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "runs"
    first = build_sweep(root)
    second = build_sweep(root, with_nan=True)
    assert main(["--root", str(root), "ls", "--json"]) == 0
    document = strict_json(capsys.readouterr().out)
    assert LS(document)
    assert document["root"] == str(root)
    assert [Path(e["path"]) for e in document["experiments"]] == [first, second]
    assert {(e["name"], e["trials"], e["best"], e["metric"]) for e in document["experiments"]} == {
        ("multi", len(TRIALS), 0.9, "accuracy")
    }
    assert main(["--root", str(tmp_path / "none"), "ls", "--json"]) == 0
    assert strict_json(capsys.readouterr().out)["experiments"] == []


def test_status_on_a_path_that_is_no_experiment_is_one_line(tmp_path: Path) -> None:
    proc = tuneterm("status", str(tmp_path), "--json")
    assert_one_line_refusal(proc, str(tmp_path), "neither a tuneterm experiment")
    proc = tuneterm("status", str(tmp_path / "missing"))
    assert_one_line_refusal(proc, str(tmp_path / "missing"), "no such experiment directory")
