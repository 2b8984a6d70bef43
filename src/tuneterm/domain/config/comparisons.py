"""`[experiment] compare_with`: the earlier experiments a journal compares this one with.

Whether a named experiment exists is a question for the machine, asked through an
`ExperimentFinder` (part of validation's `Workspace`), so that the check itself reads nothing.
"""

import dataclasses
from typing import Protocol

from tuneterm.domain.config.space import ValidationError, require
from tuneterm.domain.config.spec import ExperimentSpec

KEY = "experiment.compare_with"


class ExperimentFinder(Protocol):
    """Where earlier experiments are looked up."""

    def find_experiment(self, reference: str) -> str:
        """The absolute directory of the experiment `reference` names (an experiment's name, or
        a directory); LookupError, its message one line saying why, when there is none."""
        ...


def resolve_compare_with(spec: ExperimentSpec, finder: ExperimentFinder) -> ExperimentSpec:
    """`spec` with each compare_with entry replaced by its experiment's directory (duplicates
    dropped); ValidationError naming the entry that names no experiment."""
    if spec.compare_with is None:
        return spec
    directories: list[str] = []
    for reference in spec.compare_with:
        require(reference.strip() != "", KEY, "an entry is empty: name an experiment or directory")
        try:
            directory = finder.find_experiment(reference)
        except LookupError as error:
            raise ValidationError(KEY, str(error.args[0] if error.args else error)) from None
        if directory not in directories:
            directories.append(directory)
    return dataclasses.replace(spec, compare_with=tuple(directories))
