"""Fixtures for the dashboard tests: a sweep recorded through the Store API, a frozen clock."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ui.recorded import FROZEN_NOW, RecordedSweep, record_sweep
from tuneterm.storage.sources import open_source
from tuneterm.ui.app import TuneTermApp, create_app


@pytest.fixture
def sweep(tmp_path: Path) -> RecordedSweep:
    """A running ASHA-style sweep: completed, stopped-at-rung, errored and running trials."""
    return record_sweep(tmp_path / "mnist-20231114-221320")


@pytest.fixture
def make_app():
    """Builds the dashboard on an experiment directory, with a frozen clock and a fast poll."""
    sources = []

    def build(expdir: Path, **options: object) -> TuneTermApp:
        source = open_source(expdir)
        sources.append(source)
        options.setdefault("clock", lambda: FROZEN_NOW)
        options.setdefault("poll_interval", 0.01)
        return create_app(source, **options)  # type: ignore[arg-type]

    yield build
    for source in sources:
        source.close()
