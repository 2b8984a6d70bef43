"""Which reader loaded the data, as the driver records it: in the journal's overview and in the
trial detail, from the store's meta or, live, from the sweep's start event."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from tests.journal_support import T0, config, new_experiment, record_sweep
from tests.journal_support import utc as utc  # autouse: a fixed time zone
from tests.ui.helpers import screen_text, wait_for_events, wait_for_workers
from tests.ui.recorded import RecordedSweep
from tuneterm.domain.journal.render import render_journal
from tuneterm.domain.sweep.state import SweepState
from tuneterm.storage.journal_data import gather
from tuneterm.trainables.readers import reader_facts
from tuneterm.ui.screens.detail import TrialDetailScreen


def overview_line(text: str) -> str:
    return next(line for line in text.splitlines() if line.startswith("- **Data set:**"))


def test_the_journal_says_which_reader_ran_and_how_the_images_were_augmented(
    tmp_path: Path,
) -> None:
    expdir, store = new_experiment(tmp_path)
    record_sweep(store)
    plain = config()
    # What the driver records for this config (digits: tuneterm's own reader, anywhere).
    store.set_meta(**reader_facts(plain))
    text = render_journal(gather(expdir, store, plain, now=T0 + 200))
    assert overview_line(text) == (
        "- **Data set:** digits, 0.2 held out, read by tuneterm's own readers"
    )
    store.set_meta(data_reader="torchvision")
    dataset = dataclasses.replace(plain.dataset, augment=("hflip", "rotate:15"))
    augmented = dataclasses.replace(plain, dataset=dataset)
    text = render_journal(gather(expdir, store, augmented, now=T0 + 200))
    assert overview_line(text) == (
        "- **Data set:** digits, 0.2 held out, read by torchvision's data sets,"
        " augmented with hflip, rotate:15"
    )
    store.close()


def test_a_journal_without_a_recorded_reader_says_nothing_of_it(tmp_path: Path) -> None:
    expdir, store = new_experiment(tmp_path)
    record_sweep(store)
    text = render_journal(gather(expdir, store, config(), now=T0 + 200))
    assert overview_line(text) == "- **Data set:** digits, 0.2 held out"
    store.close()


def test_the_sweep_state_takes_the_reader_from_the_meta() -> None:
    assert SweepState({"data_reader": "tuneterm"}).data_reader == "tuneterm"
    assert SweepState({}).data_reader is None


async def test_the_trial_detail_says_which_reader_ran(sweep: RecordedSweep, make_app) -> None:
    # A resume started by a driver that records the reader: the dashboard learns it live.
    sweep.store.record_experiment_started(now=T0 + 1, data_reader="torchvision", resumed=True)
    app = make_app(sweep.path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count + 1)
        assert app.state.data_reader == "torchvision"
        await pilot.press("enter")
        assert isinstance(app.screen, TrialDetailScreen)
        await wait_for_workers(pilot, app, "trial-results")
        assert "data read by torchvision's data sets" in screen_text(app)


async def test_a_detail_without_a_recorded_reader_shows_none(
    sweep: RecordedSweep, make_app
) -> None:
    app = make_app(sweep.path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        await pilot.press("enter")
        await wait_for_workers(pilot, app, "trial-results")
        assert isinstance(app.screen, TrialDetailScreen)
        assert "data read by" not in screen_text(app)
