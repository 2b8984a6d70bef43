"""The user's own trainable: "package.module:function", imported from the working directory."""

import importlib
import os
import sys
from collections.abc import Callable
from types import ModuleType

__all__ = ["UserCodeError", "import_trainable"]


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
    return module, target


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
