"""The command line's argument types and parser: frame numbers and times, counts, and usage errors in one line.

Shared by ``lepton_desktop.cli`` and its ``cli_*`` command modules.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from typing import Any, NoReturn


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


class Seconds(float):
    """A time typed for a frame (``12.5s``, ``0:12.5``, ``00:00:12.400``): the frame on screen then."""


def _frame_or_time(text: str) -> int | Seconds:
    """A frame number, or a time in seconds (``12.5s``) or clock form (``1:02.5``, ``0:01:02.5``)."""
    from lepton_desktop.core.positions import read_position

    try:
        position = read_position(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return Seconds(position.seconds) if position.seconds is not None else int(position.frame or 0)


def _positive(text: str) -> int:
    value = _whole(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def _non_negative(text: str) -> int:
    value = _whole(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return value


class _Parser(argparse.ArgumentParser):
    """argparse, saying a usage mistake in one line that points at ``--help`` (not the whole usage block)."""

    def error(self, message: str) -> NoReturn:
        wrong = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)$", message)
        near = _nearest(wrong.group(1), re.findall(r"'([^']*)'", wrong.group(2))) if wrong else ""
        if wrong and near:  # a mistyped command or choice: the nearest one offered, not the whole list
            message = message[: wrong.start()] + f"invalid choice: '{wrong.group(1)}'{near}"
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")

    def parse_args(self, args: Sequence[str] | None = None, namespace: Any = None) -> Any:  # type: ignore[override]
        """As argparse, but an unknown option is told by the command it was given to, with the nearest one."""
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            command = self._command_parser(parsed)
            options = list(command._option_string_actions) if command is not None else []
            unknown = next((e.split("=", 1)[0] for e in extras if e.startswith("-")), "")
            (command or self).error(f"unrecognized arguments: {' '.join(extras)}{_nearest(unknown, options)}")
        return parsed

    def _command_parser(self, parsed: Any) -> argparse.ArgumentParser | None:
        """The innermost command given (``lepton project init``'s parser, not ``lepton project``'s)."""
        parser: argparse.ArgumentParser = self
        found = None
        while True:
            subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
            name = getattr(parsed, subs[0].dest, None) if subs and subs[0].dest != argparse.SUPPRESS else None
            if not subs or name not in subs[0].choices:
                return found
            parser = found = subs[0].choices[name]


def _nearest(typed: str, offered: Sequence[str]) -> str:
    """``; did you mean 'x'?`` for the offered word nearest to ``typed`` (nothing when none is near)."""
    import difflib

    near = difflib.get_close_matches(typed, offered, n=1, cutoff=0.6) if typed.strip("-") else []
    return f"; did you mean '{near[0]}'?" if near else ""
