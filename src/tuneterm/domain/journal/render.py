"""The experiment journal as Markdown, in the shape our users write it by hand.

Overview; hypotheses with reasoning and expected outcome; configuration; observations (notes of
that kind); results and analysis; the comparison with earlier experiments (when the config or the
command names some); conclusions (each hypothesis's verdict, with its evidence); insights, next
experiments and lessons (notes of those kinds). tuneterm writes the mechanical parts; the judgments
(verdicts, justifications, notes) are the user's, from the store. Each section is one call in
`render_journal`; a section with nothing to say returns no lines and is left out.
`render_journal` is a pure function of a `JournalData` (see storage.journal_data.gather): the same
data gives the same text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tuneterm.domain.comparison import comparison_markdown
from tuneterm.domain.config.spec import ExperimentConfig, Hypothesis
from tuneterm.domain.data_reader import DATA_READER_KEY, reader_phrase
from tuneterm.domain.hypotheses.evidence import Evidence, GroupStats
from tuneterm.domain.hypotheses.notebook import HypothesisEntry, NoteKind, VerdictRecord
from tuneterm.domain.journal.data import JournalData
from tuneterm.domain.journal.figures import figures_section
from tuneterm.domain.journal.importance import importance_section
from tuneterm.domain.journal.markdown import (
    code,
    code_block,
    inline,
    table,
    toml_key,
    toml_value,
    when,
)
from tuneterm.domain.journal.notes import notes_section
from tuneterm.domain.journal.pareto import pareto_section
from tuneterm.domain.journal.results import results_section
from tuneterm.domain.status import SweepStatus
from tuneterm.domain.text import format_value


def render_journal(data: JournalData) -> str:
    """The whole journal.md for `data`."""
    sections = (
        _title(data),
        _overview(data),
        _hypotheses(data.hypotheses),
        _configuration(data.config),
        notes_section(NoteKind.OBSERVATION, data.notes),
        results_section(data),
        importance_section(data),
        pareto_section(data),
        figures_section(data),
        _comparison(data),
        _conclusions(data),
        notes_section(NoteKind.INSIGHT, data.notes),
        notes_section(NoteKind.NEXT_EXPERIMENT, data.notes),
        notes_section(NoteKind.LESSON, data.notes),
    )
    return "\n\n".join("\n".join(lines) for lines in sections if lines) + "\n"


def _title(data: JournalData) -> list[str]:
    name = inline(str(data.meta.get("name", data.config.experiment.name)))
    return [
        f"# Journal: {name}",
        "",
        f"_Written by tuneterm at {when(data.now)}, {_moment(data)}._",
    ]


_MOMENTS: dict[str, str] = {
    SweepStatus.CREATED: "before the sweep started",
    SweepStatus.STARTING: "before the sweep started",
    SweepStatus.RUNNING: "while the sweep was running",
    SweepStatus.FINISHED: "after the sweep finished",
    SweepStatus.FAILED: "after the sweep failed",
    SweepStatus.STOPPED: "after the sweep was stopped",
    SweepStatus.CRASHED: "after the sweep crashed",
}
"""When the journal was written, by the sweep's shown status."""


def _moment(data: JournalData) -> str:
    return _MOMENTS.get(data.status, f"while the sweep was {inline(data.status)}")


def _overview(data: JournalData) -> list[str]:
    config, meta = data.config, data.meta
    started = meta.get("started_at")
    lines = [
        "## Overview",
        "",
        f"- **Experiment:** {inline(config.experiment.name)} ({code(str(data.path))})",
        f"- **Date:** {when(started) if started is not None else 'not started yet'}",
        f"- **Status:** {data.status}",
        f"- **Metric:** {code(config.experiment.metric)}, "
        f"{'higher' if config.experiment.mode == 'max' else 'lower'} is better "
        f"(mode {config.experiment.mode})",
        f"- **Trainable:** {code(config.trainable.name)}, {config.trainable.epochs} epochs",
        f"- **Data set:** {_dataset(config)}"
        + inline(reader_phrase(meta.get(DATA_READER_KEY), config.dataset.augment)),
        f"- **Hardware:** {_hardware(meta)}",
        f"- **Resources per trial:** {_resources(config)}",
    ]
    if meta.get("message"):
        lines.append(f"- **Driver's last word:** {inline(str(meta['message']))}")
    return lines


