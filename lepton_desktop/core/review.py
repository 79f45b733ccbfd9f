"""The review queue: the stretches of a video that most need a human, each with its reason.

Pure numpy over what the app already holds (per-person probabilities, resolved corrections per
annotator, another model version's labels), so the queue can be rebuilt at once whenever a
correction arrives. Reasons, from the most to the least pressing:

- ``annotators`` — two annotators gave the same frames different labels;
- ``models`` — another model version's dominant emotion differs from the shown one;
- ``low_confidence`` — the top probability is low, or the distribution is flat (high entropy);
- ``flicker`` — the dominant emotion changes several times within a short window;
- ``unreviewed`` — frames where the person is seen that no correction covers, for a person whose
  review is not marked done.

A stretch a human has corrected (or marked reviewed for that reason) leaves the queue.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from lepton_desktop.core.emotions import EMOTIONS

REASONS = ("annotators", "models", "low_confidence", "flicker", "unreviewed")
REASON_TEXT = {
    "annotators": "annotators disagree",
    "models": "model versions disagree",
    "low_confidence": "low confidence",
    "flicker": "flicker",
    "unreviewed": "not yet reviewed",
}
_WEIGHT = {"annotators": 1.0, "models": 0.9, "low_confidence": 0.8, "flicker": 0.7, "unreviewed": 0.3}

Labels = npt.NDArray[np.int8]
"""Per-frame emotion indexes, -1 where there is none."""


@dataclass(frozen=True)
class ReviewThresholds:
    """When a stretch needs a human; the defaults suit 25-30 fps footage."""

    low_top: float = 0.5
    """A frame is uncertain when its top probability is below this..."""
    high_entropy: float = 0.8
    """...or its entropy, as a share of the most possible (log 7), is above this."""
    min_frames: int = 8
    """Shorter stretches are not worth a stop (except annotator disagreement, always listed)."""
    flicker_window: int = 25
    """Frames in the sliding window that counts label changes."""
    flicker_changes: int = 3
    """This many changes of the dominant emotion within the window is flicker."""
    covered: float = 0.8
    """A stretch this much covered by corrections (or by review marks for its reason) is done."""


@dataclass(frozen=True)
class ReviewItem:
    """One stretch of one person to look at."""

    person: int
    first: int
    last: int
    reason: str
    score: float
    """Severity within 0..1; the queue is ranked by reason weight times score."""
    detail: str

    @property
    def frames(self) -> int:
        """How many frames the stretch spans."""
        return self.last - self.first + 1

    @property
    def rank(self) -> float:
        """Where it goes in the queue: the reason's weight times the severity."""
        return _WEIGHT[self.reason] * self.score


@dataclass
class PersonEvidence:
    """What is known about one person over the video's frames."""

    probs: npt.NDArray[np.floating]
    """(frames, 7), NaN where the person is not seen."""
    annotators: Mapping[str, Labels]
    """Each annotator's resolved labels."""
    other_model: Labels | None = None
    """Another model version's dominant emotion (-1 where not seen); None when there is none."""
    other_name: str = ""
    review_done: bool = False
    marks: Sequence[tuple[int, int, str]] = ()
    """(first, last, reason) stretches marked reviewed."""


def spans(mask: npt.NDArray[np.bool_], *, bridge: int = 0) -> list[tuple[int, int]]:
    """Inclusive runs of True, joining runs separated by at most ``bridge`` False frames."""
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(idx) > bridge + 1)
    firsts = np.concatenate([idx[:1], idx[breaks + 1]])
    lasts = np.concatenate([idx[breaks], idx[-1:]])
    return [(int(a), int(b)) for a, b in zip(firsts, lasts, strict=True)]


def _entropy_share(probs: npt.NDArray[np.floating]) -> npt.NDArray[np.floating]:
    p = np.clip(np.nan_to_num(probs), 1e-9, 1.0)
    share: npt.NDArray[np.floating] = -(p * np.log(p)).sum(axis=1) / np.log(probs.shape[1])
    return share


def _flicker_mask(dominant: Labels, window: int, changes: int) -> npt.NDArray[np.bool_]:
    seen = dominant >= 0
    window = max(1, min(window, dominant.shape[0]))  # a clip shorter than the window is one window
    change = np.zeros(dominant.shape[0], dtype=np.int32)
    change[1:] = (dominant[1:] != dominant[:-1]) & seen[1:] & seen[:-1]
    counts = np.convolve(change, np.ones(window, dtype=np.int32), mode="same")
    return (counts >= changes) & seen


class _Sums:
    """Prefix sums of a per-frame array: the sum or mean over any stretch in O(1)."""

    def __init__(self, values: npt.NDArray[np.generic]) -> None:
        self.c = np.concatenate([[0.0], np.cumsum(values, dtype=np.float64)])

    def total(self, first: int, last: int) -> float:
        return float(self.c[last + 1] - self.c[first])

    def mean(self, first: int, last: int) -> float:
        return self.total(first, last) / (last - first + 1)


