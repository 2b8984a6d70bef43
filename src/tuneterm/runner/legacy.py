"""The module names under which sweeps started before the code moved into rooms pickled their
objects into Ray's saved state (tuner.pkl), so that `tuneterm resume` still restores them."""

from __future__ import annotations

import importlib
import sys

OLD_RUNNER_PACKAGE = "tuneterm.tune"
"""The runner's package before it was `tuneterm.runner`."""

RENAMED_MODULES = {
    OLD_RUNNER_PACKAGE: "tuneterm.runner",
    **{
        f"{OLD_RUNNER_PACKAGE}.{name}": f"tuneterm.runner.{name}"
        for name in ("callback", "control", "retention", "scheduler", "space")
    },
}
"""Each old module name whose objects a saved state may hold, and the module that has them now."""


def alias_renamed_modules() -> None:
    """Make every old module name import as its new module, for unpickling only: the restored
    objects are replaced by fresh ones before the sweep goes on (see control.rewire_restored)."""
    for old, new in RENAMED_MODULES.items():
        sys.modules.setdefault(old, importlib.import_module(new))
