"""`VerdictModal` asks for an optional justification of a verdict; `HypothesisModal` is the form
that adds a hypothesis while the sweep runs, checked before anything is saved."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Select, Static

from tuneterm.domain.config.spec import Hypothesis
from tuneterm.domain.hypotheses.notebook import parse_expected
from tuneterm.domain.hypotheses.verdict import Verdict
from tuneterm.domain.text import one_line

VERDICT_STYLES = {
    Verdict.CONFIRMED: "bold green",
    Verdict.REJECTED: "bold red",
    Verdict.INCONCLUSIVE: "bold yellow",
}
HypothesisCheck = Callable[[Hypothesis], str | None]
"""Says what is wrong with a hypothesis (one line), or None when it can be saved."""


class VerdictModal(ModalScreen[str | None]):
    """Dismissed with the justification ("" for none) on enter, or None on escape."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "save_verdict",
            "Save",
            id="verdict-save",
            tooltip="Record the verdict with the justification typed (it may be empty)",
        ),
        Binding(
            "escape",
            "cancel_verdict",
            "Cancel",
            id="verdict-cancel",
            tooltip="Close without recording anything",
        ),
    ]

    def __init__(self, hypothesis: Hypothesis, verdict: Verdict) -> None:
        super().__init__()
        self.hypothesis = hypothesis
        self.verdict = verdict

    def compose(self) -> ComposeResult:
        title = Text("Mark ", style="bold")
        title.append(one_line(self.hypothesis.id, 40), style="bold")
        title.append(" ")
        title.append(self.verdict.label, style=VERDICT_STYLES[self.verdict])
        with Vertical(id="verdict-dialog", classes="dialog"):
            yield Static(title, id="verdict-title")
            yield Static(Text(one_line(self.hypothesis.statement, 300)), id="verdict-statement")
            yield Input(
                placeholder="why (optional, one line)",
                id="verdict-justification",
                compact=True,
            )
            yield Static(Text("enter saves · escape cancels", style="dim"), classes="hint")

    def on_mount(self) -> None:
        self.query_one("#verdict-justification", Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save_verdict()

    def action_save_verdict(self) -> None:
        self.dismiss(" ".join(self.query_one("#verdict-justification", Input).value.split()))

    def action_cancel_verdict(self) -> None:
        self.dismiss(None)


class HypothesisModal(ModalScreen[Hypothesis | None]):
    """A form for a new hypothesis; dismissed with it once `check` finds nothing wrong, or with
    None on escape. What `check` says is shown in the form, and nothing is saved."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+s",
            "save_hypothesis",
            "Add",
            id="hypothesis-save",
            tooltip="Check the hypothesis against the search space and add it",
        ),
        Binding(
            "escape",
            "cancel_hypothesis",
            "Cancel",
            id="hypothesis-cancel",
            tooltip="Close without adding anything",
        ),
    ]

    def __init__(self, parameters: Sequence[str], check: HypothesisCheck, next_id: str) -> None:
        super().__init__()
        self.parameters = list(parameters)
        """The tuned hyperparameters, offered for the `parameter` field."""
        self._check = check
        self.next_id = next_id
        self.error: str | None = None
        """What the last attempt to add was refused for (None: no attempt refused)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="hypothesis-dialog", classes="dialog"):
            yield Static(Text("Add a hypothesis", style="bold"), id="hypothesis-title")
            with Grid(id="hypothesis-form"):
                yield Static("id")
                yield Input(self.next_id, id="hypothesis-id", compact=True)
                yield Static("statement")
                yield Input(
                    placeholder="the claim, in words", id="hypothesis-statement", compact=True
                )
                yield Static("parameter")
                yield Select(
                    [(Text(name), name) for name in self.parameters],
                    prompt="the tuned parameter it is about",
                    id="hypothesis-parameter",
                    compact=True,
                )
                yield Static("expected")
                yield Input(
                    placeholder='higher, lower, or the best value: 1e-3, true, "adam"',
                    id="hypothesis-expected",
                    compact=True,
                )
                yield Static("reasoning")
                yield Input(placeholder="why (optional)", id="hypothesis-reasoning", compact=True)
            yield Static(id="hypothesis-error")
            yield Static(
                Text("enter: next field · ctrl+s adds · escape cancels", style="dim"),
                classes="hint",
            )

    def on_mount(self) -> None:
        self.query_one("#hypothesis-statement", Input).focus()

    def hypothesis(self) -> Hypothesis:
        """What the form holds now."""
        parameter = self.query_one("#hypothesis-parameter", Select).value
        return Hypothesis(
            id=self._value("id").strip(),
            statement=" ".join(self._value("statement").split()),
            parameter=parameter if isinstance(parameter, str) else "",
            expected=parse_expected(self._value("expected")),
            reasoning=self._value("reasoning").strip(),
        )

    def _value(self, field: str) -> str:
        return self.query_one(f"#hypothesis-{field}", Input).value

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "hypothesis-reasoning":
            self.action_save_hypothesis()
        else:
            self.focus_next()

    def action_save_hypothesis(self) -> None:
        hypothesis = self.hypothesis()
        self.error = self._check(hypothesis)
        if self.error is None:
            self.dismiss(hypothesis)
            return
        self.query_one("#hypothesis-error", Static).update(
            Text(one_line(self.error, 300), style="bold red")
        )

    def action_cancel_hypothesis(self) -> None:
        self.dismiss(None)
