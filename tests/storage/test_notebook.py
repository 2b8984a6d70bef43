"""The notebook in the store: notes, live hypotheses, verdict history, their events, and the
sources that write them (a real SQLite file throughout)."""

from __future__ import annotations

import io
import json
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest

from tuneterm.cli.headless import EventPrinter
from tuneterm.domain.config.spec import ConfigError, ExperimentConfig, Hypothesis
from tuneterm.domain.events import EventKind
from tuneterm.domain.hypotheses.notebook import NotebookError, check_live_hypothesis, parse_expected
from tuneterm.domain.hypotheses.verdict import Verdict
from tuneterm.domain.status import EndReason
from tuneterm.domain.sweep.state import SweepState
from tuneterm.storage.config_file import config_from_dict
from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.notebook import hypothesis_entries
from tuneterm.storage.recorded_config import read_recorded_config
from tuneterm.storage.sources.protocol import ReadOnlySourceError
from tuneterm.storage.sources.raydir import RayDirSource
from tuneterm.storage.sources.store_source import StoreSource
from tuneterm.storage.store import Store

RAY_PLAIN = Path(__file__).parents[1] / "data" / "ray_plain" / "plain"

CONFIG: dict[str, Any] = {
    "experiment": {"name": "nb", "metric": "score", "mode": "max"},
    # Any importable callable passes as a custom trainable; nothing here runs it.
    "trainable": {"name": "json:dumps", "epochs": 3},
    "search_space": {
        "lr": {"loguniform": [1e-4, 1e-1]},
        "bn": {"choice": [True, False]},
        "layers": 2,
    },
    "hypotheses": [
        {"id": "H1", "statement": "batch norm helps", "parameter": "bn", "expected": True},
        {"id": "H2", "statement": "larger lr is better", "parameter": "lr", "expected": "higher"},
    ],
}


@pytest.fixture
def config() -> ExperimentConfig:
    return config_from_dict(CONFIG)


@pytest.fixture
def experiment(tmp_path: Path, config: ExperimentConfig) -> ExperimentDir:
    """An experiment directory as `tuneterm run` leaves it: config.json beside the store."""
    directory = ExperimentDir(tmp_path / "exp")
    directory.path.mkdir()
    directory.config_json.write_text(json.dumps(config.to_dict()))
    Store.create(directory.store, {"name": "nb", "metric": "score", "mode": "max"}).close()
    return directory


@pytest.fixture
def store(experiment: ExperimentDir) -> Iterator[Store]:
    with Store.open(experiment.store) as opened:
        yield opened


def live(hypothesis_id: str = "H3", expected: Any = 1e-3) -> Hypothesis:
    return Hypothesis(hypothesis_id, "lr near 1e-3 is best", "lr", expected, "the usual default")


# -- notes ----------------------------------------------------------------------------------------


def test_notes_round_trip_in_time_order(store: Store) -> None:
    first = store.add_note("  loss spikes at epoch 3 \n", "t1", 3, now=10.0)
    store.add_note("overall: the GPU is idle half the time", now=11.0)
    store.add_note("t2 diverged", "t2", 1, now=12.0)

    assert (first.note_id, first.time, first.text, first.trial_id, first.iteration) == (
        1,
        10.0,
        "loss spikes at epoch 3",
        "t1",
        3,
    )
    assert [n.text for n in store.notes()] == [
        "loss spikes at epoch 3",
        "overall: the GPU is idle half the time",
        "t2 diverged",
    ]
    assert [n.note_id for n in store.notes("t2")] == [3]


def test_an_empty_note_is_refused_and_nothing_is_written(store: Store) -> None:
    seq = store.last_seq()
    with pytest.raises(NotebookError, match="the note is empty"):
        store.add_note(" \n\t ")
    assert store.notes() == []
    assert store.last_seq() == seq


def test_every_write_appends_its_event_for_tailing_clients(store: Store) -> None:
    store.record_trial_started("t1", {"lr": 0.01}, now=1.0)
    store.record_result("t1", 1, {"score": 0.5}, now=2.0)
    store.add_note("plateau", "t1", 1, now=3.0)
    store.add_hypothesis(live(), now=4.0)
    store.record_verdict("H1", Verdict.REJECTED, "no difference", now=5.0)

    events = store.tail(0, "score")[2:]
    assert [(e.kind, e.trial_id, e.iteration, e.data) for e in events] == [
        (EventKind.NOTE_ADDED, "t1", 1, {"note_id": 1, "text": "plateau", "kind": "observation"}),
        (
            EventKind.HYPOTHESIS_ADDED,
            None,
            None,
            {
                "id": "H3",
                "statement": "lr near 1e-3 is best",
                "parameter": "lr",
                "expected": 1e-3,
                "reasoning": "the usual default",
            },
        ),
        (
            EventKind.VERDICT_RECORDED,
            None,
            None,
            {
                "verdict_id": 1,
                "hypothesis_id": "H1",
                "verdict": "rejected",
                "justification": "no difference",
            },
        ),
    ]
    assert [e.time for e in events] == [3.0, 4.0, 5.0]