def _dataset(config: ExperimentConfig) -> str:
    if not config.trainable.is_builtin:
        return "chosen by the trainable"
    spec = config.dataset
    where = f" from {code(spec.root)}" if spec.root else ""
    limit = f", at most {spec.limit} training samples" if spec.limit else ""
    return f"{inline(spec.name)}{where}, {format_value(spec.val_fraction)} held out{limit}"


def _hardware(facts: Mapping[str, Any]) -> str:
    if "cluster_cpus" not in facts:
        return "not known yet (the driver records it when the sweep starts)"
    cluster = f"{format_value(facts.get('cluster_cpus'))} CPUs, "
    cluster += f"{format_value(facts.get('cluster_gpus', 0))} GPUs"
    host = inline(str(facts.get("driver_host", "?")))
    address = inline(str(facts.get("address", "local")))
    ray = inline(str(facts.get("ray_version", "?")))
    return f"Ray {ray} cluster ({address}) with {cluster}; driver on {host}"


def _resources(config: ExperimentConfig) -> str:
    spec = config.resources
    gpus = f", {format_value(spec.gpu)} GPU" if spec.gpu else ", no GPU"
    return f"{format_value(spec.cpu)} CPU{gpus}"


# Hypotheses ------------------------------------------------------------------------------------


def _hypotheses(entries: Sequence[HypothesisEntry]) -> list[str]:
    lines = ["## Hypotheses"]
    if not entries:
        return [*lines, "", "None stated (add them to the config, or from the dashboard)."]
    for entry in entries:
        lines += ["", _heading(3, entry.hypothesis), ""]
        lines += _claim(entry)
    return lines


def _heading(level: int, hypothesis: Hypothesis) -> str:
    return f"{'#' * level} {inline(hypothesis.id)}: {inline(hypothesis.statement)}"


def _claim(entry: HypothesisEntry) -> list[str]:
    hypothesis = entry.hypothesis
    lines = [
        f"- **Variable:** {code(hypothesis.parameter)}",
        f"- **Expected outcome:** {expected_outcome(hypothesis)}",
    ]
    if hypothesis.reasoning.strip():
        lines.append(f"- **Reasoning:** {inline(hypothesis.reasoning, 1000)}")
    if entry.live:
        lines.append(f"- Added while the sweep ran, at {when(entry.added_at)}.")
    return lines


def expected_outcome(hypothesis: Hypothesis) -> str:
    """The expected outcome in words, e.g. "higher lr gives a better metric"."""
    parameter = code(hypothesis.parameter)
    if hypothesis.expected == "higher":
        return f"higher {parameter} gives a better metric"
    if hypothesis.expected == "lower":
        return f"lower {parameter} gives a better metric"
    value = code(toml_value(hypothesis.expected))
    return f"{parameter} = {value} gives the best metric"


# Configuration --------------------------------------------------------------------------------


def _configuration(config: ExperimentConfig) -> list[str]:
    space = [f"{toml_key(p.name)} = {toml_value(p.to_toml())}" for p in config.search_space]
    experiment = config.experiment
    concurrent = experiment.max_concurrent_trials
    return [
        "## Configuration",
        "",
        "Search space, as the config states it:",
        "",
        *code_block("\n".join(["[search_space]", *space]), "toml"),
        "",
        f"- **Search algorithm:** {_search(config)}",
        f"- **Scheduler:** {_scheduler(config)}",
        f"- **Samples:** {experiment.num_samples}"
        + (f", at most {concurrent} at once" if concurrent else "")
        + (f"; seed {experiment.seed}" if experiment.seed is not None else ""),
    ]


