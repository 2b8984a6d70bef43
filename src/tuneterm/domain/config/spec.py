"""The experiment config: one TOML file describing a sweep, read into frozen, validated specs.

Everything is checked here, before Ray starts, so that a mistake is one line naming the file, the
key and the line, rather than a traceback from a worker process minutes into the sweep.
"""

import dataclasses
import importlib
import json
import os
import re
import sys
import tomllib
import types
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from tuneterm.domain.config.space import (
    DISTRIBUTIONS,
    Param,
    ValidationError,
    check_builtin_space,
    check_hypothesis,
    check_search,
    describe,
    did_you_mean,
    is_number,
    one_of,
    parse_search_space,
    require,
    show,
)

__all__ = [
    "BUILTIN_HYPERPARAMETERS",
    "BUILTIN_METRICS",
    "DATASETS",
    "OPTIMIZERS",
    "ConfigError",
    "DatasetSpec",
    "ExperimentConfig",
    "ExperimentSpec",
    "Hypothesis",
    "Param",
    "ResourceSpec",
    "SchedulerSpec",
    "SearchSpec",
    "TrainableSpec",
    "apply_override",
    "load_config",
    "locate_key",
    "parse_override",
    "read_recorded_config",
]

BUILTIN_METRICS: tuple[str, ...] = ("accuracy", "train_loss", "val_loss")
"""What the built-in trainables report every epoch."""

BUILTIN_HYPERPARAMETERS: dict[str, dict[str, object]] = {
    "cnn": {
        "num_conv_layers": 2,
        "start_filters": 32,
        "kernel_size": 3,
        "fc_units": 128,
        "dropout": 0.25,
        "batch_norm": False,
        "pooling": True,
        "lr": 1e-3,
        "batch_size": 32,
        "optimizer": "adam",
        "weight_decay": 0.0,
        "momentum": 0.9,
    },
    "mlp": {
        "hidden_units": 128,
        "num_layers": 2,
        "dropout": 0.0,
        "batch_norm": False,
        "lr": 1e-3,
        "batch_size": 32,
        "optimizer": "adam",
        "weight_decay": 0.0,
        "momentum": 0.9,
    },
}
"""Built-in trainable name -> hyperparameter -> the default used when the search space omits it."""

OPTIMIZERS: tuple[str, ...] = ("sgd", "adam", "adamw", "rmsprop")
"""Accepted values of the built-ins' `optimizer` hyperparameter (lower case)."""

DATASETS: tuple[str, ...] = ("digits", "synthetic", "mnist", "fashion_mnist", "image_folder")
"""Data sets the built-in trainables can read."""

_ON_DISK = ("mnist", "fashion_mnist", "image_folder")
_MODES = ("max", "min")
_ALGORITHMS = ("hyperopt", "random", "grid")
_SCHEDULERS = ("asha", "median", "fifo")
_LOWER_IS_BETTER = ("train_loss", "val_loss")
_SET = "--set"
_NAME = re.compile(r"^[A-Za-z0-9._-]+$")
_ENTRY_POINT = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*:[A-Za-z_]\w*$")


class ConfigError(Exception):
    """One-line, user-facing config error."""

    file: str
    """The path as the user gave it, or "--set" for a command-line override."""
    key: str
    """Dotted key, e.g. "search_space.lr"; empty for file-level errors."""
    line: int | None
    """1-based line in the TOML file, when known."""
    message: str
    """What is wrong, on one line."""

    def __init__(self, file: str, key: str, line: int | None, message: str) -> None:
        # Foreign text (tomllib, user exceptions) may span lines; the CLI prints one.
        message = " ".join(message.split())
        super().__init__(file, key, line, message)
        self.file, self.key, self.line, self.message = file, key, line, message

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


