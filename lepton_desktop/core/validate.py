"""Checks on values that people and scripts hand in: names and frame numbers, one sentence when wrong."""

from __future__ import annotations

NAME_LIMIT = 200
"""The most characters a person's or an annotator's name may have (the schema's column width)."""


def clean_name(text: object, what: str) -> str:
    """``text`` stripped, or ValueError with one sentence: empty, control characters, or over the limit.

    The same rule on SQLite (which would store any length) and PostgreSQL (which would refuse it
    with raw SQL text).
    """
    if not isinstance(text, str):
        raise ValueError(f"{what} must be text, not {type(text).__name__}")
    name = text.strip()
    if not name:
        raise ValueError(f"{what} cannot be empty")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise ValueError(f"{what} cannot contain control characters (such as NUL or a line break)")
    if len(name) > NAME_LIMIT:
        raise ValueError(f"{what} can have at most {NAME_LIMIT} characters; this one has {len(name)}")
    return name


def frame_number(value: object, what: str = "a frame number") -> int:
    """``value`` as a frame number (a whole number, 0 or more), or ValueError with one sentence."""
    if isinstance(value, bool) or not hasattr(value, "__index__"):  # int and numpy integers; no floats
        raise ValueError(f"{what} must be a whole number, not {value!r}")
    number = int(value)
    if number < 0:
        raise ValueError(f"{what} cannot be negative ({number}); frame numbers start at 0")
    return number
