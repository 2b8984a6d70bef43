"""The argument parser every command shares: no abbreviated flags, and every mistake one line.

argparse would print its usage block (four lines and more) and take `--headles` for `--headless`;
here an unknown command or flag is one `error:` line naming it, with the closest valid one.
"""

from __future__ import annotations

import argparse
import difflib
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, NoReturn, cast

from tuneterm.cli.usage import UsageError

if TYPE_CHECKING:
    # What each command module adds its parsers to; at run time, they are CommandLineParsers.
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]

HELP_FLAGS = frozenset({"-h", "--help"})


class CommandLineParser(argparse.ArgumentParser):
    """An ArgumentParser (the top one or a command's) that raises UsageError for bad input."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)
        self.commands: dict[str, CommandLineParser] = {}

    def add_commands(self) -> Subparsers:
        """The subcommands, each parsed by a CommandLineParser kept in `commands`."""
        subparsers = self.add_subparsers(dest="command", required=True)
        self.commands = subparsers.choices
        return cast("Subparsers", subparsers)

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.command_prefix()}{message}")

    def command_prefix(self) -> str:
        """What starts a command's error lines ("run: "); nothing for the top parser's."""
        command = self.prog.partition(" ")[2]
        return f"{command}: " if command else ""

    def flags(self) -> list[str]:
        return list(self._option_string_actions)

    def takes_value(self, flag: str) -> bool:
        action = self._option_string_actions.get(flag)
        return action is not None and action.nargs != 0

    def parse_command_line(self, argv: Sequence[str]) -> argparse.Namespace:
        """The parsed arguments; UsageError (one line) for anything the command does not take."""
        self.check_command_word(argv)
        args, extras = self.parse_known_args(argv)
        if extras:
            raise UsageError(self.commands[args.command].unexpected(extras[0]))
        return args

    def check_command_word(self, argv: Sequence[str]) -> None:
        """Refuse an unknown option before the command, an unknown command, or none at all."""
        for word in self._leading_words(argv):
            if word in HELP_FLAGS:
                return
            if word.startswith("-"):
                raise UsageError(self.unexpected(word))
            if word not in self.commands:
                raise UsageError(f"unknown command {word!r}{self._closest_command(word)}")
            return
        raise UsageError(f"no command given (one of: {', '.join(self.commands)})")

    def _leading_words(self, argv: Sequence[str]) -> Iterator[str]:
        """The words up to the command, past the values of the top-level options given."""
        words = iter(argv)
        for word in words:
            flag, equals, _ = word.partition("=")
            if flag in self._option_string_actions and flag not in HELP_FLAGS:
                if not equals and self.takes_value(flag) and next(words, None) is None:
                    raise UsageError(f"{flag}: expected a value")
                continue
            yield word

    def _closest_command(self, word: str) -> str:
        close = difflib.get_close_matches(word, list(self.commands), n=1)
        if close:
            return f" (did you mean {close[0]!r}?)"
        return f" (commands: {', '.join(self.commands)})"

    def unexpected(self, word: str) -> str:
        """The line for a word this parser does not take: an unknown flag, or one word too many."""
        prefix = self.command_prefix()
        if not word.startswith("-") or word == "-":
            return f"{prefix}unexpected argument {word!r}"
        flag = word.partition("=")[0]
        return f"{prefix}unknown option {flag}{closest_flag(flag, self.flags(), self.prog)}"


def closest_flag(flag: str, flags: Iterable[str], prog: str) -> str:
    """The hint after an unknown flag: the closest valid one, else where to look them up."""
    close = difflib.get_close_matches(flag, [f for f in flags if f not in HELP_FLAGS], n=1)
    return f" (did you mean {close[0]}?)" if close else f" (see {prog} --help)"
