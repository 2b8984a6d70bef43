"""Trial output and resource samples written as the driver writes them, and the detail screen's
output pane opened on them."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot

from tests.ui.helpers import wait_for_events, wait_until
from tests.ui.recorded import FROZEN_NOW, RecordedSweep
from tuneterm.domain.resources import ResourceSample, TrialSample
from tuneterm.storage.output_writer import OutputWriter
from tuneterm.storage.samples import record_samples
from tuneterm.storage.trial_output import STDERR, STDOUT
from tuneterm.ui.app import TuneTermApp
from tuneterm.ui.screens.detail import TrialDetailScreen
from tuneterm.ui.widgets.output_pane import OutputPane

RUNNING = "a1b2c_00006"
"""The recorded sweep's running trial: `G k k k` puts the cursor on it."""
TO_RUNNING = ("G", "k", "k", "k")
HOSTILE = "warning: \x1b[31mred\x1b[0m [bold]x[/] \u202eevil"


def write_output(path: Path, batches: list[tuple[str, bytes]], trial_id: str = RUNNING) -> None:
    """Append `batches` to a trial's output files, recorded in order, as the driver does."""
    writer = OutputWriter(path)
    for number, (stream, data) in enumerate(batches):
        writer.write(trial_id, stream, data, FROZEN_NOW + number)
    writer.close()


def epochs(first: int, last: int) -> bytes:
    return b"".join(b"epoch %d loss %.4f\n" % (n, 1 / (n + 1)) for n in range(first, last + 1))


def some_output(path: Path) -> None:
    """300 stdout lines, a hostile stderr line, a stdout line, an unfinished progress bar."""
    write_output(
        path,
        [
            (STDOUT, epochs(0, 299)),
            (STDERR, HOSTILE.encode() + b"\n"),
            (STDOUT, b"checkpoint saved\n 50%|#####"),
        ],
    )


def record_usage(sweep: RecordedSweep, trial_id: str = RUNNING, *, gpu: bool = False) -> None:
    """Twelve samples 2 s apart, ending at the frozen clock: CPU and memory rising."""
    samples = [
        TrialSample(
            trial_id,
            ResourceSample(
                time=FROZEN_NOW - 22 + 2 * n,
                cpu_percent=40.0 + 5 * n,
                rss_bytes=(400 + 20 * n) << 20,
                gpu_memory_bytes=(2 << 30) + (n << 26) if gpu else None,
                gpu_util_percent=60.0 + n if gpu else None,
            ),
        )
        for n in range(12)
    ]
    record_samples(sweep.store, samples)


async def open_output(pilot: Pilot[object], app: TuneTermApp, sweep: RecordedSweep) -> OutputPane:
    """Open the running trial's detail, then its output; once the tail is shown."""
    await wait_for_events(pilot, app, sweep.event_count)
    await pilot.press(*TO_RUNNING, "enter")
    assert isinstance(app.screen, TrialDetailScreen)
    await pilot.press("o")
    pane = app.screen.query_one(OutputPane)
    await wait_until(pilot, lambda: pane.buffer.front is not None or "kept" in pane.view.note)
    return pane
