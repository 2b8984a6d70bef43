"""The config.json a driver recorded next to its sweep, read back by whoever shows the sweep.

It lives apart from the TOML reader so that reading it needs nothing of the built-in trainables.
"""

import json
from pathlib import Path

from tuneterm.domain.config.space import ValidationError
from tuneterm.domain.config.spec import ConfigError, ExperimentConfig
from tuneterm.domain.config.validation import build_recorded_config

__all__ = ["read_recorded_config"]


def read_recorded_config(path: Path) -> ExperimentConfig:
    """The config.json a driver recorded, read back without the checks that depend on where it
    is read (importing a custom trainable, the data set's directory): a dashboard started
    elsewhere still gets the search space and the hypotheses. Raises ConfigError.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ConfigError(str(path), "", None, f"cannot read: {error}") from None
    try:
        return build_recorded_config(data)
    except ValidationError as error:
        raise ConfigError(str(path), error.key, None, error.message) from None
