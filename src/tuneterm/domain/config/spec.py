"""The experiment config: one TOML file describing a sweep, as frozen, validated specs.

Everything is checked before Ray starts, so that a mistake is one line naming the file, the key
and the line, rather than a traceback from a worker process minutes into the sweep.
"""

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tuneterm.domain.config.alerts import AlertSpec
from tuneterm.domain.config.health import HealthSpec
from tuneterm.domain.config.space import Param
from tuneterm.domain.text import printable

__all__ = [
    "SECTIONS",
    "AlertSpec",
    "ConfigError",
    "DatasetSpec",
    "ExperimentConfig",
    "ExperimentSpec",
    "HealthSpec",
    "Hypothesis",
    "Param",
    "ResourceSpec",
    "SchedulerSpec",
    "SearchSpec",
    "StorageSpec",
    "TrainableCatalog",
    "TrainableSpec",
]


@dataclass(frozen=True)
class TrainableCatalog:
    """What the built-in trainables offer, which a config naming one of them is checked against."""

    hyperparameters: Mapping[str, Mapping[str, object]]
    """Built-in trainable name -> hyperparameter -> the default used when the space omits it."""
    metrics: tuple[str, ...]
    """What the built-in trainables report every epoch."""
    lower_is_better: tuple[str, ...]
    """The metrics among `metrics` that improve as they fall."""
    optimizers: tuple[str, ...]
    """Accepted values of the built-ins' `optimizer` hyperparameter (lower case)."""
    datasets: tuple[str, ...]
    """Data sets the built-in trainables can read."""
    on_disk: tuple[str, ...]
    """The data sets among `datasets` read from a directory, which must then be named."""


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
        # Paths, keys and values come from the user: a terminal must show them, not obey them.
        parts = (self.file, self.key, self.message)
        file, key, message = (printable(part, escape_layout=True) for part in parts)
        where = file if self.line is None else f"{file}:{self.line}"
        return f"{where}: {key}: {message}" if key else f"{where}: {message}"


@dataclass(frozen=True)
class ExperimentSpec:
    """[experiment]: what the sweep is called and what it optimises."""

    name: str
    """ASCII letters, digits, - _ . only: it names the experiment's directory."""
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
    time_budget_s: float | None = None
    """End the sweep after this many seconds; None lets it run until every trial is done."""
    metrics: Any = None
    """Further metrics, name -> "max" or "min": shown, and weighed in the Pareto front; `metric`
    alone drives the scheduler and the search. A TOML table, e.g. `{ val_loss = "min" }`."""
    compare_with: tuple[str, ...] | None = None
    """Earlier experiments the journal compares this one with, by name (looked up in the
    experiments' root) or directory; once validated, their absolute directories."""

    @property
    def objectives(self) -> tuple[tuple[str, str], ...]:
        """Every metric with its mode, `metric` first."""
        further = self.metrics if isinstance(self.metrics, dict) else {}
        pairs = [(str(name), str(mode)) for name, mode in further.items() if name != self.metric]
        return ((self.metric, self.mode), *pairs)


@dataclass(frozen=True)
class TrainableSpec:
    """[trainable]: the function every trial runs."""

    name: str = "cnn"
    """"cnn", "mlp" or "package.module:function"."""
    epochs: int = 10
    """Epochs (training iterations) per trial."""

    @property
    def is_builtin(self) -> bool:
        """True for the trainables shipped with tuneterm.

        A validated name is either one of them or a "package.module:function" entry point.
        """
        return ":" not in self.name


@dataclass(frozen=True)
class DatasetSpec:
    """[dataset]: what the built-in trainables train on. Nothing is ever downloaded."""

    name: str = "digits"
    """One of the catalog's data sets."""
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
    augment: tuple[str, ...] | None = None
    """Random transforms of the training images ("hflip", "rotate:15"; see config.augment),
    done by torchvision; None or empty trains on the images as they are."""


@dataclass(frozen=True)
class SearchSpec:
    """[search]: how the next trial's hyperparameters are chosen."""

    algorithm: str = "hyperopt"
    """"hyperopt" (TPE), "optuna" (Optuna's TPE; `pip install 'tuneterm[optuna]'`), "random" or
    "grid"."""
    seed: int | None = None
    """Seed for the search algorithm."""
    points_to_evaluate: tuple[dict[str, Any], ...] = ()
    """Configurations HyperOpt or Optuna tries first, each naming every tuned parameter."""
    n_initial_points: int = 20
    """Random trials HyperOpt or Optuna runs before its model takes over."""


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
class StorageSpec:
    """[storage]: where Ray Tune keeps trial directories, checkpoints and its experiment state."""

    path: str | None = None
    """A directory every node of the cluster mounts, or a URI pyarrow's file systems accept
    (`s3://bucket/prefix`, `gs://bucket/prefix`); None keeps them in the experiment directory,
    which only a single machine can use."""

    @property
    def is_uri(self) -> bool:
        return self.path is not None and "://" in self.path


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
    storage: StorageSpec = StorageSpec()
    """[storage]."""
    alerts: AlertSpec = AlertSpec()  # noqa: RUF009 (frozen)
    """[alerts]."""
    health: HealthSpec = HealthSpec()  # noqa: RUF009 (frozen)
    """[health]."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict in the TOML's own shape; validating it gives `self` back."""
        sections = (
            "experiment",
            "trainable",
            "dataset",
            "search",
            "scheduler",
            "resources",
            "storage",
            "alerts",
            "health",
        )
        data: dict[str, Any] = {name: _spec_dict(getattr(self, name)) for name in sections}
        data["search_space"] = {param.name: _plain(param.to_toml()) for param in self.search_space}
        data["hypotheses"] = [_spec_dict(hypothesis) for hypothesis in self.hypotheses]
        return data

    def param(self, name: str) -> Param | None:
        """The search-space entry for `name`, if any."""
        return next((param for param in self.search_space if param.name == name), None)

    @property
    def tuned_names(self) -> tuple[str, ...]:
        """Names of the non-constant parameters, in file order."""
        return tuple(param.name for param in self.search_space if param.is_tuned)


SECTIONS: Mapping[str, type] = {
    "experiment": ExperimentSpec,
    "trainable": TrainableSpec,
    "dataset": DatasetSpec,
    "search_space": dict,
    "search": SearchSpec,
    "scheduler": SchedulerSpec,
    "resources": ResourceSpec,
    "hypotheses": Hypothesis,
    "storage": StorageSpec,
    "alerts": AlertSpec,
    "health": HealthSpec,
}
"""Top-level table name -> what it is read into, in file order."""


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