@dataclass(frozen=True)
class ExperimentSpec:
    """[experiment]: what the sweep is called and what it optimises."""

    name: str
    """Letters, digits, - _ . only: it names the experiment's directory."""
    metric: str
    """The reported metric trials are ranked and scheduled by."""
    mode: str
    """"max" or "min": whether a larger metric is better."""
    num_samples: int = 1
    """Trials to sample (with grid parameters: repeats of the whole grid)."""
    max_concurrent_trials: int | None = None
    """At most this many trials at once; None lets the resources decide."""
    seed: int | None = None
    """Seed for the trainables (and the search when [search] has none)."""


@dataclass(frozen=True)
class TrainableSpec:
    """[trainable]: the function every trial runs."""

    name: str = "cnn"
    """"cnn", "mlp" or "package.module:function"."""
    epochs: int = 10
    """Epochs (training iterations) per trial."""

    @property
    def is_builtin(self) -> bool:
        """True for the trainables shipped with tuneterm."""
        return self.name in BUILTIN_HYPERPARAMETERS


@dataclass(frozen=True)
class DatasetSpec:
    """[dataset]: what the built-in trainables train on. Nothing is ever downloaded."""

    name: str = "digits"
    """One of DATASETS."""
    root: str | None = None
    """Directory holding the data (~ expanded, absolute); required for the on-disk data sets."""
    val_fraction: float = 0.2
    """Share of the samples held out for validation, in (0, 1)."""
    image_size: int = 28
    """Side in pixels: image_folder resizes to it, synthetic generates it."""
    samples: int = 512
    """Number of synthetic samples."""
    num_classes: int = 10
    """Number of synthetic classes."""
    limit: int | None = None
    """Use at most this many training samples (quick runs on large data sets)."""


@dataclass(frozen=True)
class SearchSpec:
    """[search]: how the next trial's hyperparameters are chosen."""

    algorithm: str = "hyperopt"
    """"hyperopt" (TPE), "random" or "grid"."""
    seed: int | None = None
    """Seed for the search algorithm."""
    points_to_evaluate: tuple[dict[str, Any], ...] = ()
    """Configurations HyperOpt tries first, each naming every tuned parameter."""
    n_initial_points: int = 20
    """Random trials HyperOpt runs before its model takes over."""


@dataclass(frozen=True)
class SchedulerSpec:
    """[scheduler]: which trials are stopped early."""

    name: str = "fifo"
    """"asha", "median" or "fifo" (never stop early)."""
    max_t: int | None = None
    """ASHA: the last epoch; None means trainable.epochs."""
    grace_period: int = 1
    """ASHA and median: epochs a trial runs before it may be stopped."""
    reduction_factor: float = 3.0
    """ASHA: only 1 in reduction_factor trials goes on at each rung."""
    min_samples_required: int = 3
    """Median: trials needed at an epoch before the median is trusted."""


@dataclass(frozen=True)
class ResourceSpec:
    """[resources]: what one trial reserves; fractions let trials share a card."""

    cpu: float = 1.0
    """CPU cores per trial."""
    gpu: float = 0.0
    """GPUs per trial: 0.5 lets two trials share one card."""


@dataclass(frozen=True)
class Hypothesis:
    """[[hypotheses]]: a claim the sweep should confirm or refute."""

    id: str
    """Short unique label, e.g. "H1"."""
    statement: str
    """The claim in words."""
    parameter: str
    """The tuned parameter the claim is about."""
    expected: Any
    """"higher" (larger values give a better metric), "lower", or the value expected to be best."""
    reasoning: str = ""
    """Why the claim is expected to hold."""


