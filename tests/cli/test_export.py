"""`tuneterm export`: trial and result tables read back as a script would (the csv module,
pyarrow, json), on a real store and on plain Ray Tune files; `--where`; bad input."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import pty
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.cli.export_support import (
    RAY_PLAIN,
    REPO,
    RESULT_COUNT,
    TRIALS,
    assert_one_line_refusal,
    build_sweep,
    ended_at,
    result_time,
    started_at,
    tuneterm,
)
from tuneterm.cli.main import main
from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.store import Store

TRIAL_HEADER = [
    "trial_id", "state", "stop_reason", "stop_iteration", "iterations",
    "config.lr", "config.layers", "config.opt", "config.model.width",
    "last.accuracy", "best.accuracy", "last.loss", "best.loss", "last.extra", "last.time_total_s",
    "started_at", "ended_at", "runtime",
]  # fmt: skip
RESULT_HEADER = ["trial_id", "iteration", "time", "accuracy", "extra", "loss", "time_total_s"]


@pytest.fixture
def sweep(tmp_path: Path) -> Path:
    return build_sweep(tmp_path / "runs")


def export(tmp_path: Path, directory: Path, *options: str, suffix: str = "csv") -> Path:
    output = tmp_path / f"out.{suffix}"
    assert main(["export", str(directory), "--output", str(output), *options]) == 0
    return output


def csv_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="") as file:
        reader = csv.DictReader(file)
        return list(reader.fieldnames or []), list(reader)


def by_id(rows: list[dict[str, Any]], key: str = "trial_id") -> dict[str, dict[str, Any]]:
    return {row[key]: row for row in rows}


# -- one row per trial ---------------------------------------------------------------------------


def test_trials_as_csv_have_the_documented_columns_and_values(tmp_path: Path, sweep: Path) -> None:
    header, rows = csv_rows(export(tmp_path, sweep))
    assert header == TRIAL_HEADER
    assert [row["trial_id"] for row in rows] == list(TRIALS)
    a, b, c, d = (by_id(rows)[trial_id] for trial_id in "abcd")
    assert (a["state"], a["stop_reason"], a["stop_iteration"], a["iterations"]) == (
        "completed", "completed", "3", "3",
    )  # fmt: skip
    assert (a["config.lr"], a["config.layers"], a["config.opt"], a["config.model.width"]) == (
        "0.1", "2", "adam", "64",
    )  # fmt: skip
    assert [float(a[k]) for k in ("last.accuracy", "best.accuracy", "last.loss", "best.loss")] == [
        0.6, 0.7, 0.8, 0.6,
    ]  # fmt: skip
    assert float(a["last.time_total_s"]) == 3.0 and a["last.extra"] == ""
    assert float(a["started_at"]) == started_at("a") and float(a["ended_at"]) == ended_at("a")
    assert float(a["runtime"]) == 60.0
    # b's last result has no loss: its last loss is the one reported before.
    assert (b["state"], b["stop_iteration"], b["last.loss"], b["best.loss"]) == (
        "scheduler", "2", "0.9", "0.9",
    )  # fmt: skip
    assert (b["last.accuracy"], b["last.extra"]) == ("0.45", "7")
    assert c["state"] == "error" and c["iterations"] == "0"
    assert all(c[k] == "" for k in TRIAL_HEADER if k.startswith(("last.", "best.")))
    assert (d["state"], d["stop_reason"], d["stop_iteration"], d["ended_at"]) == (
        "running", "", "", "",
    )  # fmt: skip
    assert float(d["runtime"]) > 0


def test_trials_as_parquet_are_typed(tmp_path: Path, sweep: Path) -> None:
    table = pq.read_table(export(tmp_path, sweep, "--format", "parquet", suffix="parquet"))
    assert table.column_names == TRIAL_HEADER
    types = {field.name: field.type for field in table.schema}
    assert types["trial_id"] == types["state"] == types["config.opt"] == pa.string()
    assert types["stop_iteration"] == types["config.layers"] == types["config.model.width"]
    assert types["config.layers"] == pa.int64()
    assert types["config.lr"] == types["best.loss"] == types["runtime"] == pa.float64()
    assert table.schema.metadata[b"tuneterm.schema"] == b"tuneterm.trials/1"
    rows = by_id(table.to_pylist())
    assert rows["a"]["best.loss"] == 0.6 and rows["b"]["last.extra"] == 7.0
    assert rows["c"]["last.accuracy"] is None and rows["d"]["stop_iteration"] is None


def test_trials_as_json_lines_hold_every_column_on_every_line(tmp_path: Path, sweep: Path) -> None:
    lines = export(tmp_path, sweep, "--format", "jsonl", suffix="jsonl").read_text().splitlines()
    rows = [json.loads(line) for line in lines]
    assert [list(row) for row in rows] == [TRIAL_HEADER] * len(TRIALS)
    a = by_id(rows)["a"]
    assert (a["config.layers"], a["best.accuracy"], a["last.extra"]) == (2, 0.7, None)


def test_a_nan_in_the_results_gives_the_same_values_read_another_way(tmp_path: Path) -> None:
    # SQLite cannot read the NaN as JSON: the further metric is folded in Python instead.
    sweep = build_sweep(tmp_path / "runs", with_nan=True)
    rows = by_id(csv_rows(export(tmp_path, sweep))[1])
    assert (rows["a"]["last.loss"], rows["a"]["best.loss"]) == ("0.8", "0.6")
    assert (rows["b"]["last.loss"], rows["d"]["best.loss"]) == ("0.9", "0.3")
    results = csv_rows(export(tmp_path, sweep, "--results"))[1]
    nan_row = next(row for row in results if (row["trial_id"], row["iteration"]) == ("a", "4"))
    assert nan_row["accuracy"] == nan_row["loss"] == ""


# -- one row per result --------------------------------------------------------------------------


def test_results_as_csv_are_every_reported_result_in_order(tmp_path: Path, sweep: Path) -> None:
    header, rows = csv_rows(export(tmp_path, sweep, "--results"))
    assert header == RESULT_HEADER
    expected = [
        (trial_id, iteration, metrics)
        for trial_id, (_, results, _) in TRIALS.items()
        for iteration, metrics in enumerate(results, start=1)
    ]
    assert len(rows) == RESULT_COUNT == len(expected)
    for row, (trial_id, iteration, metrics) in zip(rows, expected, strict=True):
        assert (row["trial_id"], int(row["iteration"])) == (trial_id, iteration)
        assert float(row["time"]) == result_time(trial_id, iteration)
        for name in RESULT_HEADER[3:]:
            assert row[name] == ("" if name not in metrics else row[name])
            if name in metrics:
                assert float(row[name]) == metrics[name]


def test_results_as_parquet_and_json_lines(tmp_path: Path, sweep: Path) -> None:
    table = pq.read_table(export(tmp_path, sweep, "--results", "--format", "parquet"))
    assert table.column_names == RESULT_HEADER and table.num_rows == RESULT_COUNT
    assert table.schema.field("iteration").type == pa.int64()
    assert table.schema.field("extra").type == pa.float64()
    assert table.column("extra").null_count == RESULT_COUNT - 1
    lines = export(tmp_path, sweep, "--results", "--format", "jsonl", suffix="jsonl")
    rows = [json.loads(line) for line in lines.read_text().splitlines()]
    assert rows[-1] == {
        "trial_id": "d", "iteration": 1, "time": result_time("d", 1),
        "accuracy": 0.9, "extra": None, "loss": 0.3, "time_total_s": None,
    }  # fmt: skip


# -- --where -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "kept"),
    [
        ('opt == "adam"', ["a", "c"]),
        ("loss < 0.7", ["d"]),  # a further metric: its last value
        ("extra > 5", ["b"]),  # a metric outside the sweep's, from the last result
        ('state == "stopped" or state == "running"', ["b", "d"]),
        ("lr > 1", []),
    ],
)
def test_where_narrows_trials_and_results(
    tmp_path: Path, sweep: Path, expression: str, kept: list[str]
) -> None:
    header, rows = csv_rows(export(tmp_path, sweep, "--where", expression))
    assert header == TRIAL_HEADER, "the columns stay those of the whole sweep"
    assert [row["trial_id"] for row in rows] == kept
    header, results = csv_rows(export(tmp_path, sweep, "--results", "--where", expression))
    assert header == RESULT_HEADER
    expected = sum(len(TRIALS[trial_id][1]) for trial_id in kept)
    assert len(results) == expected and {row["trial_id"] for row in results} <= set(kept)


def test_where_takes_every_reported_metric_by_its_last_finite_value(tmp_path: Path) -> None:
    # Trial a's last result holds only NaNs, so no trial's last result holds time_total_s: it
    # is still a name, and a's value is its last finite one (3.0, the result before).
    sweep = build_sweep(tmp_path / "runs", with_nan=True)
    _, rows = csv_rows(export(tmp_path, sweep, "--where", "time_total_s > 2.5"))
    assert [row["trial_id"] for row in rows] == ["a"]
    _, rows = csv_rows(export(tmp_path, sweep, "--where", "time_total_s < 2.5 or extra > 5"))
    assert [row["trial_id"] for row in rows] == ["b"]
    _, results = csv_rows(export(tmp_path, sweep, "--results", "--where", "time_total_s == 3"))
    assert [(row["trial_id"], row["iteration"]) for row in results] == [
        ("a", "1"), ("a", "2"), ("a", "3"), ("a", "4"),
    ]  # fmt: skip


# -- plain Ray Tune files ------------------------------------------------------------------------


def test_a_plain_ray_tune_directory_exports_too(tmp_path: Path) -> None:
    header, rows = csv_rows(export(tmp_path, RAY_PLAIN))
    assert header[:6] == [*TRIAL_HEADER[:5], "config.x"]
    assert [(r["trial_id"], r["state"], r["config.x"]) for r in rows] == [
        ("43340_00000", "completed", "1"),
        ("43340_00001", "error", "2"),
    ]
    assert (rows[0]["last.score"], rows[0]["best.score"]) == ("3.5", "3.5")
    reports = [
        json.loads(line)
        for result_file in sorted(RAY_PLAIN.glob("*/result.json"))
        for line in result_file.read_text().splitlines()
    ]
    table = pq.read_table(export(tmp_path, RAY_PLAIN, "--results", "--format", "parquet"))
    assert table.num_rows == len(reports)
    assert table.column("score").to_pylist() == [report["score"] for report in reports]
    assert table.column("iteration").to_pylist() == [r["training_iteration"] for r in reports]


# -- through the real command line ---------------------------------------------------------------


def test_csv_goes_to_stdout_by_default(sweep: Path) -> None:
    proc = tuneterm("export", str(sweep), "--where", "layers == 2")
    assert proc.returncode == 0 and proc.stderr == ""
    rows = list(csv.DictReader(proc.stdout.splitlines()))
    assert [row["trial_id"] for row in rows] == ["a", "c"]


def test_a_path_that_is_no_experiment_is_refused_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    proc = tuneterm("export", str(tmp_path / "empty"))
    assert_one_line_refusal(proc, str(tmp_path / "empty"), "neither a tuneterm experiment")
    proc = tuneterm("export", str(tmp_path / "missing"), "--format", "jsonl")
    assert_one_line_refusal(proc, str(tmp_path / "missing"))


def test_an_invalid_expression_is_refused_in_one_line(sweep: Path, tmp_path: Path) -> None:
    output = tmp_path / "never.csv"
    proc = tuneterm("export", str(sweep), "--where", "lr <", "--output", str(output))
    assert_one_line_refusal(proc, "--where", "column")
    proc = tuneterm("export", str(sweep), "--where", "__import__('os').system('true')")
    assert_one_line_refusal(proc, "--where", "calls are not allowed")
    proc = tuneterm("export", str(sweep), "--where", "depth > 2")
    assert_one_line_refusal(proc, "unknown name 'depth'")
    assert not output.exists() and list(tmp_path.iterdir()) == [tmp_path / "runs"]


def test_an_output_in_a_missing_directory_is_refused(sweep: Path, tmp_path: Path) -> None:
    proc = tuneterm("export", str(sweep), "--output", str(tmp_path / "no" / "out.csv"))
    assert_one_line_refusal(proc, "--output", "no such directory")


def test_parquet_is_never_written_to_a_terminal(sweep: Path) -> None:
    leader, follower = pty.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "tuneterm", "export", str(sweep), "--format", "parquet"],
            stdout=follower,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
            timeout=120,
            check=False,
        )
    finally:
        os.close(follower)
        os.close(leader)
    assert proc.returncode == 2
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and "--output FILE" in lines[0], proc.stderr


def test_a_reader_that_stops_early_ends_the_export_quietly(tmp_path: Path) -> None:
    expdir = ExperimentDir.create(tmp_path, "long")
    meta = {"name": "long", "metric": "m", "mode": "max"}
    with Store.create(expdir.store, meta) as store, store.transaction() as conn:
        conn.executemany(
            "INSERT INTO events (time, kind, trial_id, iteration, data)"
            " VALUES (?, 'result', 't', ?, ?)",
            [(1e9 + i, i, json.dumps({"m": i / 3, "n": i})) for i in range(1, 5001)],
        )
    # Far more than a pipe holds: the writer meets the closed pipe mid-way.
    proc = subprocess.Popen(
        [sys.executable, "-m", "tuneterm", "export", str(expdir.path), "--results"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline().startswith(b'"trial_id","iteration","time","m","n"')
    proc.stdout.close()
    assert proc.wait(timeout=120) == 0
    assert proc.stderr.read() == b""


def test_csv_on_a_terminal_shows_control_characters_escaped(tmp_path: Path) -> None:
    expdir = ExperimentDir.create(tmp_path, "odd")
    with Store.create(expdir.store, {"name": "odd", "metric": "m", "mode": "max"}) as store:
        store.record_trial_started("t\x1b]0;x\x07", {"name": "\x1b[31mred\u202e"})
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tuneterm", "export", str(expdir.path)],
        stdout=follower,
        stderr=subprocess.PIPE,
        cwd=REPO,
    )
    os.close(follower)
    shown = b""
    with contextlib.suppress(OSError):  # EIO once the process has closed the terminal
        while chunk := os.read(leader, 4096):
            shown += chunk
    os.close(leader)
    assert proc.wait(timeout=120) == 0
    assert b"\x1b" not in shown and b"\x07" not in shown and "\u202e".encode() not in shown
    assert b"\\x1b[31mred\\u202e" in shown and b"t\\x1b]0;x\\x07" in shown
