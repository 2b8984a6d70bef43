"""From parsed TOML data to a validated ExperimentConfig; every problem is a `ValidationError`.

What the built-in trainables offer and what the machine holds (the user's code, the data
directories) are handed in, so that the checks themselves read nothing.
"""

import dataclasses
import math
import re
import types
import typing
from collections.abc import Mapping
from typing import Any, Protocol, TypeGuard, TypeVar

from tuneterm.domain.config.alerts import AlertChecker, checked_alerts
from tuneterm.domain.config.augment import ImportChecker, checked_augment
from tuneterm.domain.config.comparisons import ExperimentFinder, resolve_compare_with
from tuneterm.domain.config.health import HealthSpec, checked_health
from tuneterm.domain.config.limits import (
    check_integers,
    check_name,
    check_seed,
    check_space_seeds,
    check_trial_count,
)
from tuneterm.domain.config.metrics import check_builtin_metrics
from tuneterm.domain.config.space import (
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
    suggestion,
)
from tuneterm.domain.config.spec import (
    SECTIONS,
    AlertSpec,
    DatasetSpec,
    ExperimentConfig,
    ExperimentSpec,
    Hypothesis,
    ResourceSpec,
    SchedulerSpec,
    SearchSpec,
    StorageSpec,
    TrainableCatalog,
    TrainableSpec,
)
from tuneterm.domain.config.storage import checked_storage

__all__ = ["Workspace", "build_config", "build_recorded_config"]

_MODES = ("max", "min")
_ALGORITHMS = ("hyperopt", "optuna", "random", "grid")
_SCHEDULERS = ("asha", "median", "fifo")
_ENTRY_POINT = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*:[A-Za-z_]\w*")
_Spec = TypeVar("_Spec")


class Workspace(ExperimentFinder, ImportChecker, AlertChecker, Protocol):
    """The machine a config is checked on: the user's code, the data directories, the earlier
    experiments (`find_experiment`)."""

    def absolute(self, path: str) -> str:
        """`path` with ~ expanded, made absolute."""
        ...

    def directory_problem(self, path: str) -> str | None:
        """Why `path` is not a readable directory, on one line; None when it is one."""
        ...

    def entry_point_problem(self, entry_point: str) -> str | None:
        """Why "package.module:function" does not import to a callable; None when it does."""
        ...

    def has_module(self, module: str) -> bool:
        """Whether `module` can be imported here (an optional dependency is installed)."""
        ...

    def storage_problem(self, location: str) -> str | None:
        """Why a sweep could not write to `location` (a path or a URI); None when it can."""
        ...


def build_config(
    data: Mapping[str, Any], catalog: TrainableCatalog, workspace: Workspace
) -> ExperimentConfig:
    """Validate TOML-shaped `data` against what the built-ins offer and what the machine holds."""
    for name in data:
        hint = suggestion(name, SECTIONS, "tables")
        require(name in SECTIONS, name, f"unknown table {show(name)}{hint}")
    require("experiment" in data, "experiment", "missing required table [experiment]")
    check_integers(data)
    # Section by section in file order, so that the first mistake in the file is reported.
    experiment = _checked_experiment(_section(data, "experiment", ExperimentSpec))
    experiment = resolve_compare_with(experiment, workspace)
    trainable = _checked_trainable(_section(data, "trainable", TrainableSpec), catalog, workspace)
    dataset = _checked_dataset(_section(data, "dataset", DatasetSpec), catalog, workspace)
    config = ExperimentConfig(
        experiment=experiment,
        trainable=trainable,
        dataset=dataset,
        search_space=parse_search_space(_table(data, "search_space")),
        search=_checked_search(_section(data, "search", SearchSpec), workspace),
        scheduler=_checked_scheduler(_section(data, "scheduler", SchedulerSpec)),
        resources=_checked_resources(_section(data, "resources", ResourceSpec)),
        hypotheses=_hypotheses(data.get("hypotheses", [])),
        storage=checked_storage(_section(data, "storage", StorageSpec), workspace),
        alerts=checked_alerts(_section(data, "alerts", AlertSpec), workspace),
        health=checked_health(_section(data, "health", HealthSpec)),
    )
    _check_across_sections(config, catalog)
    return _with_floats(config)


def build_recorded_config(data: object) -> ExperimentConfig:
    """A config recorded earlier, read with the type checks only: it was validated when written."""
    require(isinstance(data, dict), "", f"expected a JSON object, got {describe(data)}")
    table = typing.cast(Mapping[str, Any], data)
    config = ExperimentConfig(
        experiment=_section(table, "experiment", ExperimentSpec),
        trainable=_section(table, "trainable", TrainableSpec),
        dataset=_section(table, "dataset", DatasetSpec),
        search_space=parse_search_space(_table(table, "search_space")),
        search=_section(table, "search", SearchSpec),
        scheduler=_section(table, "scheduler", SchedulerSpec),
        resources=_section(table, "resources", ResourceSpec),
        hypotheses=_hypotheses(table.get("hypotheses", [])),
        storage=_section(table, "storage", StorageSpec),
        alerts=_section(table, "alerts", AlertSpec),
        health=_section(table, "health", HealthSpec),
    )
    return _with_floats(config)


