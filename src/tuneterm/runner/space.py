"""From a validated ExperimentConfig to the objects Ray Tune runs: space, searcher, scheduler."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from ray import cloudpickle, tune
from ray.tune.schedulers import TrialScheduler
from ray.tune.search import BasicVariantGenerator, SearchAlgorithm, Searcher
from ray.tune.search.hyperopt import HyperOptSearch

from tuneterm.domain.config.spec import ExperimentConfig, Param
from tuneterm.runner import trial_agent
from tuneterm.runner.scheduler import RecordingASHA, RecordingFIFO, RecordingMedian
from tuneterm.storage.user_code import import_trainable


def _domain(param: Param) -> Any:
    values = param.values
    match param.kind:
        case "choice":
            return tune.choice(list(values))
        case "grid":
            return tune.grid_search(list(values))
        case "uniform":
            return tune.uniform(values[0], values[1])
        case "loguniform":
            return tune.loguniform(values[0], values[1])
        case "quniform":
            return tune.quniform(values[0], values[1], values[2])
        case "randint":
            # Our bounds are inclusive; tune.randint excludes the upper one.
            return tune.randint(int(values[0]), int(values[1]) + 1)
        case _:
            return values[0]


def param_space(config: ExperimentConfig) -> dict[str, Any]:
    return {param.name: _domain(param) for param in config.search_space}


def search_algorithm(config: ExperimentConfig) -> Searcher | SearchAlgorithm:
    search = config.search
    seed = search.seed if search.seed is not None else config.experiment.seed
    points = [dict(point) for point in search.points_to_evaluate] or None
    if search.algorithm == "optuna":
        return _optuna_search(points, search.n_initial_points, seed)
    if search.algorithm == "hyperopt":
        return HyperOptSearch(
            points_to_evaluate=points,
            n_initial_points=search.n_initial_points,
            random_state_seed=seed,
        )
    return BasicVariantGenerator(random_state=seed)


def _optuna_search(points: list[dict[str, Any]] | None, startup: int, seed: int | None) -> Searcher:
    """Optuna's TPE sampler; its import is checked when the config is (the `optuna` extra)."""
    import optuna
    from ray.tune.search.optuna import OptunaSearch

    optuna.logging.set_verbosity(optuna.logging.WARNING)  # one line per trial otherwise
    sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=startup)
    return OptunaSearch(sampler=sampler, points_to_evaluate=points)


def scheduler(config: ExperimentConfig) -> TrialScheduler:
    spec = config.scheduler
    match spec.name:
        case "asha":
            return RecordingASHA(
                max_t=spec.max_t or config.trainable.epochs,
                grace_period=spec.grace_period,
                reduction_factor=spec.reduction_factor,
            )
        case "median":
            return RecordingMedian(
                grace_period=spec.grace_period, min_samples_required=spec.min_samples_required
            )
        case _:
            return RecordingFIFO()


def resolve_function(reference: str) -> Any:
    """Import `package.module:function` from the user's code, to be shipped with each trial."""
    module, function = import_trainable(reference)
    # Workers (on this host or a cluster) need not have the user's directory on their path:
    # ship the module's code with the function instead of a reference to it.
    cloudpickle.register_pickle_by_value(module)
    return function


def trainable(config: ExperimentConfig, relay: str | None = None) -> Any:
    """The function Tune runs per trial, with its resources attached; with `relay` (the relay
    actor's name), run under a trial agent that sends its output and resource use there."""
    spec = config.trainable
    if spec.is_builtin:
        from tuneterm.trainables import train_builtin

        function = tune.with_parameters(
            train_builtin,
            kind=spec.name,
            dataset=asdict(config.dataset),
            epochs=spec.epochs,
            seed=config.experiment.seed,
        )
    else:
        function = resolve_function(spec.name)
    if relay is not None:
        # Shipped with the function, so that nodes without tuneterm installed can run it.
        for module in trial_agent.agent_modules():
            cloudpickle.register_pickle_by_value(module)
        function = trial_agent.with_agent(function, relay)
    resources = {"cpu": config.resources.cpu, "gpu": config.resources.gpu}
    return tune.with_resources(function, resources)
