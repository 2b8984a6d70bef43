"""Resource samples in the store: the time series, the latest per trial, the schema upgrade."""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

from tuneterm.domain.resources import (
    ResourceSample,
    TrialSample,
    format_bytes,
    format_percent,
    latest_by_trial,
)
from tuneterm.storage.samples import latest_resource_samples, record_samples, resource_samples
from tuneterm.storage.schema import SCHEMA_VERSION
from tuneterm.storage.sources import open_source
from tuneterm.storage.store import Store


def sample(time: float, rss: int = 100, gpu: int | None = None) -> ResourceSample:
    return ResourceSample(time, 50.0, rss, gpu, None if gpu is None else 30.0)


def make_store(path: Path) -> Store:
    store = Store.create(path / Store.FILENAME, {"name": "s", "metric": "acc", "mode": "max"})
    for trial_id in ("t1", "t2", "t3"):
        store.record_trial_started(trial_id, {})
    return store


def test_a_trials_samples_come_back_in_time_order_and_since_a_time(tmp_path: Path) -> None:
    with make_store(tmp_path) as store:
        written = [sample(3.0, 300), sample(1.0, 100, gpu=5 << 30), sample(2.0, 200)]
        assert record_samples(store, [TrialSample("t1", s) for s in written]) == 3
        record_samples(store, [TrialSample("t2", sample(1.5))])
        assert resource_samples(store, "t1") == sorted(written, key=lambda s: s.time)
        assert resource_samples(store, "t1", since=2.0) == [sample(3.0, 300)]
        assert resource_samples(store, "nobody") == []
        assert resource_samples(store, "t1")[0].gpu_memory_bytes == 5 << 30


def test_the_latest_sample_of_each_trial(tmp_path: Path) -> None:
    with make_store(tmp_path) as store:
        rows = [("t1", 1.0), ("t2", 5.0), ("t1", 4.0), ("t1", 2.0)]
        record_samples(store, [TrialSample(t, sample(at, int(at * 10))) for t, at in rows])
        assert latest_resource_samples(store) == {"t1": sample(4.0, 40), "t2": sample(5.0, 50)}
        assert latest_resource_samples(store, ["t2", "t3"]) == {"t2": sample(5.0, 50)}
    pure = [TrialSample(t, sample(at)) for t, at in rows]
    assert latest_by_trial(pure) == {"t1": sample(4.0), "t2": sample(5.0)}


def test_the_dashboards_source_reads_samples_and_output_paths(tmp_path: Path) -> None:
    with make_store(tmp_path) as store:
        record_samples(store, [TrialSample("t1", sample(1.0))])
    source = open_source(tmp_path)
    try:
        assert source.resource_samples("t1") == [sample(1.0)]
        assert source.latest_resource_samples() == {"t1": sample(1.0)}
        assert source.output_paths("t1") == (
            tmp_path / "logs" / "t1" / "stdout",
            tmp_path / "logs" / "t1" / "stderr",
        )
    finally:
        source.close()


def test_a_store_of_schema_2_gets_the_samples_table_on_open(tmp_path: Path) -> None:
    path = tmp_path / Store.FILENAME
    make_store(tmp_path).close()
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("DROP TABLE resource_samples")
        conn.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
        conn.commit()
    with Store.open(path) as store:
        assert store.meta()["schema_version"] == SCHEMA_VERSION == 3
        record_samples(store, [TrialSample("t1", sample(1.0))])
        assert resource_samples(store, "t1") == [sample(1.0)]


def test_sizes_and_percentages_as_a_table_shows_them() -> None:
    assert [format_bytes(n) for n in (None, 512, 2048, 200 << 20, 1288490189, 3 << 40)] == [
        "-", "512 B", "2 KiB", "200 MiB", "1.2 GiB", "3 TiB",
    ]  # fmt: skip
    assert (format_percent(None), format_percent(37.4), format_percent(250.0)) == (
        "-", "37%", "250%",
    )  # fmt: skip


RAY_PLAIN = Path(__file__).parents[1] / "data" / "ray_plain" / "plain"


def test_a_plain_ray_directory_has_no_samples_and_output_only_where_ray_wrote_it(
    tmp_path: Path,
) -> None:
    copy = Path(shutil.copytree(RAY_PLAIN, tmp_path / "plain"))
    trial_dir = copy / "trainable_43340_00001_1_x=2_2026-11-25_02-09-37"
    (trial_dir / "stderr").write_text("Traceback ...\n")
    source = open_source(copy)
    try:
        assert source.resource_samples("43340_00000") == []
        assert source.latest_resource_samples() == {}
        assert source.output_paths("43340_00000") is None, "Ray kept no output for it"
        assert source.output_paths("43340_00001") == (trial_dir / "stdout", trial_dir / "stderr")
        assert source.output_paths("nobody") is None
    finally:
        source.close()
