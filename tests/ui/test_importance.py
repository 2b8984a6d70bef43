"""The importance screen: `i` opens it, "too few trials" until eight have finished, then shares
that follow the sweep; scikit-learn is loaded only by its worker, never before the first frame."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

from tests.conftest import REPO
from tests.ui.helpers import screen_text, wait_for_events, wait_for_workers, wait_until
from tests.ui.importance_support import add_finished_trials
from tests.ui.journal_recorded import write_config
from tests.ui.recorded import RecordedSweep
from tuneterm.ui.app import TuneTermApp
from tuneterm.ui.screens.importance import ImportanceScreen
from tuneterm.ui.screens.sweep import SweepScreen


async def test_i_shows_too_few_trials_then_shares_as_trials_finish(
    sweep: RecordedSweep, make_app: Callable[..., TuneTermApp]
) -> None:
    app = make_app(sweep.path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        await pilot.press("i")
        screen = app.screen
        assert isinstance(screen, ImportanceScreen)
        await wait_until(pilot, lambda: screen.importance is not None)
        # 10 trials: 7 ended with a value, 1 errored, 2 still running.
        assert screen.importance is not None and screen.importance.shares == ()
        assert screen.finished_shown == 7
        assert "too few trials: 7 finished, 8 needed" in screen_text(app)

        add_finished_trials(sweep, 14)
        await wait_for_events(pilot, app, sweep.event_count)
        await wait_until(pilot, lambda: screen.finished_shown == 21, timeout=30)
        result = screen.importance
        assert result is not None and result.reason == "" and result.trials == 21
        assert {name for name, _ in result.shares} == {"lr", "batch_size", "batch_norm"}
        assert result.top == "lr"
        text = screen_text(app)
        assert "too few trials" not in text
        assert "From 21 finished trials; out-of-bag R²" in text
        lr_line = next(line for line in text.splitlines() if line.lstrip().startswith("lr "))
        assert "█" in lr_line and lr_line.rstrip().endswith("%")

        await pilot.press("escape")
        assert isinstance(app.screen, SweepScreen)


async def test_the_config_search_space_is_used_and_the_palette_opens_it(
    sweep: RecordedSweep, make_app: Callable[..., TuneTermApp]
) -> None:
    write_config(sweep.path)
    add_finished_trials(sweep, 10)
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        commands = [command.title for command in app.get_system_commands(app.screen)]
        assert "Importance" in commands
        app.action_show_importance()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ImportanceScreen)
        await wait_until(pilot, lambda: screen.importance is not None, timeout=30)
        await wait_for_workers(pilot, app, "importance")
        assert screen.space is not None
        assert [param.name for param in screen.space] == [
            "lr",
            "batch_size",
            "batch_norm",
            "optimizer",
        ]
        # The constant optimizer is not tuned: it has no share.
        assert screen.importance is not None
        assert screen.importance.top == "lr"
        assert len(screen.importance.shares) == 3


PROBE = textwrap.dedent(
    """
    import asyncio, json, sys
    from pathlib import Path
    from tests.ui.recorded import record_sweep
    from tests.ui.importance_support import add_finished_trials
    from tests.ui.helpers import wait_for_events, wait_until
    from tuneterm.storage.sources import open_source
    from tuneterm.ui.app import create_app

    HEAVY = ("sklearn", "scipy", "optuna", "matplotlib")

    def loaded():
        return sorted({name.split(".")[0] for name in sys.modules} & set(HEAVY))

    async def main():
        sweep = record_sweep(Path(sys.argv[1]) / "exp")
        add_finished_trials(sweep, 4)
        app = create_app(open_source(sweep.path), poll_interval=0.01)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for_events(pilot, app, sweep.event_count)
            at_first_frame = loaded()
            await pilot.press("i")
            await wait_until(pilot, lambda: getattr(app.screen, "importance", None), 20)
            print(json.dumps([at_first_frame, loaded(), app.screen.importance.top]))

    asyncio.run(main())
    """
)


def test_scikit_learn_is_loaded_by_the_worker_and_not_before_the_first_frame(
    tmp_path: Path,
) -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
        timeout=120,
    )
    at_first_frame, after, top = json.loads(out.stdout.strip().splitlines()[-1])
    assert at_first_frame == []
    assert "sklearn" in after
    assert "matplotlib" not in after and "optuna" not in after
    assert top is not None


async def test_a_failure_is_shown_in_the_panel_and_not_retried_until_a_trial_finishes(
    sweep: RecordedSweep, make_app: Callable[..., TuneTermApp]
) -> None:
    add_finished_trials(sweep, 4)
    calls: list[int] = []

    def broken_config() -> None:
        calls.append(1)
        raise OSError("config.json: permission denied")

    app = make_app(sweep.path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        screen = ImportanceScreen(app.state, broken_config)
        await app.push_screen(screen)
        await wait_until(pilot, lambda: "Could not weigh" in screen_text(app))
        assert "OSError: config.json: permission denied" in screen_text(app)
        assert screen.importance is None
        screen.note_changes(())
        screen.flush()
        await pilot.pause(1.2)
        await wait_for_workers(pilot, app, "importance")
        assert len(calls) == 1


def test_a_filtered_result_with_a_poor_fit_still_says_its_shares_are_unreliable() -> None:
    from tuneterm.domain.importance import Importance
    from tuneterm.ui.screens.importance import notes_text

    poor = Importance("accuracy", (("lr", 0.9), ("bs", 0.1)), 9, -0.17)
    text = notes_text(poor, everyone=20, where="bs == 16").plain
    assert "shares are unreliable" in text and "9 of 20 finished trials (filter: bs == 16)" in text
    good = Importance("accuracy", (("lr", 0.9), ("bs", 0.1)), 9, 0.8)
    assert "unreliable" not in notes_text(good, everyone=20, where="bs == 16").plain