# -- hypotheses and verdicts ----------------------------------------------------------------------


def test_live_hypotheses_keep_their_expected_value_type(store: Store) -> None:
    store.add_hypothesis(live("H3", 1e-3), now=1.0)
    store.add_hypothesis(Hypothesis("H4", "no bn is better", "bn", False), now=2.0)
    store.add_hypothesis(Hypothesis("H5", "deeper", "layers", "higher"), now=3.0)

    assert store.live_hypotheses() == [
        (live("H3", 1e-3), 1.0),
        (Hypothesis("H4", "no bn is better", "bn", False), 2.0),
        (Hypothesis("H5", "deeper", "layers", "higher"), 3.0),
    ]
    assert [type(h.expected) for h, _ in store.live_hypotheses()] == [float, bool, str]


@pytest.mark.parametrize(
    ("hypothesis", "message"),
    [
        (live("H1"), "id: 'H1' is already used"),
        (Hypothesis("", "s", "lr", "higher"), "id: must not be empty"),
        (Hypothesis("H9", "  ", "lr", "higher"), "statement: must not be empty"),
        (Hypothesis("H9", "s", "", "higher"), "parameter: must not be empty"),
        (Hypothesis("H9", "s", "lr", " "), "expected: must not be empty"),
        (Hypothesis("H9", "s", "lr", {"a": object()}), "expected: .* is not a plain value"),
    ],
)
def test_add_hypothesis_refuses(store: Store, hypothesis: Hypothesis, message: str) -> None:
    with pytest.raises(NotebookError, match=message):
        store.add_hypothesis(hypothesis)
    assert store.live_hypotheses() == []


def test_a_live_id_cannot_be_added_twice(store: Store) -> None:
    store.add_hypothesis(live("H3"))
    with pytest.raises(NotebookError, match="id: 'H3' is already used"):
        store.add_hypothesis(live("H3", 1e-2))
    assert len(store.live_hypotheses()) == 1


def test_config_ids_passed_in_replace_the_config_json(store: Store) -> None:
    store.add_hypothesis(live("H1"), config_ids=["A", "B"])
    with pytest.raises(NotebookError, match="'A' is already used"):
        store.add_hypothesis(live("A"), config_ids=["A", "B"])
    store.record_verdict("B", Verdict.CONFIRMED, config_ids=["A", "B"])
    with pytest.raises(NotebookError, match="no hypothesis 'H2'"):
        store.record_verdict("H2", Verdict.CONFIRMED, config_ids=["A", "B"])


def test_verdict_history_is_kept_and_the_newest_is_current(
    store: Store, config: ExperimentConfig
) -> None:
    store.record_verdict("H2", Verdict.INCONCLUSIVE, "too few trials", now=1.0)
    store.add_hypothesis(live("H3"), now=2.0)
    store.record_verdict("H2", Verdict.CONFIRMED, " clear after 20 trials ", now=3.0)
    store.record_verdict("H3", cast(Verdict, "rejected"), now=4.0)

    entries = hypothesis_entries(config, store)
    assert [(e.hypothesis.id, e.live, e.added_at) for e in entries] == [
        ("H1", False, None),
        ("H2", False, None),
        ("H3", True, 2.0),
    ]
    h1, h2, h3 = entries
    assert h1.verdicts == () and h1.current is None
    assert [(v.verdict, v.justification, v.time) for v in h2.verdicts] == [
        (Verdict.INCONCLUSIVE, "too few trials", 1.0),
        (Verdict.CONFIRMED, "clear after 20 trials", 3.0),
    ]
    assert h2.current == h2.verdicts[-1]
    assert h3.current is not None and h3.current.verdict is Verdict.REJECTED
    assert [v.verdict_id for v in store.verdicts()] == [1, 2, 3]


def test_hypothesis_entries_without_a_config_list_only_live_ones(store: Store) -> None:
    store.add_hypothesis(live("H3"))
    assert [e.hypothesis.id for e in hypothesis_entries(None, store)] == ["H3"]


