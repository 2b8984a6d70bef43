"""The journal's "Results and analysis" section: how trials ended, time, the top three, the
distribution of the metric and the best configuration."""

from __future__ import annotations

from statistics import fmean

from tuneterm.domain.journal.data import JournalData
from tuneterm.domain.journal.markdown import code, code_block, inline, table, toml_key, toml_value
from tuneterm.domain.status import EndReason, is_live
from tuneterm.domain.text import duration, format_config, format_value
from tuneterm.domain.trial import Trial


def results_section(data: JournalData) -> list[str]:
    """The section's lines; a sweep with no trial yet says so."""
    lines = ["## Results and analysis", ""]
    if not data.trials:
        return [*lines, "No trial has started yet."]
    lines += _counts(data)
    lines += ["", *_top(data), "", *_spread(data), "", *_best_configuration(data)]
    return lines


def trial_time(data: JournalData, trial: Trial) -> float | None:
    """Seconds a trial trained: Ray's time_total_s, else the driver's start-to-end time."""
    seconds = data.training_times.get(trial.trial_id)
    return seconds if seconds is not None else trial.runtime


def _counts(data: JournalData) -> list[str]:
    summary = data.summary
    lines = [
        f"- **Trials:** {summary.total}",
        f"- **Stopped early by the scheduler:** {_scheduler_stops(data)}",
        f"- **Ran to completion:** {summary.completed}",
        f"- **Stopped by the user:** {summary.user_stopped}",
        f"- **Errored:** {summary.errored}{_errored(data.trials)}",
    ]
    if summary.rule_stopped:
        lines.append(f"- **Stopped by a health rule:** {summary.rule_stopped}{_by_rule(data)}")
    if summary.interrupted:
        lines.append(f"- **Cut off when the sweep ended:** {summary.interrupted}")
    if summary.unfinished:
        lines.append(f"- **Still running or paused:** {summary.unfinished}")
    return [*lines, f"- **Time:** {_time(data)}"]


def _scheduler_stops(data: JournalData) -> str:
    stops = data.summary.scheduler_stops
    if not stops:
        return "0"
    where = ", ".join(f"{count} at iteration {at}" for at, count in stops.items())
    return f"{data.summary.scheduler_stopped} ({where})"


def _errored(trials: tuple[Trial, ...]) -> str:
    errored = [t for t in trials if t.reason is EndReason.ERROR]
    if not errored:
        return ""
    shown = ", ".join(f"{code(t.trial_id)} at iteration {t.stop_iteration or 0}" for t in errored)
    return f" ({shown})"


def _by_rule(data: JournalData) -> str:
    stopped = [t for t in data.trials if t.reason is EndReason.RULE]
    shown = ", ".join(f"{code(t.trial_id)} at iteration {t.stop_iteration or 0}" for t in stopped)
    return f" ({shown})"


def _time(data: JournalData) -> str:
    total = duration(data.summary.elapsed) + (" so far" if is_live(data.status) else "")
    times = [t for trial in data.trials if (t := trial_time(data, trial)) is not None]
    if not times:
        return f"{total} in all"
    mean = duration(fmean(times))
    return f"{total} in all; {mean} of training per trial on average ({len(times)} trials)"


def _top(data: JournalData) -> list[str]:
    metric = data.metric
    lines = [f"### Top trials by best {inline(metric)}", ""]
    if not data.top:
        return [*lines, f"No trial has reported {code(metric)} yet."]
    keys = data.config.tuned_names or None
    rows = [
        (
            rank,
            trial.trial_id,
            format_config(trial.config, keys),
            trial.best_metric,
            trial.last_metric,
            trial.last_iteration,
            duration(trial_time(data, trial)),
        )
        for rank, trial in enumerate(data.top, start=1)
    ]
    header = ("#", "trial", "config", f"best {metric}", f"last {metric}", "iterations", "time")
    return lines + table(header, rows)


def _spread(data: JournalData) -> list[str]:
    metric = data.metric
    lines = [f"### Spread of {inline(metric)} across trials", ""]
    final = data.final
    if final is None:
        return [*lines, f"No trial has reported {code(metric)} yet."]
    lines.append(f"Each trial's last reported {code(metric)}, over {final.n} trials:")
    row = (
        final.best,
        f"{format_value(final.mean)} ± {format_value(final.std)}",
        final.median,
        final.worst,
    )
    return [*lines, "", *table(("best", "mean ± std", "median", "worst"), [row])]


def _best_configuration(data: JournalData) -> list[str]:
    best = data.summary.best
    lines = ["### Best configuration", ""]
    if best is None:
        return [*lines, "None yet."]
    value = format_value(best.best_metric)
    lines.append(
        f"Trial {code(best.trial_id)} reached {code(data.metric)} = {value} "
        f"in {best.last_iteration} iterations:"
    )
    body = "\n".join(f"{toml_key(key)} = {toml_value(value)}" for key, value in best.config.items())
    return [*lines, "", *code_block(body, "toml")]