def _search(config: ExperimentConfig) -> str:
    spec = config.search
    parts = [spec.algorithm]
    if spec.seed is not None:
        parts.append(f"seed {spec.seed}")
    if spec.algorithm == "hyperopt":
        parts.append(f"{spec.n_initial_points} random trials before TPE")
        if spec.points_to_evaluate:
            parts.append(f"{len(spec.points_to_evaluate)} given point(s) tried first")
    return ", ".join(parts)


def _scheduler(config: ExperimentConfig) -> str:
    spec = config.scheduler
    if spec.name == "asha":
        max_t = spec.max_t if spec.max_t is not None else config.trainable.epochs
        return (
            f"asha (max_t {max_t}, grace_period {spec.grace_period}, "
            f"reduction_factor {format_value(spec.reduction_factor)})"
        )
    if spec.name == "median":
        return (
            f"median stopping (grace_period {spec.grace_period}, "
            f"min_samples_required {spec.min_samples_required})"
        )
    return "fifo (no early stopping)"


# Comparison -----------------------------------------------------------------------------------


def _comparison(data: JournalData) -> list[str]:
    if not data.comparison and not data.comparison_unread:
        return []
    lines = ["## Comparison with earlier experiments", ""]
    if data.comparison:
        lines += [comparison_markdown(data.comparison)]
    if data.comparison and data.comparison_unread:
        lines.append("")
    return lines + [f"- Not compared: {inline(problem, 500)}" for problem in data.comparison_unread]


# Conclusions ----------------------------------------------------------------------------------


def _conclusions(data: JournalData) -> list[str]:
    lines = ["## Conclusions"]
    if not data.hypotheses:
        return [*lines, "", "No hypotheses to judge."]
    for entry in data.hypotheses:
        evidence = data.evidence.get(entry.hypothesis.id)
        lines += ["", _heading(3, entry.hypothesis) + f": {_label(entry)}", ""]
        lines += _judgment(entry, evidence)
        if evidence is not None:
            lines += _evidence(evidence)
    return lines


def _label(entry: HypothesisEntry) -> str:
    current = entry.current
    return current.verdict.label if current is not None else "not judged yet"


def _judgment(entry: HypothesisEntry, evidence: Evidence | None) -> list[str]:
    lines = []
    current = entry.current
    if current is not None:
        lines.append(f"- **Verdict:** {current.verdict.label} (recorded {when(current.time)})")
        lines.append(f"- **Justification:** {_justification(current)}")
    else:
        lines.append("- **Verdict:** not judged yet")
    if evidence is not None:
        suggestion = f"{evidence.suggestion.label}: {inline(evidence.reason, 500)}"
        lines.append(f"- **Suggested by the evidence:** {suggestion}")
    if len(entry.verdicts) > 1:
        lines += ["- **History:**", *(f"  - {_history(record)}" for record in entry.verdicts)]
    return lines


def _justification(record: VerdictRecord) -> str:
    return inline(record.justification, 1000) if record.justification.strip() else "none given"


def _history(record: VerdictRecord) -> str:
    reason = f": {inline(record.justification, 500)}" if record.justification.strip() else ""
    return f"{when(record.time)} {record.verdict.label}{reason}"


def _evidence(evidence: Evidence) -> list[str]:
    parameter = evidence.parameter
    lines = ["", f"Evidence at each trial's last iteration ({code(evidence.metric)}):", ""]
    lines += _groups(parameter, evidence.at_last)
    if evidence.common_iteration is None:
        return [*lines, "", "No iteration was reached by every compared trial yet."]
    at = evidence.common_iteration
    lines += ["", f"Evidence at iteration {at}, which every compared trial reached:", ""]
    return lines + _groups(parameter, evidence.at_common)


def _groups(parameter: str, groups: Sequence[GroupStats]) -> list[str]:
    if not groups:
        return ["No trial has reported the metric yet."]
    rows = [
        (
            group.label,
            group.stats.n,
            f"{format_value(group.stats.mean)} ± {format_value(group.stats.std)}",
            group.stats.median,
            group.stats.best,
        )
        for group in groups
    ]
    return table((parameter, "n", "mean ± std", "median", "best"), rows)