def test_a_verdict_on_an_unknown_hypothesis_is_refused(store: Store) -> None:
    with pytest.raises(NotebookError, match=r"no hypothesis 'H7' \(known: H1, H2\)"):
        store.record_verdict("H7", Verdict.CONFIRMED)
    with pytest.raises(NotebookError, match="unknown verdict 'maybe'"):
        store.record_verdict("H1", cast(Verdict, "maybe"))
    assert store.verdicts() == []


def test_without_config_json_only_live_hypotheses_are_known(tmp_path: Path) -> None:
    with Store.create(tmp_path / "store.sqlite", {"metric": "score"}) as store:
        with pytest.raises(NotebookError, match=r"known: none"):
            store.record_verdict("H1", Verdict.CONFIRMED)
        store.add_hypothesis(live("H1"))
        store.record_verdict("H1", Verdict.CONFIRMED)


# -- checking a hypothesis typed into a dashboard -------------------------------------------------


@pytest.mark.parametrize(
    ("hypothesis", "message"),
    [
        (live("H3", "up"), r"^expected: 'up' is not a possible value of 'lr' \(loguniform"),
        (
            Hypothesis("H3", "s", "bn", "higher"),
            r"^expected: 'higher' needs a numeric parameter, not choice \[true, false\]$",
        ),
        (
            Hypothesis("H3", "s", "lrr", "higher"),
            r"^parameter: 'lrr' is not in \[search_space\] \(did you mean 'lr'\?\)$",
        ),
        (
            Hypothesis("H3", "s", "layers", "higher"),
            r"^parameter: 'layers' is a constant \(2\), so the sweep cannot test it$",
        ),
        (live("H2"), r"^id: 'H2' is already used$"),
        (live("H4"), r"^id: 'H4' is already used$"),
        (Hypothesis("H3", "", "lr", "higher"), r"^statement: must not be empty$"),
    ],
)
def test_check_live_hypothesis_says_what_is_wrong_in_one_line(
    config: ExperimentConfig, hypothesis: Hypothesis, message: str
) -> None:
    with pytest.raises(NotebookError, match=message) as caught:
        check_live_hypothesis(config, hypothesis, live_ids=["H4"])
    assert "\n" not in str(caught.value)


def test_check_live_hypothesis_accepts_what_the_sweep_can_show(config: ExperimentConfig) -> None:
    check_live_hypothesis(config, live("H3", 1e-3))
    check_live_hypothesis(config, Hypothesis("H3", "s", "bn", parse_expected("false")))
    check_live_hypothesis(config, Hypothesis("H3", "s", "lr", parse_expected(" lower ")))


@pytest.mark.parametrize(
    ("typed", "value"),
    [("1e-3", 1e-3), ("true", True), ("64", 64), ('"adam"', "adam"), ("adam", "adam"),
     ("higher", "higher"), ("a = 1", "a = 1")],
)  # fmt: skip
def test_parse_expected_reads_toml_values_or_keeps_the_text(typed: str, value: Any) -> None:
    parsed = parse_expected(typed)
    assert (parsed, type(parsed)) == (value, type(value))


# -- older stores, other clients ------------------------------------------------------------------