@dataclass(frozen=True)
class ExperimentConfig:
    """A whole, validated experiment config."""

    experiment: ExperimentSpec
    """[experiment]."""
    trainable: TrainableSpec
    """[trainable]."""
    dataset: DatasetSpec
    """[dataset]."""
    search_space: tuple[Param, ...]
    """[search_space], in file order."""
    search: SearchSpec
    """[search]."""
    scheduler: SchedulerSpec
    """[scheduler]."""
    resources: ResourceSpec
    """[resources]."""
    hypotheses: tuple[Hypothesis, ...] = ()
    """[[hypotheses]], in file order."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable plain dict in the TOML's own shape; `from_dict` reads it back."""
        sections = ("experiment", "trainable", "dataset", "search", "scheduler", "resources")
        data: dict[str, Any] = {name: _spec_dict(getattr(self, name)) for name in sections}
        data["search_space"] = {param.name: _plain(param.to_toml()) for param in self.search_space}
        data["hypotheses"] = [_spec_dict(hypothesis) for hypothesis in self.hypotheses]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "<dict>") -> "ExperimentConfig":
        """Validate a TOML-shaped dict; `source` names it in errors. Raises ConfigError."""
        try:
            return _build(data)
        except ValidationError as error:
            raise ConfigError(source, error.key, None, error.message) from None

    def param(self, name: str) -> Param | None:
        """The search-space entry for `name`, if any."""
        return next((param for param in self.search_space if param.name == name), None)

    @property
    def tuned_names(self) -> tuple[str, ...]:
        """Names of the non-constant parameters, in file order."""
        return tuple(param.name for param in self.search_space if param.is_tuned)


def _spec_dict(spec: Any) -> dict[str, Any]:
    # TOML has no null: an unset optional key is simply absent.
    values = {field.name: getattr(spec, field.name) for field in dataclasses.fields(spec)}
    return {name: _plain(value) for name, value in values.items() if value is not None}


