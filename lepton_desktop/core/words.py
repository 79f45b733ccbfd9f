"""Small pieces of the sentences the app and the CLI say."""

from __future__ import annotations


def people(count: int) -> str:
    """``"1 person"``, ``"3 people"``."""
    return f"{count} {'person' if count == 1 else 'people'}"
