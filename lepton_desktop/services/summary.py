"""What an analysis found, per person: when they are seen and how their expressions divide up."""

from __future__ import annotations

from typing import Any

import numpy as np

from lepton_desktop.core.emotions import EMOTIONS
from lepton_desktop.vision.analyzer import FaceRows


def people_summary(
    rows: FaceRows | None, times: np.ndarray, names: dict[int, str] | None = None
) -> list[dict[str, Any]]:
    """One entry per person: frames seen, first and last seen, and each emotion's share.

    A share is the part of the person's frames where that emotion is the most likely one (they sum to 1).
    """
    if rows is None or len(rows) == 0:
        return []
    out = []
    for number in np.unique(rows.tracks).tolist():
        mask = rows.tracks == number
        frames = rows.frames[mask]
        top = rows.probs[mask].argmax(axis=1)
        counts = np.bincount(top, minlength=len(EMOTIONS))
        share = {e: round(float(c) / len(top), 4) for e, c in zip(EMOTIONS, counts, strict=True)}
        first, last = int(frames.min()), int(frames.max())
        out.append({
            "person": int(number),
            "name": (names or {}).get(number, f"Person {number}"),
            "frames_seen": len(frames),
            "first_frame": first,
            "last_frame": last,
            "first_seen_s": round(float(times[first]), 3),
            "last_seen_s": round(float(times[last]), 3),
            "dominant": EMOTIONS[int(counts.argmax())],
            "share": share,
        })  # fmt: skip
    return out


def one_line(person: dict[str, Any]) -> str:
    """``Person 1: seen 0.0–4.2 s, mostly happy (62%), also neutral (30%)`` (shares of the time, not their order)."""
    ranked = sorted(person["share"].items(), key=lambda kv: -kv[1])
    parts = [f"{e} ({s:.0%})" for e, s in ranked[:2] if s > 0]
    return (f"{person['name']}: seen {person['first_seen_s']:.1f}–{person['last_seen_s']:.1f} s, mostly "
            + ", also ".join(parts))  # fmt: skip