def test_a_store_made_before_the_notebook_gets_its_tables_on_open(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    Store.create(path, {"metric": "score"}).close()
    with sqlite3.connect(path) as conn:
        conn.executescript("DROP TABLE notes; DROP TABLE hypotheses; DROP TABLE verdicts;")
    with Store.open(path) as store:
        store.add_note("works after the upgrade")
        store.add_hypothesis(live("H1"))
        store.record_verdict("H1", Verdict.CONFIRMED)
        assert [n.text for n in store.notes()] == ["works after the upgrade"]
        assert len(store.verdicts()) == 1


def test_a_note_written_while_the_driver_writes_results(experiment: ExperimentDir) -> None:
    """Two connections to one file, as a dashboard beside a running driver: nothing is lost."""
    driver = Store.open(experiment.store)
    driver.record_trial_started("t1", {"lr": 0.01})
    failures: list[BaseException] = []

    def write_results() -> None:
        try:
            for iteration in range(1, 401):
                driver.record_result("t1", iteration, {"score": iteration / 400})
        except BaseException as error:  # pragma: no cover - reported below
            failures.append(error)

    writer = threading.Thread(target=write_results)
    with Store.open(experiment.store) as dashboard:
        writer.start()
        notes = [dashboard.add_note(f"note {n}", "t1", n) for n in range(30)]
        writer.join()
        assert failures == []
        assert [n.note_id for n in dashboard.notes()] == [n.note_id for n in notes]
        tailed = dashboard.events_since(0)
    driver.close()
    assert sum(e.kind == EventKind.RESULT for e in tailed) == 400
    assert [e.data["text"] for e in tailed if e.kind == EventKind.NOTE_ADDED] == [
        f"note {n}" for n in range(30)
    ]


def test_sweep_state_and_headless_printer_ignore_notebook_events(store: Store) -> None:
    store.record_experiment_started(now=0.0)
    store.record_trial_started("t1", {"lr": 0.01}, now=1.0)
    store.record_result("t1", 1, {"score": 0.5}, now=2.0)
    store.add_note("a note", "t1", 1, now=3.0)
    store.add_hypothesis(live(), now=4.0)
    store.record_verdict("H1", Verdict.CONFIRMED, now=5.0)
    store.record_trial_ended("t1", EndReason.COMPLETED, 1, now=6.0)
    events = store.events_since(0)
    notebook_kinds = {EventKind.NOTE_ADDED, EventKind.HYPOTHESIS_ADDED, EventKind.VERDICT_RECORDED}
    others = [e for e in events if e.kind not in notebook_kinds]
    assert len(others) == len(events) - 3

    meta = store.meta()
    with_notebook, without = SweepState(meta), SweepState(meta)
    changed = with_notebook.apply(events)
    assert changed == without.apply(others) == {"t1"}
    assert with_notebook.rows() == without.rows()
    assert with_notebook.status == without.status

    printer = EventPrinter(store, io.StringIO())
    assert [printer.format(e) for e in events if e.kind in notebook_kinds] == [None] * 3


# -- sources --------------------------------------------------------------------------------------


def test_store_source_writes_and_reads_the_notebook(experiment: ExperimentDir) -> None:
    source = StoreSource(experiment.path)
    try:
        seen = source.poll()
        note = source.add_note("lr 0.1 diverges", "t1", 4)
        source.add_hypothesis(live("H3"))
        record = source.record_verdict("H1", Verdict.CONFIRMED, "bn wins by 3 points")
        entries, notes = source.notebook()
        config = source.config()
        seen = source.poll()
    finally:
        source.close()
    assert config is not None and config.experiment.name == "nb"
    assert notes == [note]
    assert [e.hypothesis.id for e in entries] == ["H1", "H2", "H3"]
    assert entries[0].current == record
    assert [e.kind for e in seen] == [
        EventKind.NOTE_ADDED,
        EventKind.HYPOTHESIS_ADDED,
        EventKind.VERDICT_RECORDED,
    ]


def test_store_source_refuses_a_config_id_for_a_live_hypothesis(
    experiment: ExperimentDir,
) -> None:
    source = StoreSource(experiment.path)
    try:
        with pytest.raises(NotebookError, match="'H2' is already used"):
            source.add_hypothesis(live("H2"))
    finally:
        source.close()


def test_store_source_without_config_json(experiment: ExperimentDir) -> None:
    experiment.config_json.unlink()
    source = StoreSource(experiment.path)
    try:
        assert source.config() is None
        source.add_hypothesis(live("H1"))
        assert [e.hypothesis.id for e in source.notebook()[0]] == ["H1"]
    finally:
        source.close()


def test_a_plain_ray_directory_keeps_no_notebook() -> None:
    source = RayDirSource(RAY_PLAIN)
    assert source.notebook() == ([], [])
    assert source.config() is None
    with pytest.raises(ReadOnlySourceError, match=r"read-only: .* keep notes"):
        source.add_note("x", None, None)
    with pytest.raises(ReadOnlySourceError, match="keep hypotheses"):
        source.add_hypothesis(live())
    with pytest.raises(ReadOnlySourceError, match="keep verdicts"):
        source.record_verdict("H1", Verdict.CONFIRMED, "")


# -- the recorded config --------------------------------------------------------------------------


def test_read_recorded_config_skips_checks_that_depend_on_this_process(tmp_path: Path) -> None:
    data = {**CONFIG, "trainable": {"name": "not_here.module:train"}}
    path = tmp_path / "config.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ConfigError, match="cannot import"):
        config_from_dict(data)
    config = read_recorded_config(path)
    assert config.trainable.name == "not_here.module:train"
    assert [h.id for h in config.hypotheses] == ["H1", "H2"]
    assert config.param("lr") is not None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "cannot read"),
        ("[]", "expected a JSON object"),
        ('{"experiment": {"name": "x"}}', "experiment.metric: required key is missing"),
    ],
)
def test_read_recorded_config_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config.json"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        read_recorded_config(path)
    with pytest.raises(ConfigError, match="cannot read"):
        read_recorded_config(tmp_path / "missing.json")
