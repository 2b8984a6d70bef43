"""The limits a config is held to because of what runs it: the file system, TOML, the searchers.

Ray, the search algorithms and the file system would refuse these values only once the sweep had
started, with a traceback; here they are one line before anything starts.
"""

import math
import re

from tuneterm.domain.config.space import Param, ValidationError, require, show
from tuneterm.domain.config.spec import ExperimentConfig

__all__ = [
    "LONGEST_NAME",
    "MOST_TRIALS_UNBUDGETED",
    "SEED_LIMIT",
    "check_integers",
    "check_name",
    "check_seed",
    "check_space_seeds",
    "check_trial_count",
]

_NAME = re.compile(r"[A-Za-z0-9._-]+")

LONGEST_NAME = 255 - len("-YYYYMMDD-HHMMSS-999")
"""Characters in an experiment name: its directory adds the start time (and a counter when two
start in the same second), and file systems allow 255 bytes, one per ASCII character."""
SEED_LIMIT = 2**32
"""Seeds run from 0 to SEED_LIMIT - 1: what NumPy's and HyperOpt's random generators accept."""
MOST_TRIALS_UNBUDGETED = 100_000
"""More trials than this need `experiment.time_budget_s`, or the sweep would all but never end."""
_TOML_INTEGERS = range(-(2**63), 2**63)
"""TOML integers are 64-bit; Python's tomllib reads any size, which Ray cannot use."""


def check_integers(value: object, key: str = "") -> None:
    """Refuse an integer beyond TOML's 64 bits anywhere in TOML-shaped `value`."""
    if isinstance(value, dict):
        for name, item in value.items():
            check_integers(item, f"{key}.{name}" if key else name)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            check_integers(item, f"{key}[{index}]")
    elif isinstance(value, int) and value not in _TOML_INTEGERS:
        limits = f"{_TOML_INTEGERS.start} to {_TOML_INTEGERS.stop - 1}"
        message = f"{show(value)} is beyond TOML's 64-bit integers: use one from {limits}"
        raise ValidationError(key, message)


def check_seed(seed: int | None, key: str) -> None:
    """Refuse a seed the search algorithms cannot take."""
    message = f"must be from 0 to {SEED_LIMIT - 1} (2**32 - 1), which the search algorithms"
    message += f" and NumPy accept as a seed (got {show(seed)})"
    require(seed is None or 0 <= seed < SEED_LIMIT, key, message)


def _is_seed(name: str) -> bool:
    return name == "seed" or name.endswith("_seed")


def check_name(name: str) -> None:
    """Refuse an experiment name that cannot name its directory."""
    require(name not in ("", ".", ".."), "experiment.name", f"{show(name)} cannot name a directory")
    message = f"{show(name)} may use only ASCII letters, digits, - _ . (it names a directory)"
    require(_NAME.fullmatch(name) is not None, "experiment.name", message)
    message = (
        f"is {len(name)} characters long: use at most {LONGEST_NAME}, so that the experiment's"
        " directory (the name, then -YYYYMMDD-HHMMSS) fits the file system's 255 bytes"
    )
    require(len(name) <= LONGEST_NAME, "experiment.name", message)


def check_space_seeds(params: tuple[Param, ...]) -> None:
    """Refuse integer values the user's trainable cannot take as a seed parameter."""
    for param in params:
        if _is_seed(param.name):
            for value in param.values:
                if isinstance(value, int) and not isinstance(value, bool):
                    check_seed(value, f"search_space.{param.name}")


def check_trial_count(config: ExperimentConfig) -> None:
    """Refuse a sweep too large to end in days unless it has a time budget."""
    experiment = config.experiment
    grids = [param for param in config.search_space if param.kind == "grid"]
    grid_points = math.prod(len(param.values) for param in grids)
    trials = experiment.num_samples * grid_points
    if trials <= MOST_TRIALS_UNBUDGETED or experiment.time_budget_s is not None:
        return
    count = f"{trials} trials"
    if grid_points > 1:
        count = f"{experiment.num_samples} samples x {grid_points} grid points = {count}"
    message = (
        f"{count} would keep the sweep going for days: use at most {MOST_TRIALS_UNBUDGETED},"
        " or set experiment.time_budget_s to the seconds after which the sweep ends"
    )
    raise ValidationError("experiment.num_samples", message)
