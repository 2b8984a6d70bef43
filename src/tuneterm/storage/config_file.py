"""The experiment's TOML file, read and validated against the built-ins and this machine."""

import importlib.util
import os
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tuneterm.domain.config.space import ValidationError
from tuneterm.domain.config.spec import ConfigError, ExperimentConfig
from tuneterm.domain.config.toml_error import explain_toml_error
from tuneterm.domain.config.toml_text import (
    OVERRIDE_SOURCE,
    apply_override,
    locate_key,
    parse_override,
)
from tuneterm.domain.config.validation import build_config
from tuneterm.storage.user_code import UserCodeError, import_trainable
from tuneterm.trainables.catalog import CATALOG

__all__ = ["LocalWorkspace", "config_from_dict", "key_error", "load_config"]


class LocalWorkspace:
    """This process's machine: the user's code on its working directory, its data directories,
    its experiments (names looked up in `root`, by default $TUNETERM_ROOT or its default)."""

    def __init__(self, root: Path | None = None, *, recorded: bool = False) -> None:
        self.root = root
        self.recorded = recorded
        """Checking a recorded config: its compare_with holds the directories found when it was
        written, and one deleted since is for the journal to report, not a reason to refuse it."""

    def absolute(self, path: str) -> str:
        """`path` with ~ expanded, made absolute against the working directory."""
        return os.path.abspath(os.path.expanduser(path))

    def directory_problem(self, path: str) -> str | None:
        """Why `path` is not a directory here; None when it is one."""
        if not os.path.exists(path):
            return f"{path} does not exist"
        if not os.path.isdir(path):
            return f"{path} is not a directory"
        return None

    def entry_point_problem(self, entry_point: str) -> str | None:
        """Why "package.module:function" does not import to a callable here; None when it does."""
        try:
            import_trainable(entry_point)
        except UserCodeError as error:
            return str(error)
        return None

    def has_module(self, module: str) -> bool:
        """Whether `module` is installed here; found without importing it."""
        return importlib.util.find_spec(module) is not None

    def import_problem(self, module: str) -> str | None:
        """Why `module` does not import here; None when it does. Really imported, in a child."""
        from tuneterm.storage.optional_import import import_problem

        return import_problem(module)

    def storage_problem(self, location: str) -> str | None:
        """Why a sweep could not write to `location` from here; None when it can."""
        from tuneterm.storage.ray_storage import storage_problem

        return storage_problem(location)

    def command_problem(self, program: str) -> str | None:
        """Why `program` (an alert command's first word) cannot be run here; None when it can."""
        from tuneterm.storage.alert_delivery import command_problem

        return command_problem(program)

    def find_experiment(self, reference: str) -> str:
        """The directory of the experiment named `reference`, or at it; LookupError if none."""
        from tuneterm.storage.experiment import default_root
        from tuneterm.storage.experiment_lookup import find_experiment

        if self.recorded:
            return self.absolute(reference)
        root = (self.root or default_root()).expanduser()
        return str(find_experiment(reference, root))


def load_config(
    path: str | Path, overrides: Sequence[str] = (), root: Path | None = None
) -> ExperimentConfig:
    """Read a TOML file, apply `--set` overrides ("dotted.key=value"), validate; or ConfigError.
    Experiments named in compare_with are looked up in `root` (default: `default_root()`)."""
    file = str(path)
    text = _read_text(file)
    data = _parse_toml(text, file)
    set_keys = [apply_override(data, override) for override in overrides]
    try:
        return build_config(data, CATALOG, LocalWorkspace(root))
    except ValidationError as error:
        raise _located(file, text, set_keys, error.key, error.message) from None


def key_error(
    path: str | Path, key: str, message: str, overrides: Sequence[str] = ()
) -> ConfigError:
    """A problem found after loading, with `key`, in the file at its line or against `--set`."""
    file = str(path)
    set_keys = [_override_key(override) for override in overrides]
    return _located(file, _read_text(file), set_keys, key, message)


def config_from_dict(data: Mapping[str, Any], source: str = "<dict>") -> ExperimentConfig:
    """Validate a TOML-shaped dict (`ExperimentConfig.to_dict`'s: a recorded config, whose
    compare_with directories are not looked for again); `source` names it in errors."""
    try:
        return build_config(data, CATALOG, LocalWorkspace(recorded=True))
    except ValidationError as error:
        raise ConfigError(source, error.key, None, error.message) from None


def _read_text(file: str) -> str:
    try:
        raw = Path(file).read_bytes()
    except FileNotFoundError:
        raise ConfigError(file, "", None, "no such file") from None
    except IsADirectoryError:
        raise ConfigError(file, "", None, "is a directory, not a TOML file") from None
    except OSError as error:
        raise ConfigError(file, "", None, f"cannot read: {error.strerror or error}") from None
    try:
        # utf-8-sig: some editors start files with a byte-order mark, which tomllib rejects.
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        message = f"not valid UTF-8 (byte 0x{raw[error.start]:02x} at offset {error.start})"
        raise ConfigError(file, "", line, message) from None


def _parse_toml(text: str, file: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except ValueError as error:  # TOMLDecodeError, or an integer Python will not read
        line, message = explain_toml_error(text, str(error))
        raise ConfigError(file, "", line, f"invalid TOML: {message}") from None


def _located(file: str, text: str, set_keys: Sequence[str], key: str, message: str) -> ConfigError:
    if any(_is_within(key, set_key) for set_key in set_keys):
        return ConfigError(OVERRIDE_SOURCE, key, None, message)
    return ConfigError(file, key, locate_key(text, key), message)


def _override_key(override: str) -> str:
    key = parse_override(override)[0]
    # search_space.lr.loguniform=[...] replaces all of search_space.lr.
    return ".".join(key.split(".")[:2])


def _is_within(key: str, prefix: str) -> bool:
    return key == prefix or key.startswith((f"{prefix}.", f"{prefix}["))