def _plain(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


# Reading: data -> specs ------------------------------------------------------------------------

_SECTIONS: dict[str, type] = {
    "experiment": ExperimentSpec,
    "trainable": TrainableSpec,
    "dataset": DatasetSpec,
    "search_space": dict,
    "search": SearchSpec,
    "scheduler": SchedulerSpec,
    "resources": ResourceSpec,
    "hypotheses": Hypothesis,
}
_Spec = TypeVar("_Spec")


def _build(data: Mapping[str, Any]) -> ExperimentConfig:
    for name in data:
        require(name in _SECTIONS, name, f"unknown table '{name}'{did_you_mean(name, _SECTIONS)}")
    require("experiment" in data, "experiment", "missing required table [experiment]")
    config = ExperimentConfig(
        experiment=_section(data, "experiment", ExperimentSpec, _checked_experiment),
        trainable=_section(data, "trainable", TrainableSpec, _checked_trainable),
        dataset=_section(data, "dataset", DatasetSpec, _checked_dataset),
        search_space=parse_search_space(_table(data, "search_space")),
        search=_section(data, "search", SearchSpec, _checked_search),
        scheduler=_section(data, "scheduler", SchedulerSpec, _checked_scheduler),
        resources=_section(data, "resources", ResourceSpec, _checked_resources),
        hypotheses=_hypotheses(data.get("hypotheses", [])),
    )
    _check_across_sections(config)
    return config


def _table(data: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    table = data.get(name, {})
    require(isinstance(table, dict), name, f"expected a table [{name}], got {describe(table)}")
    return typing.cast(Mapping[str, Any], table)


def _section(
    data: Mapping[str, Any], name: str, spec: type[_Spec], check: Callable[[_Spec], _Spec]
) -> _Spec:
    return check(_read(spec, _table(data, name), name))


def _read(spec: type[_Spec], table: Mapping[str, Any], key: str) -> _Spec:
    """Build `spec` from `table`, type-checking every key against the dataclass annotations."""
    fields = {field.name: field for field in dataclasses.fields(spec)}  # type: ignore[arg-type]
    for name in table:
        require(
            name in fields, f"{key}.{name}", f"unknown key '{name}'{did_you_mean(name, fields)}"
        )
    for name, field in fields.items():
        required = field.default is dataclasses.MISSING
        require(name in table or not required, f"{key}.{name}", "required key is missing")
    hints = typing.get_type_hints(spec)
    values = {name: _typed(table[name], hints[name], f"{key}.{name}") for name in table}
    return spec(**values)


def _typed(value: object, hint: object, key: str) -> object:
    if hint is Any:
        return value
    options = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    for option in options:
        converted = _converted(value, option)
        if converted is not _MISMATCH:
            return converted
    raise ValidationError(key, f"expected {_type_name(options[0])}, got {describe(value)}")


_MISMATCH = object()


def _converted(value: object, option: object) -> object:
    if option is type(None):
        return None if value is None else _MISMATCH
    if option is int:
        return value if isinstance(value, int) and not isinstance(value, bool) else _MISMATCH
    if option is float:
        return float(value) if isinstance(value, int | float) and is_number(value) else _MISMATCH
    if option is str:
        return value if isinstance(value, str) else _MISMATCH
    if isinstance(value, list | tuple) and _is_table_array(value):
        return tuple(dict(item) for item in value)
    return _MISMATCH


def _type_name(option: object) -> str:
    names: dict[object, str] = {int: "an integer", float: "a number", str: "a string"}
    return names.get(option, "an array of tables")


def _is_table_array(value: object) -> bool:
    return isinstance(value, list | tuple) and all(isinstance(item, dict) for item in value)


def _at_least(value: float, minimum: float, key: str) -> None:
    require(value >= minimum, key, f"must be at least {minimum} (got {show(value)})")


def _checked_experiment(spec: ExperimentSpec) -> ExperimentSpec:
    name_ok = _NAME.match(spec.name) is not None and spec.name not in (".", "..")
    require(name_ok, "experiment.name", f"{show(spec.name)} may use only letters, digits, - _ .")
    require(spec.metric != "", "experiment.metric", "must not be empty")
    one_of(spec.mode, _MODES, "experiment.mode", "mode")
    _at_least(spec.num_samples, 1, "experiment.num_samples")
    if spec.max_concurrent_trials is not None:
        _at_least(spec.max_concurrent_trials, 1, "experiment.max_concurrent_trials")
    return spec


def _checked_trainable(spec: TrainableSpec) -> TrainableSpec:
    _at_least(spec.epochs, 1, "trainable.epochs")
    if spec.is_builtin:
        return spec
    hint = did_you_mean(spec.name, BUILTIN_HYPERPARAMETERS)
    require(
        _ENTRY_POINT.match(spec.name) is not None,
        "trainable.name",
        f"unknown trainable {show(spec.name)}{hint}: use cnn, mlp or package.module:function",
    )
    _check_importable(spec.name)
    return spec


def _check_importable(entry_point: str) -> None:
    module_name, _, attribute = entry_point.partition(":")
    # Users run tuneterm next to their training script, which is not an installed package.
    cwd = os.getcwd()
    if sys.path[:1] != [cwd]:
        sys.path.insert(0, cwd)
    try:
        module = importlib.import_module(module_name)
    except (Exception, SystemExit) as error:
        message = f"cannot import '{module_name}' ({type(error).__name__}: {error})"
        raise ValidationError("trainable.name", message) from None
    require(
        hasattr(module, attribute),
        "trainable.name",
        f"module '{module_name}' has no attribute '{attribute}'",
    )
    target = getattr(module, attribute)
    kind = type(target).__name__
    require(callable(target), "trainable.name", f"'{entry_point}' is not callable (it is a {kind})")


def _checked_dataset(spec: DatasetSpec) -> DatasetSpec:
    one_of(spec.name, DATASETS, "dataset.name", "data set")
    fraction = spec.val_fraction
    require(0 < fraction < 1, "dataset.val_fraction", f"must be between 0 and 1 (got {fraction})")
    _at_least(spec.image_size, 1, "dataset.image_size")
    _at_least(spec.num_classes, 2, "dataset.num_classes")
    _at_least(spec.samples, 2 * spec.num_classes, "dataset.samples")
    if spec.limit is not None:
        _at_least(spec.limit, 1, "dataset.limit")
    if spec.root is not None:
        spec = dataclasses.replace(spec, root=os.path.abspath(os.path.expanduser(spec.root)))
    if spec.name in _ON_DISK:
        _check_root(spec.name, spec.root)
    return spec


def _check_root(name: str, root: str | None) -> None:
    if root is None:
        raise ValidationError("dataset.root", f"data set '{name}' is read from disk: set root")
    require(os.path.exists(root), "dataset.root", f"{root} does not exist")
    require(os.path.isdir(root), "dataset.root", f"{root} is not a directory")


def _checked_search(spec: SearchSpec) -> SearchSpec:
    one_of(spec.algorithm, _ALGORITHMS, "search.algorithm", "algorithm")
    _at_least(spec.n_initial_points, 1, "search.n_initial_points")
    return spec


def _checked_scheduler(spec: SchedulerSpec) -> SchedulerSpec:
    one_of(spec.name, _SCHEDULERS, "scheduler.name", "scheduler")
    if spec.max_t is not None:
        _at_least(spec.max_t, 1, "scheduler.max_t")
    _at_least(spec.grace_period, 1, "scheduler.grace_period")
    factor = spec.reduction_factor
    require(factor > 1, "scheduler.reduction_factor", f"must be greater than 1 (got {factor})")
    _at_least(spec.min_samples_required, 1, "scheduler.min_samples_required")
    return spec


def _checked_resources(spec: ResourceSpec) -> ResourceSpec:
    require(spec.cpu > 0, "resources.cpu", f"must be greater than 0 (got {spec.cpu})")
    require(spec.gpu >= 0, "resources.gpu", f"must not be negative (got {spec.gpu})")
    for name, amount in (("cpu", spec.cpu), ("gpu", spec.gpu)):
        # Ray accepts fractions of one unit only: 0.5 GPU, but not 1.5.
        whole = amount <= 1 or amount.is_integer()
        require(whole, f"resources.{name}", f"above 1 must be a whole number (got {amount})")
    return spec


def _hypotheses(entries: object) -> tuple[Hypothesis, ...]:
    message = "expected [[hypotheses]] tables, one per hypothesis"
    require(_is_table_array(entries), "hypotheses", message)
    hypotheses = tuple(
        _read(Hypothesis, entry, f"hypotheses[{index}]")
        for index, entry in enumerate(typing.cast(list[dict[str, Any]], entries))
    )
    first_use: dict[str, int] = {}
    for index, hypothesis in enumerate(hypotheses):
        key = f"hypotheses[{index}]"
        for name in ("id", "statement", "parameter"):
            require(getattr(hypothesis, name).strip() != "", f"{key}.{name}", "must not be empty")
        earlier = first_use.setdefault(hypothesis.id, index)
        message = f"duplicate id {show(hypothesis.id)} (also used by hypotheses[{earlier}])"
        require(earlier == index, f"{key}.id", message)
    return hypotheses


# Checks that need more than one section --------------------------------------------------------


def _check_across_sections(config: ExperimentConfig) -> None:
    if config.trainable.is_builtin:
        _check_builtin(config)
    search, params = config.search, config.search_space
    check_search(params, search.algorithm, search.points_to_evaluate)
    _check_scheduler(config)
    for index, hypothesis in enumerate(config.hypotheses):
        key = f"hypotheses[{index}]"
        check_hypothesis(params, hypothesis.parameter, hypothesis.expected, key)


def _check_builtin(config: ExperimentConfig) -> None:
    trainable, metric = config.trainable.name, config.experiment.metric
    defaults = BUILTIN_HYPERPARAMETERS[trainable]
    check_builtin_space(config.search_space, trainable, defaults, OPTIMIZERS)
    reported = ", ".join(BUILTIN_METRICS)
    message = f"metric {show(metric)} is never reported by trainable '{trainable}'"
    message += f" (it reports {reported})"
    require(metric in BUILTIN_METRICS, "experiment.metric", message)
    best = "min" if metric in _LOWER_IS_BETTER else "max"
    better = "lower" if best == "min" else "higher"
    message = f'{metric} is better when {better}: use mode = "{best}"'
    require(config.experiment.mode == best, "experiment.mode", message)


def _check_scheduler(config: ExperimentConfig) -> None:
    spec, epochs = config.scheduler, config.trainable.epochs
    if spec.name != "asha":
        return
    if spec.max_t is not None and config.trainable.is_builtin:
        message = f"{spec.max_t} can never be reached: trainable.epochs is {epochs}"
        require(spec.max_t <= epochs, "scheduler.max_t", message)
    max_t = spec.max_t if spec.max_t is not None else epochs
    message = f"{spec.grace_period} is above max_t ({max_t}): ASHA could never stop a trial"
    require(spec.grace_period <= max_t, "scheduler.grace_period", message)


# Files and overrides ---------------------------------------------------------------------------


def load_config(path: str | Path, overrides: Sequence[str] = ()) -> ExperimentConfig:
    """Read a TOML file, apply `--set` overrides ("dotted.key=value"), validate; or ConfigError."""
    file = str(path)
    text = _read_text(file)
    data = _parse_toml(text, file)
    set_keys = [apply_override(data, override) for override in overrides]
    try:
        return _build(data)
    except ValidationError as error:
        if any(_is_within(error.key, set_key) for set_key in set_keys):
            raise ConfigError(_SET, error.key, None, error.message) from None
        raise ConfigError(file, error.key, locate_key(text, error.key), error.message) from None


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
        require(isinstance(data, dict), "", f"expected a JSON object, got {describe(data)}")
        return ExperimentConfig(
            experiment=_read(ExperimentSpec, _table(data, "experiment"), "experiment"),
            trainable=_read(TrainableSpec, _table(data, "trainable"), "trainable"),
            dataset=_read(DatasetSpec, _table(data, "dataset"), "dataset"),
            search_space=parse_search_space(_table(data, "search_space")),
            search=_read(SearchSpec, _table(data, "search"), "search"),
            scheduler=_read(SchedulerSpec, _table(data, "scheduler"), "scheduler"),
            resources=_read(ResourceSpec, _table(data, "resources"), "resources"),
            hypotheses=_hypotheses(data.get("hypotheses", [])),
        )
    except ValidationError as error:
        raise ConfigError(str(path), error.key, None, error.message) from None


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
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        position = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
        if position is None:
            end = "at end of document" in message
            line = text.count("\n") + 1 if end else None
            raise ConfigError(file, "", line, f"invalid TOML: {message}") from None
        detail = f"{message[: position.start()]} (column {position[2]})"
        raise ConfigError(file, "", int(position[1]), f"invalid TOML: {detail}") from None


def _is_within(key: str, prefix: str) -> bool:
    return key == prefix or key.startswith((f"{prefix}.", f"{prefix}["))


def parse_override(text: str) -> tuple[str, Any]:
    """Split "dotted.key=value"; the value is read as TOML, or kept as a string if it is not."""
    key, separator, raw = text.partition("=")
    key, raw = key.strip(), raw.strip()
    if not separator:
        raise ConfigError(_SET, "", None, f"expected KEY=VALUE, got {show(text)}")
    if not key:
        raise ConfigError(_SET, "", None, f"no key before '=' in {show(text)}")
    if not raw:
        raise ConfigError(_SET, key, None, "no value after '='")
    try:
        parsed = tomllib.loads(f"value = {raw}")
    except tomllib.TOMLDecodeError:
        return key, raw
    # "1\nother = 2" parses as two keys: only a single value counts as TOML.
    return (key, parsed["value"]) if list(parsed) == ["value"] else (key, raw)


def apply_override(data: dict[str, Any], override: str) -> str:
    """Apply one "dotted.key=value" to TOML-shaped `data`; return the dotted key it replaced."""
    key, value = parse_override(override)
    parts = key.split(".")
    _check_override_key(parts, key)
    if len(parts) == 3:
        # search_space.lr.loguniform=[...] replaces lr's distribution rather than adding one.
        parts, value = parts[:2], {parts[2]: value}
    table = data.setdefault(parts[0], {})
    if not isinstance(table, dict):
        raise ConfigError(_SET, key, None, f"[{parts[0]}] in the file is not a table")
    table[parts[1]] = value
    return ".".join(parts)


def _check_override_key(parts: list[str], key: str) -> None:
    section = parts[0]
    try:
        require(
            section in _SECTIONS,
            section,
            f"unknown table '{section}'{did_you_mean(section, _SECTIONS)}",
        )
        require(section != "hypotheses", key, "hypotheses cannot be set here: edit [[hypotheses]]")
        deepest = 3 if section == "search_space" else 2
        require(len(parts) >= 2, key, f"name a key inside [{section}], e.g. {section}.name")
        require(len(parts) <= deepest, key, f"too many parts: [{section}] holds plain keys")
        if section == "search_space":
            kind = parts[2] if len(parts) == 3 else DISTRIBUTIONS[0]
            message = f"unknown distribution '{kind}'{did_you_mean(kind, DISTRIBUTIONS)}"
            require(kind in DISTRIBUTIONS, key, message)
            return
        names = [field.name for field in dataclasses.fields(_SECTIONS[section])]
        message = f"unknown key '{parts[1]}'{did_you_mean(parts[1], names)}"
        require(parts[1] in names, key, message)
    except ValidationError as error:
        raise ConfigError(_SET, error.key, None, error.message) from None


# Locating keys in the TOML text (tomllib reports no positions) --------------------------------

_KEY_PART = r"""(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')"""
_DOTTED_KEY = rf"{_KEY_PART}(?:\s*\.\s*{_KEY_PART})*"
_HEADER = re.compile(rf"^\s*(\[\[?)\s*({_DOTTED_KEY})\s*\]\]?\s*(?:#.*)?$")
_ASSIGNMENT = re.compile(rf"^\s*({_DOTTED_KEY})\s*=(.*)$")
_STRING = re.compile(r""""(?:\\.|[^"\\])*"|'[^']*'""")


def locate_key(text: str, key: str) -> int | None:
    """Best-effort 1-based line of a dotted key ("a.b", "hypotheses[1].id") in TOML text.

    Falls back to the closest enclosing key or table header; None when not even the table is there.
    """
    target = tuple(part for part in re.split(r"[.\[\]]+", key) if part)
    best_line, best_depth = None, 0
    for line, path in _key_positions(text):
        if len(path) > best_depth and target[: len(path)] == path:
            best_line, best_depth = line, len(path)
    return best_line


def _key_positions(text: str) -> Iterator[tuple[int, tuple[str, ...]]]:
    table: tuple[str, ...] = ()
    array_counts: dict[tuple[str, ...], int] = {}
    open_brackets, open_string = 0, ""
    for number, line in enumerate(text.splitlines(), start=1):
        if open_string:
            open_string = "" if open_string in line else open_string
        elif open_brackets > 0:
            open_brackets += _bracket_balance(line)
        elif header := _HEADER.match(line):
            table = _split_key(header[2])
            if header[1] == "[[":
                index = array_counts.get(table, 0)
                array_counts[table] = index + 1
                table = (*table, str(index))
            yield number, table
        elif assignment := _ASSIGNMENT.match(line):
            yield number, (*table, *_split_key(assignment[1]))
            value = assignment[2]
            open_string = next((q for q in ('"""', "'''") if value.count(q) % 2 == 1), "")
            open_brackets = 0 if open_string else _bracket_balance(value)


def _split_key(dotted: str) -> tuple[str, ...]:
    return tuple(part.strip("\"'") for part in re.findall(_KEY_PART, dotted))


def _bracket_balance(text: str) -> int:
    code = _STRING.sub("", text).split("#", 1)[0]
    return code.count("[") + code.count("{") - code.count("]") - code.count("}")