def _table(data: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    table = data.get(name, {})
    require(isinstance(table, dict), name, f"expected a table [{name}], got {describe(table)}")
    return typing.cast(Mapping[str, Any], table)


def _section(data: Mapping[str, Any], name: str, spec: type[_Spec]) -> _Spec:
    return _read(spec, _table(data, name), name)


def _read(spec: type[_Spec], table: Mapping[str, Any], key: str) -> _Spec:
    """Build `spec` from `table`, type-checking every key against the dataclass annotations."""
    fields = {field.name: field for field in dataclasses.fields(spec)}  # type: ignore[arg-type]
    label = "[[hypotheses]]" if key.startswith("hypotheses") else f"[{key}]"
    for name in table:
        hint = suggestion(name, fields, f"keys of {label}")
        require(name in fields, f"{key}.{name}", f"unknown key {show(name)}{hint}")
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
            finite = not isinstance(converted, float) or math.isfinite(converted)
            require(finite, key, f"must be a finite number (got {show(value)})")
            return converted
    raise ValidationError(key, f"expected {_type_name(options[0])}, got {describe(value)}")


_MISMATCH = object()


def _converted(value: object, option: object) -> object:
    if option is type(None):
        return None if value is None else _MISMATCH
    if option is int:
        return value if isinstance(value, int) and not isinstance(value, bool) else _MISMATCH
    if option is float:
        # An integer stays one until every check has quoted it as the user wrote it.
        return value if is_number(value) else _MISMATCH
    if option is str:
        return value if isinstance(value, str) else _MISMATCH
    if option == tuple[str, ...]:
        return tuple(value) if _is_string_array(value) else _MISMATCH
    if isinstance(value, list | tuple) and _is_table_array(value):
        return tuple(dict(item) for item in value)
    return _MISMATCH


def _type_name(option: object) -> str:
    names: dict[object, str] = {int: "an integer", float: "a number", str: "a string"}
    names[tuple[str, ...]] = "an array of strings"
    return names.get(option, "an array of tables")


def _is_table_array(value: object) -> bool:
    return isinstance(value, list | tuple) and all(isinstance(item, dict) for item in value)


def _is_string_array(value: object) -> TypeGuard[list[str] | tuple[str, ...]]:
    return isinstance(value, list | tuple) and all(isinstance(item, str) for item in value)


def _with_floats(config: ExperimentConfig) -> ExperimentConfig:
    sections = ("experiment", "trainable", "dataset", "search", "scheduler", "resources")
    specs = {name: _floats(getattr(config, name)) for name in sections}
    return dataclasses.replace(config, **specs)


def _floats(spec: _Spec) -> _Spec:
    """`spec` with the integers given for its float keys made floats."""
    hints = typing.get_type_hints(type(spec))
    fields = dataclasses.fields(spec)  # type: ignore[arg-type]
    values = {field.name: getattr(spec, field.name) for field in fields}
    floats = {
        name: float(value)
        for name, value in values.items()
        if is_number(value) and float in (hints[name], *typing.get_args(hints[name]))
    }
    return dataclasses.replace(spec, **floats)  # type: ignore[type-var]


def _at_least(value: float, minimum: float, key: str) -> None:
    require(value >= minimum, key, f"must be at least {minimum} (got {show(value)})")


def _no_problem(problem: str | None, key: str) -> None:
    if problem is not None:
        raise ValidationError(key, problem)


def _checked_experiment(spec: ExperimentSpec) -> ExperimentSpec:
    check_name(spec.name)
    require(spec.metric != "", "experiment.metric", "must not be empty")
    one_of(spec.mode, _MODES, "experiment.mode", "mode")
    _check_further_metrics(spec)
    _at_least(spec.num_samples, 1, "experiment.num_samples")
    if spec.max_concurrent_trials is not None:
        _at_least(spec.max_concurrent_trials, 1, "experiment.max_concurrent_trials")
    check_seed(spec.seed, "experiment.seed")
    budget = spec.time_budget_s
    message = f"must be more than 0 seconds (got {show(budget)})"
    require(budget is None or budget > 0, "experiment.time_budget_s", message)
    return spec


def _check_further_metrics(spec: ExperimentSpec) -> None:
    further = spec.metrics
    if further is None:
        return
    message = f'expected a table of metric = "max" or "min", got {describe(further)}'
    require(isinstance(further, dict), "experiment.metrics", message)
    for name, mode in further.items():
        key = f"experiment.metrics.{name}"
        require(isinstance(mode, str), key, f'expected "max" or "min", got {describe(mode)}')
        one_of(mode, _MODES, key, "mode")
        same = f"is experiment.metric already; its mode is experiment.mode ({show(spec.mode)})"
        require(name != spec.metric or mode == spec.mode, key, same)


def _checked_trainable(
    spec: TrainableSpec, catalog: TrainableCatalog, workspace: Workspace
) -> TrainableSpec:
    _at_least(spec.epochs, 1, "trainable.epochs")
    builtins = catalog.hyperparameters
    if spec.name in builtins:
        return spec
    hint = did_you_mean(spec.name, builtins)
    require(
        _ENTRY_POINT.fullmatch(spec.name) is not None,
        "trainable.name",
        f"unknown trainable {show(spec.name)}{hint}:"
        f" use {', '.join(builtins)} or package.module:function",
    )
    _no_problem(workspace.entry_point_problem(spec.name), "trainable.name")
    return spec


def _checked_dataset(
    spec: DatasetSpec, catalog: TrainableCatalog, workspace: Workspace
) -> DatasetSpec:
    one_of(spec.name, catalog.datasets, "dataset.name", "data set")
    fraction = spec.val_fraction
    message = f"must be between 0 and 1 (got {show(fraction)})"
    require(0 < fraction < 1, "dataset.val_fraction", message)
    _at_least(spec.image_size, 1, "dataset.image_size")
    _at_least(spec.num_classes, 2, "dataset.num_classes")
    _at_least(spec.samples, 2 * spec.num_classes, "dataset.samples")
    if spec.limit is not None:
        _at_least(spec.limit, 1, "dataset.limit")
    if spec.root is not None:
        spec = dataclasses.replace(spec, root=workspace.absolute(spec.root))
    if spec.name in catalog.on_disk:
        if spec.root is None:
            message = f"data set {show(spec.name)} is read from disk: set root to its directory"
            raise ValidationError("dataset.root", message)
        _no_problem(workspace.directory_problem(spec.root), "dataset.root")
    return checked_augment(spec, workspace)


def _checked_search(spec: SearchSpec, workspace: Workspace) -> SearchSpec:
    one_of(spec.algorithm, _ALGORITHMS, "search.algorithm", "algorithm")
    if spec.algorithm == "optuna" and not workspace.has_module("optuna"):
        message = "Optuna is not installed: pip install 'tuneterm[optuna]'"
        raise ValidationError("search.algorithm", message)
    check_seed(spec.seed, "search.seed")
    _at_least(spec.n_initial_points, 1, "search.n_initial_points")
    return spec


def _checked_scheduler(spec: SchedulerSpec) -> SchedulerSpec:
    one_of(spec.name, _SCHEDULERS, "scheduler.name", "scheduler")
    if spec.max_t is not None:
        _at_least(spec.max_t, 1, "scheduler.max_t")
    _at_least(spec.grace_period, 1, "scheduler.grace_period")
    factor = spec.reduction_factor
    message = f"must be greater than 1 (got {show(factor)})"
    require(factor > 1, "scheduler.reduction_factor", message)
    _at_least(spec.min_samples_required, 1, "scheduler.min_samples_required")
    return spec


def _checked_resources(spec: ResourceSpec) -> ResourceSpec:
    require(spec.cpu > 0, "resources.cpu", f"must be greater than 0 (got {show(spec.cpu)})")
    require(spec.gpu >= 0, "resources.gpu", f"must not be negative (got {show(spec.gpu)})")
    for name, amount in (("cpu", spec.cpu), ("gpu", spec.gpu)):
        # Ray accepts fractions of one unit only: 0.5 GPU, but not 1.5.
        whole = amount <= 1 or float(amount).is_integer()
        message = f"above 1 must be a whole number (got {show(amount)})"
        require(whole, f"resources.{name}", message)
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


def _check_across_sections(config: ExperimentConfig, catalog: TrainableCatalog) -> None:
    if config.trainable.is_builtin:
        _check_builtin(config, catalog)
    search, params = config.search, config.search_space
    check_space_seeds(params)
    check_search(params, search.algorithm, search.points_to_evaluate)
    check_trial_count(config)
    _check_scheduler(config)
    for index, hypothesis in enumerate(config.hypotheses):
        key = f"hypotheses[{index}]"
        check_hypothesis(params, hypothesis.parameter, hypothesis.expected, key)


def _check_builtin(config: ExperimentConfig, catalog: TrainableCatalog) -> None:
    trainable = config.trainable.name
    defaults = catalog.hyperparameters[trainable]
    check_builtin_space(config.search_space, trainable, defaults, catalog.optimizers)
    check_builtin_metrics(config.experiment, trainable, catalog)


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
