"""How a report writes numbers and names: times, shares, kappa, settings. Shared by the HTML and the PDF."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lepton_desktop.services.report_data import AgreementFacts, PersonReport, Thumbnail

SETTING_NAMES = {
    "stride": ("Face detection", "every {} frames (tracking fills the frames between)"),
    "min_face": ("Smallest face found", "{} px"),
    "detect_max_side": ("Detection image", "longer side {} px"),
    "max_missed": ("Missed detections bridged", "up to {} in a row"),
    "steady_stride": ("While faces are steady", "one detection frame in {} detected"),
}
REVIEW = {"not_started": "not started", "in_progress": "in progress", "done": "done"}
ORIGINS = {"human": "relabelled", "accepted": "accepted proposals", "import": "imported"}


def duration(seconds: float) -> str:
    """A length: ``2.4 s``, ``3:05 min``, ``1:02:03 h``."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d} h" if hours else f"{minutes}:{secs:02d} min"


def stamp(seconds: float) -> str:
    """A moment, to a tenth of a second: ``0:07.4``, ``1:02:03.4``."""
    tenths = max(0, round(seconds * 10))
    whole, tenth = divmod(tenths, 10)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}.{tenth}" if hours else f"{minutes}:{secs:02d}.{tenth}"


def pct(share: float) -> str:
    """``72%``; ``<1%`` for a share that rounds to nothing but is not nothing; ``–`` for none."""
    if share <= 0:
        return "–"
    return "<1%" if share < 0.005 else f"{share:.0%}"


def when(moment: datetime | None) -> str:
    """``2026-11-24 01:21 UTC``."""
    if moment is None:
        return "–"
    return (
        moment.strftime("%Y-%m-%d %H:%M UTC") if moment.utcoffset() is not None else moment.strftime("%Y-%m-%d %H:%M")
    )


def kappa_reading(kappa: float) -> str:
    """Landis and Koch's words for a kappa (none above chance at 0 or below: "slight" would flatter it)."""
    if kappa <= 0:
        return "no" if kappa == 0 else "poor"
    for limit, word in ((0.2, "slight"), (0.4, "fair"), (0.6, "moderate"), (0.8, "substantial")):
        if kappa <= limit:
            return word
    return "almost perfect"


def agreement_sentence(facts: AgreementFacts, scope: str) -> str:
    """One sentence: who, over how many frames, how often they agree, and kappa."""
    a, b = facts.annotators
    if facts.frames == 0:
        return f"{a} and {b} labelled no frame of {scope} in common, so their agreement cannot be measured."
    return (
        f"{a} and {b} both labelled {facts.frames} frames of {scope} and chose the same emotion on "
        f"{facts.agreement:.0%} of them: Cohen's kappa {facts.kappa:.2f} ({kappa_reading(facts.kappa)} agreement)."
    )


def person_title(person: PersonReport) -> str:
    """``Person 2`` or ``Ana (person 2)``."""
    default = f"Person {person.number}"
    return default if person.name == default else f"{person.name} (person {person.number})"


def person_line(person: PersonReport) -> str:
    """What is known about a person in one line."""
    parts = [f"seen {stamp(person.first_s)}–{stamp(person.last_s)} on {person.frames_seen} frames"]
    if person.human_frames:
        parts.append(f"human labels on {person.human_frames} of them by {', '.join(person.annotators)}")
    else:
        parts.append("no human labels")
    parts.append(f"review {REVIEW.get(person.review_status, person.review_status)}")
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def thumb_caption(thumb: Thumbnail) -> tuple[str, str]:
    """(emotion and probability, time and frame) under a face thumbnail."""
    return f"{thumb.emotion} {thumb.probability:.0%}", f"{stamp(thumb.time_s)} · frame {thumb.frame}"


def setting_rows(params: dict[str, Any]) -> list[list[str]]:
    """A run's parameters in words (unknown ones as they are stored)."""
    rows = []
    for key, value in params.items():
        name, form = SETTING_NAMES.get(key, (key.replace("_", " "), "{}"))
        rows.append([name, form.format(value)])
    return rows


def origins(counts: dict[str, int]) -> str:
    """``3 relabelled, 1 accepted proposals``."""
    return ", ".join(f"{n} {ORIGINS.get(k, k)}" for k, n in counts.items()) or "–"


def size(count: int) -> str:
    """Bytes in words: ``302 KB``."""
    value = float(count)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{count} bytes"
