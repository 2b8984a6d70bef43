"""What the help screen lists: every screen's keys, under the screen's name."""

from __future__ import annotations

from textual.binding import Binding

from tuneterm.ui.alerts import TOGGLE_BELL
from tuneterm.ui.keys import COMMAND_PALETTE, DETACH, SHOW_HELP
from tuneterm.ui.screens.help import HelpSection


def help_sections() -> list[HelpSection]:
    """Every screen's and modal's keys; the keys that work everywhere come last."""
    # Imported here, when help is first asked for: the dashboard's first frame does not wait.
    from tuneterm.ui.modals.confirm import ConfirmModal
    from tuneterm.ui.modals.filter import FilterModal
    from tuneterm.ui.modals.note import NoteModal
    from tuneterm.ui.modals.verdict import HypothesisModal, VerdictModal
    from tuneterm.ui.screens.compare import CompareScreen
    from tuneterm.ui.screens.detail import TrialDetailScreen
    from tuneterm.ui.screens.hypotheses import HypothesesScreen
    from tuneterm.ui.screens.importance import ImportanceScreen
    from tuneterm.ui.screens.journal import JournalScreen
    from tuneterm.ui.screens.parallel import ParallelScreen
    from tuneterm.ui.screens.pareto import ParetoScreen
    from tuneterm.ui.screens.plots import PlotScreen
    from tuneterm.ui.screens.sweep import READ_ONLY_BINDING_ID, SweepScreen
    from tuneterm.ui.widgets.output_pane import OutputPane

    table = [
        binding
        for binding in SweepScreen.BINDINGS
        if not (isinstance(binding, Binding) and binding.id == READ_ONLY_BINDING_ID)
    ]
    return [
        ("Trial table", table),
        ("Confirming a stop or pause", ConfirmModal.BINDINGS),
        ("Typing a filter expression", FilterModal.BINDINGS),
        ("Trial detail", TrialDetailScreen.BINDINGS),
        ("Trial output (o in the detail)", OutputPane.BINDINGS),
        ("Plots", PlotScreen.BINDINGS),
        ("Parallel coordinates", ParallelScreen.BINDINGS),
        ("Pareto front", ParetoScreen.BINDINGS),
        ("Importance", ImportanceScreen.BINDINGS),
        ("Hypotheses", HypothesesScreen.BINDINGS),
        ("Marking a verdict", VerdictModal.BINDINGS),
        ("Adding a hypothesis", HypothesisModal.BINDINGS),
        ("Writing a note", NoteModal.BINDINGS),
        ("Journal", JournalScreen.BINDINGS),
        ("Compare", CompareScreen.BINDINGS),
        ("Everywhere", [DETACH, SHOW_HELP, TOGGLE_BELL, COMMAND_PALETTE]),
    ]
