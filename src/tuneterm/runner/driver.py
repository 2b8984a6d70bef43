"""The driver process: runs one experiment's Ray Tune sweep and records it in the store.

Started by `tuneterm run` (see launch.py) as `python -m tuneterm.runner.driver EXPERIMENT_DIR`, in a
session of its own with stdout and stderr going to the experiment's driver.log, so that neither
Ray's output nor a closing terminal can reach it. `tuneterm resume` starts it with `--resume`: it
then continues the sweep from Ray's experiment state (`Tuner.restore`), keeping the store.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import logging
import os
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tuneterm.domain.config.spec import ConfigError, ExperimentConfig
from tuneterm.domain.control import ControlAction, ControlState
from tuneterm.domain.exit_codes import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from tuneterm.domain.status import EndReason, SweepStatus, TrialStatus
from tuneterm.domain.text import one_line
from tuneterm.domain.trial import Trial
from tuneterm.runner.cluster import UnsharedStorage, check_shared_storage
from tuneterm.runner.connection import RayUnreachable, connect_deadline
from tuneterm.runner.decisions import StopDecisions
from tuneterm.runner.launch import check_reachable
from tuneterm.storage.alert_watch import AlertWatch
from tuneterm.storage.config_file import config_from_dict
from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.journal_service import JournalThread
from tuneterm.storage.liveness import driver_identity
from tuneterm.storage.ray_storage import SWEEP_NAME, storage_path, sweep_location
from tuneterm.storage.store import Store
from tuneterm.trainables.readers import reader_facts

# Set before Ray is imported: they are read at import time.
RAY_ENVIRONMENT = {
    # The new output engine prints a config box even at verbose=0.
    "RAY_AIR_NEW_OUTPUT": "0",
    "TUNE_PRINT_ALL_TRIAL_ERRORS": "0",
    # The scheduler checks the metric itself, to name the trial and what it did report.
    "TUNE_DISABLE_STRICT_METRIC_CHECKING": "1",
    # The TensorBoardX logger halves driver throughput and imports torch; keep JSON and CSV.
    "TUNE_DISABLE_AUTO_CALLBACK_LOGGERS": "1",
    "RAY_DEDUP_LOGS": "0",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tuneterm.runner.driver")
    parser.add_argument("experiment_dir", type=Path)
    parser.add_argument("--address", default=None)
    parser.add_argument("--resume", action="store_true", help="continue an interrupted sweep")
    args = parser.parse_args(argv)
    os.umask(0o077)
    for key, value in RAY_ENVIRONMENT.items():
        os.environ.setdefault(key, value)
    expdir = ExperimentDir(args.experiment_dir.resolve())
    verb = "resuming" if args.resume else "starting"
    print(f"tuneterm driver (pid {os.getpid()}): {verb} the sweep of {expdir.path}", flush=True)
    with Store.open(expdir.store) as store:
        store.set_meta(**driver_identity())
        return run_sweep(expdir, store, args.address, resume=args.resume)


def run_sweep(
    expdir: ExperimentDir, store: Store, address: str | None, resume: bool = False
) -> int:
    """Run the sweep to its end; record how it ended. Returns the process exit code."""
    try:
        config = config_from_dict(
            json.loads(expdir.config_json.read_text()), source=str(expdir.config_json)
        )
    except ConfigError as exc:
        store.set_meta(config_error=True)
        store.record_experiment_ended(SweepStatus.CRASHED, str(exc))
        return EXIT_USAGE
    reject_stale_requests(store)
    # journal.md follows the sweep from a thread of its own; its last render sees the end.
    # So do the alerts: their watch reads the end, and waits a few seconds for its delivery.
    with JournalThread(expdir, config), AlertWatch(expdir, config):
        return _run_and_record(expdir, store, config, address, resume)


def _run_and_record(
    expdir: ExperimentDir,
    store: Store,
    config: ExperimentConfig,
    address: str | None,
    resume: bool,
) -> int:
    started_at = time.time()
    try:
        _fit(expdir, store, config, address, resume)
    except BaseException as exc:
        return _record_failure(store, config, exc)
    budget = config.experiment.time_budget_s
    spent = budget is not None and time.time() - started_at >= budget
    status, message = sweep_outcome(
        store.trials(), config.experiment.metric, budget if spent else None
    )
    if stopped_by_user(store, since=started_at):
        status, message = SweepStatus.STOPPED, ""
    store.record_experiment_ended(status, message)
    return EXIT_FAILED if status is SweepStatus.FAILED else EXIT_OK


def sweep_outcome(
    trials: Sequence[Trial], metric: str, spent_budget: float | None = None
) -> tuple[SweepStatus, str]:
    """How a sweep whose `fit()` returned ended (STOPPED, FAILED or FINISHED), and why it failed.

    FAILED when every trial errored or none ever reported a finite value of `metric`: such a
    sweep ran to its end but learned nothing, which a user must not read as "finished". Trials
    the user stopped say nothing of the trainable: if all were, the sweep finished.
    """
    # A sweep ended by a signal leaves trials that never got an end event; so does one whose
    # time budget (`spent_budget`, when it ran out) ended it: Tune does not tell the callbacks.
    if any(trial.status is not TrialStatus.ENDED for trial in trials):
        if spent_budget is not None:
            return SweepStatus.FINISHED, f"its time budget of {spent_budget:g} s ran out"
        return SweepStatus.STOPPED, ""
    if not trials:
        return SweepStatus.FAILED, "no trial ran"
    if all(trial.reason is EndReason.ERROR for trial in trials):
        return SweepStatus.FAILED, _every_trial_errored(trials)
    ended_alone = any(trial.reason is not EndReason.USER for trial in trials)
    if ended_alone and all(trial.best_metric is None for trial in trials):
        return SweepStatus.FAILED, f"no trial reported a value of {metric!r}"
    return SweepStatus.FINISHED, ""


def _every_trial_errored(trials: Sequence[Trial]) -> str:
    lines = [line for line in (trials[0].error or "").splitlines() if line.strip()]
    first = f" (the first: {one_line(lines[-1], 200)})" if lines else ""
    return f"every trial errored{first}; fix the trainable and start a new run"


def reject_stale_requests(store: Store) -> None:
    """Requests left by clients while no driver ran are refused, not applied out of the blue."""
    for request in store.pending_controls():
        store.resolve_control(
            request.request_id, False, "the sweep's driver was not running when it was requested"
        )


def stopped_by_user(store: Store, since: float) -> bool:
    """Whether a "stop all" request was applied by this driver (started at `since`)."""
    return any(
        request.action is ControlAction.STOP_ALL
        and request.state == ControlState.DONE
        and (request.resolved_at or 0.0) >= since
        for request in store.controls()
    )


def _fit(
    expdir: ExperimentDir,
    store: Store,
    config: ExperimentConfig,
    address: str | None,
    resume: bool,
) -> None:
    try:
        ray = _init_ray(address, expdir)
    except BaseException:
        # A join that gave up may have started part of Ray in this process.
        if (started := sys.modules.get("ray")) is not None:
            started.shutdown()
        raise
    try:
        # One record of stop decisions, shared by the scheduler and the store callback.
        if address is not None:
            check_shared_storage(ray, config, storage_path(expdir.path, config.storage))
        decisions = StopDecisions()
        make_tuner = _restored_tuner if resume else _new_tuner
        tuner = make_tuner(expdir, config, decisions)
        facts = {**_cluster_facts(ray, address), **reader_facts(config)}
        store.record_experiment_started(**facts, resumed=resume)
        if resume:
            # What the earlier run ended with no longer describes the sweep.
            store.set_meta(ended_at=None, message="")
        tuner.fit()
    finally:
        ray.shutdown()


def _init_ray(address: str | None, expdir: ExperimentDir) -> Any:
    """Start (or join, given an address) Ray with its output kept quiet; returns the ray module.

    Joining gives up at once on an address that is not Ray's, and after RAY_CONNECT_TIMEOUT_S
    instead of retrying for minutes."""
    if address and (problem := check_reachable(address)) is not None:
        raise RayUnreachable(f"cannot use Ray at {address}: {problem}")
    import ray

    _quiet_ray_loggers()
    joining = (
        connect_deadline(address, functools.partial(_record_unreachable, expdir))
        if address
        else contextlib.nullcontext()
    )
    with joining:
        # "local" starts a fresh instance even when `ray start` left a cluster (or its stale
        # address file) on this machine, which a bare ray.init() would try to join.
        ray.init(
            address=address or "local",
            log_to_driver=False,
            include_dashboard=False,
            logging_level=logging.WARNING,
        )
    return ray


def _record_unreachable(expdir: ExperimentDir, message: str) -> None:
    print(f"tuneterm driver: {message}", file=sys.stderr, flush=True)
    with Store.open(expdir.store) as store:
        store.record_experiment_ended(SweepStatus.CRASHED, message)


def _callbacks(
    expdir: ExperimentDir, config: ExperimentConfig, decisions: StopDecisions
) -> list[Any]:
    from ray.tune.logger import CSVLoggerCallback, JsonLoggerCallback

    from tuneterm.runner.callback import StoreCallback
    from tuneterm.runner.relay import OutputRelay, relay_name
    from tuneterm.runner.retention import CheckpointPruner

    return [
        StoreCallback(expdir.store, decisions),
        OutputRelay(expdir.path, expdir.store, relay_name(expdir.path)),
        CheckpointPruner(sweep_location(expdir.path, config.storage)),
        JsonLoggerCallback(),
        CSVLoggerCallback(),
    ]


def _scheduler(expdir: ExperimentDir, config: ExperimentConfig, decisions: StopDecisions) -> Any:
    from tuneterm.runner import space
    from tuneterm.runner.health import HealthMonitor

    scheduler: Any = space.scheduler(config)
    scheduler.record_stops_in(decisions)
    scheduler.enable_control(expdir.store, decisions)
    metrics = config.experiment.objectives
    scheduler.watch_health(HealthMonitor(expdir.store, config.health, metrics, decisions))
    return scheduler


def _new_tuner(expdir: ExperimentDir, config: ExperimentConfig, decisions: StopDecisions) -> Any:
    from ray import tune

    from tuneterm.runner import space
    from tuneterm.runner.relay import relay_name

    return tune.Tuner(
        space.trainable(config, relay_name(expdir.path)),
        param_space=space.param_space(config),
        tune_config=tune.TuneConfig(
            metric=config.experiment.metric,
            mode=config.experiment.mode,
            num_samples=config.experiment.num_samples,
            max_concurrent_trials=config.experiment.max_concurrent_trials,
            time_budget_s=config.experiment.time_budget_s,
            search_alg=space.search_algorithm(config),
            scheduler=_scheduler(expdir, config, decisions),
            # Killing a stopped trial's actor (control.py) would break a reused one.
            reuse_actors=False,
        ),
        run_config=tune.RunConfig(
            name=SWEEP_NAME,
            storage_path=storage_path(expdir.path, config.storage),
            callbacks=_callbacks(expdir, config, decisions),
            verbose=0,
            # Ray keeps every checkpoint; CheckpointPruner deletes the superseded ones once
            # the saved experiment state no longer needs them (num_to_keep breaks restores).
            checkpoint_config=tune.CheckpointConfig(num_to_keep=None),
            failure_config=tune.FailureConfig(max_failures=0),
        ),
    )


def _restored_tuner(
    expdir: ExperimentDir, config: ExperimentConfig, decisions: StopDecisions
) -> Any:
    from ray import tune

    from tuneterm.runner import space
    from tuneterm.runner.control import rewire_restored
    from tuneterm.runner.legacy import alias_renamed_modules
    from tuneterm.runner.relay import relay_name

    alias_renamed_modules()
    tuner = tune.Tuner.restore(
        sweep_location(expdir.path, config.storage),
        trainable=space.trainable(config, relay_name(expdir.path)),
        resume_unfinished=True,
        resume_errored=False,
        param_space=space.param_space(config),
    )
    callbacks = _callbacks(expdir, config, decisions)
    rewire_restored(tuner, callbacks, _scheduler(expdir, config, decisions))
    return tuner


def _cluster_facts(ray: Any, address: str | None) -> dict[str, Any]:
    resources = ray.cluster_resources()
    return {
        "ray_version": ray.__version__,
        "address": address or "local",
        "cluster_cpus": resources.get("CPU", 0),
        "cluster_gpus": resources.get("GPU", 0),
    }


def _quiet_ray_loggers() -> None:
    # stderr is already the log file; this only keeps Ray's INFO chatter down.
    for name in ("ray", "ray.tune", "ray.train"):
        logging.getLogger(name).setLevel(logging.WARNING)


def _record_failure(store: Store, config: ExperimentConfig, exc: BaseException) -> int:
    from tuneterm.runner.scheduler import MetricNotReported

    traceback.print_exception(exc, file=sys.stderr)
    missing = _find_cause(exc, MetricNotReported)
    if isinstance(exc, UnsharedStorage):
        store.set_meta(config_error=True)
        store.record_experiment_ended(SweepStatus.CRASHED, exc.message)
        return EXIT_USAGE
    if missing is not None:
        store.set_meta(config_error=True)
        store.record_experiment_ended(
            SweepStatus.CRASHED,
            f"experiment.metric: {missing} (set experiment.metric to one of those)",
        )
        return EXIT_USAGE
    if isinstance(exc, KeyboardInterrupt):
        store.record_experiment_ended(SweepStatus.STOPPED, "interrupted")
        return EXIT_INTERRUPTED
    if isinstance(exc, RayUnreachable):
        store.record_experiment_ended(SweepStatus.CRASHED, str(exc))
        return EXIT_FAILED
    message = " ".join(f"{type(exc).__name__}: {exc}".split())
    store.record_experiment_ended(SweepStatus.CRASHED, message[:500])
    return EXIT_FAILED


def _find_cause(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


if __name__ == "__main__":
    sys.exit(main())
