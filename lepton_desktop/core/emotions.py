"""The emotion taxonomy: the seven FER2013 classes, in the model's order."""

from __future__ import annotations

EMOTIONS: tuple[str, ...] = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
"""Class names in the order of the model's output vector. Never reorder."""


def emotion_index(name: str) -> int:
    """Return the class index of ``name`` (case-insensitive).

    Raises ``ValueError`` with the list of valid names for anything else.
    """
    key = name.strip().lower()
    try:
        return EMOTIONS.index(key)
    except ValueError:
        raise ValueError(f"unknown emotion {name!r}; expected one of: {', '.join(EMOTIONS)}") from None
