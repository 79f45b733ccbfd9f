"""Fixed, distinguishable colours for the seven emotions (colour-blind-aware, Okabe-Ito based).

One table for the app's timelines and the reports, so a colour means the same emotion everywhere.
"""

from __future__ import annotations

from lepton_desktop.core.emotions import EMOTIONS

EMOTION_COLORS: dict[str, tuple[int, int, int]] = {
    "angry": (213, 94, 0),  # vermillion
    "disgust": (0, 158, 115),  # bluish green
    "fear": (204, 121, 167),  # reddish purple
    "happy": (240, 228, 66),  # yellow
    "sad": (0, 114, 178),  # blue
    "surprise": (230, 159, 0),  # orange
    "neutral": (170, 170, 170),  # grey
}
assert tuple(EMOTION_COLORS) == EMOTIONS


def hex_color(emotion: str) -> str:
    """``#rrggbb`` of an emotion's colour."""
    r, g, b = EMOTION_COLORS[emotion]
    return f"#{r:02x}{g:02x}{b:02x}"
