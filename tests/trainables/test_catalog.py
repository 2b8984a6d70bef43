"""The built-in trainables' catalog: consistent with itself, and readable without torch."""

import json
import subprocess
import sys

from tuneterm.trainables.catalog import (
    BUILTIN_HYPERPARAMETERS,
    BUILTIN_METRICS,
    CATALOG,
    DATASETS,
    LOWER_IS_BETTER,
    ON_DISK_DATASETS,
    OPTIMIZERS,
)


def test_the_catalog_is_the_module_s_facts() -> None:
    assert CATALOG.hyperparameters is BUILTIN_HYPERPARAMETERS
    assert (CATALOG.metrics, CATALOG.optimizers, CATALOG.datasets) == (
        BUILTIN_METRICS,
        OPTIMIZERS,
        DATASETS,
    )
    assert set(LOWER_IS_BETTER) <= set(BUILTIN_METRICS)
    assert set(ON_DISK_DATASETS) <= set(DATASETS)
    assert {defaults["optimizer"] for defaults in BUILTIN_HYPERPARAMETERS.values()} <= set(
        OPTIMIZERS
    )


def test_reading_a_config_file_loads_no_torch() -> None:
    code = (
        "import json, sys\n"
        "import tuneterm.storage.config_file, tuneterm.trainables.catalog\n"
        "print(json.dumps([m for m in ('torch', 'ray', 'textual') if m in sys.modules]))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(output) == []