def person_queue(person: int, ev: PersonEvidence, t: ReviewThresholds) -> list[ReviewItem]:
    """The review items of one person."""
    n = ev.probs.shape[0]
    seen = ~np.isnan(ev.probs[:, 0]) if n else np.zeros(0, dtype=bool)
    dominant = np.where(seen, np.nan_to_num(ev.probs).argmax(axis=1), -1).astype(np.int8) if n else np.zeros(0, np.int8)
    corrected = np.zeros(n, dtype=bool)
    for labels in ev.annotators.values():
        corrected |= labels[:n] >= 0
    marked = {r: np.zeros(n, dtype=bool) for r in REASONS}
    for first, last, reason in ev.marks:
        if reason in marked:
            marked[reason][max(first, 0) : last + 1] = True
    corrected_sums = _Sums(corrected)
    marked_sums = {r: _Sums(m) for r, m in marked.items()}
    items: list[ReviewItem] = []

    def keep(
        first: int, last: int, reason: str, describe: Callable[[], tuple[float, str]], *, short_ok: bool = False
    ) -> None:
        """List the stretch unless it is too short or already dealt with; ``describe`` gives (score, detail)."""
        if not short_ok and last - first + 1 < t.min_frames:
            return
        if marked_sums[reason].mean(first, last) >= t.covered:
            return
        if reason != "annotators" and corrected_sums.mean(first, last) >= t.covered:
            return
        score, detail = describe()
        items.append(ReviewItem(person, first, last, reason, float(np.clip(score, 0.0, 1.0)), detail))

    # annotators disagree: every pair, on the frames both labelled
    names = sorted(ev.annotators)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            la, lb = ev.annotators[a][:n], ev.annotators[b][:n]
            clash = (la >= 0) & (lb >= 0) & (la != lb)
            for first, last in spans(clash):
                detail = f"{a}: {EMOTIONS[la[first]]}, {b}: {EMOTIONS[lb[first]]}"
                keep(first, last, "annotators", _fixed(1.0, detail), short_ok=True)

    if ev.other_model is not None:
        other = ev.other_model[:n]
        m = other.shape[0]
        differ = seen[:m] & (other >= 0) & (other != dominant[:m])
        differ_sums = _Sums(differ)
        name = ev.other_name or "other version"
        for first, last in spans(differ, bridge=2):

            def models(first: int = first, last: int = last) -> tuple[float, str]:
                mine, theirs = _mode(dominant[first : last + 1]), _mode(other[first : last + 1])
                return differ_sums.mean(first, last), f"shown: {mine}, {name}: {theirs}"

            keep(first, last, "models", models)

    if n:
        top = np.nan_to_num(ev.probs).max(axis=1)
        entropy = _entropy_share(ev.probs)
        unsure = seen & ((top < t.low_top) | (entropy > t.high_entropy))
        top_sums, seen_sums = _Sums(np.where(seen, top, 0.0)), _Sums(seen)
        for first, last in spans(unsure, bridge=2):

            def low(first: int = first, last: int = last) -> tuple[float, str]:
                mean_top = top_sums.total(first, last) / max(seen_sums.total(first, last), 1.0)
                return 1.0 - mean_top, f"mean top probability {mean_top:.2f}"

            keep(first, last, "low_confidence", low)

        flicker = _flicker_mask(dominant, t.flicker_window, t.flicker_changes)
        for first, last in spans(flicker, bridge=2):

            def flick(first: int = first, last: int = last) -> tuple[float, str]:
                part = dominant[first : last + 1]
                flips = int(((part[1:] != part[:-1]) & (part[1:] >= 0) & (part[:-1] >= 0)).sum())
                rate = flips / max(1, last - first + 1) * t.flicker_window
                shown = ", ".join(EMOTIONS[k] for k in np.unique(part[part >= 0]))
                return min(1.0, rate / (2 * t.flicker_changes)), f"{flips} changes: {shown}"

            keep(first, last, "flicker", flick)

        if not ev.review_done:
            for first, last in spans(seen & ~corrected, bridge=2):
                share = min(1.0, (last - first + 1) / max(n, 1) * 4)
                keep(first, last, "unreviewed", _fixed(share, "no correction yet"))
    return items


def _fixed(score: float, detail: str) -> Callable[[], tuple[float, str]]:
    return lambda: (score, detail)


def _mode(labels: Labels) -> str:
    valid = labels[labels >= 0]
    if valid.size == 0:
        return "-"
    return EMOTIONS[int(np.bincount(valid, minlength=len(EMOTIONS)).argmax())]


def build_queue(
    people: Mapping[int, PersonEvidence], thresholds: ReviewThresholds | None = None, reasons: Sequence[str] = REASONS
) -> list[ReviewItem]:
    """Every person's items for the chosen reasons, most pressing first (ties: by person, then frame)."""
    t = thresholds or ReviewThresholds()
    items = [i for p, ev in people.items() for i in person_queue(p, ev, t) if i.reason in reasons]
    items.sort(key=lambda i: (-round(i.rank, 6), i.person, i.first))
    return items


def counts(items: Sequence[ReviewItem]) -> dict[str, int]:
    """How many items per reason (every reason listed, zeros included)."""
    out = dict.fromkeys(REASONS, 0)
    for item in items:
        out[item.reason] += 1
    return out
