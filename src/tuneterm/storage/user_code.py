"""The user's own trainable: "package.module:function", imported from the working directory."""

import importlib
import inspect
import os
import sys
from collections.abc import Callable
from types import ModuleType

__all__ = ["UserCodeError", "import_trainable"]

_SHAPE = "a trainable is a function of one argument, the config dict, as in def train(config)"
"""How Ray calls a function trainable, said at the end of every refusal of one."""


class UserCodeError(Exception):
    """Why a user's entry point cannot be used, on one line."""


def import_trainable(entry_point: str) -> tuple[ModuleType, Callable[..., object]]:
    """The module and the function "package.module:function" names; UserCodeError if not one."""
    module_name, _, attribute = entry_point.partition(":")
    module = _import_module(module_name)
    if not hasattr(module, attribute):
        raise UserCodeError(f"module '{module_name}' has no attribute '{attribute}'")
    target = getattr(module, attribute)
    if not callable(target):
        kind = type(target).__name__
        raise UserCodeError(f"'{entry_point}' is not callable (it is a {kind})")
    _check_signature(entry_point, target)
    return module, target


def _check_signature(entry_point: str, target: Callable[..., object]) -> None:
    """Refuse what Ray would refuse only once the sweep has started: it calls `target(config)`."""
    if inspect.isclass(target):
        raise UserCodeError(f"'{entry_point}' is a class: {_SHAPE}")
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):
        message = f"the parameters of '{entry_point}' cannot be read (a built-in?): {_SHAPE}"
        raise UserCodeError(message) from None
    try:
        signature.bind({})
    except TypeError:
        raise UserCodeError(f"'{entry_point}' {_takes(signature)}: {_SHAPE}") from None


def _takes(signature: inspect.Signature) -> str:
    """What is wrong with a signature that cannot be called with the config alone."""
    kinds = inspect.Parameter
    parameters = signature.parameters.values()
    positional = (kinds.POSITIONAL_ONLY, kinds.POSITIONAL_OR_KEYWORD, kinds.VAR_POSITIONAL)
    if not any(parameter.kind in positional for parameter in parameters):
        return "takes no positional argument"
    variable = (kinds.VAR_POSITIONAL, kinds.VAR_KEYWORD)
    required = [
        parameter.name
        for parameter in parameters
        if parameter.default is parameter.empty and parameter.kind not in variable
    ]
    return f"needs {len(required)} arguments ({', '.join(required)})"


def _import_module(module_name: str) -> ModuleType:
    # Users run tuneterm next to their training script, which is not an installed package.
    cwd = os.getcwd()
    if sys.path[:1] != [cwd]:
        sys.path.insert(0, cwd)
    try:
        return importlib.import_module(module_name)
    except (Exception, SystemExit) as error:
        message = f"cannot import '{module_name}' ({type(error).__name__}: {error})"
        raise UserCodeError(message) from None
