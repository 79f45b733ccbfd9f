"""A report as a list of plain blocks (headings, text, tables, figures, faces), in reading order.

Both renderers walk the same list, so the HTML and the PDF say the same things in the same order;
each only decides how a block looks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lepton_desktop.core.emotions import EMOTIONS
from lepton_desktop.core.words import people
from lepton_desktop.services import report_text as say
from lepton_desktop.services.report_data import ModelFacts, PersonReport, Report, VideoReport
from lepton_desktop.services.report_people import MAX_SEGMENT_ROWS, MIN_SEGMENT_S


@dataclass(frozen=True)
class Title:
    """The title block: a small line above, the title, a line under it, key facts."""

    kicker: str
    title: str
    subtitle: str
    facts: list[tuple[str, str]]


@dataclass(frozen=True)
class Heading:
    """A section heading; level 1 is the largest."""

    level: int
    text: str


@dataclass(frozen=True)
class Para:
    """A paragraph of plain text."""

    text: str
    style: str = "body"
    """``body``, ``lead`` (a summary sentence) or ``note`` (small, grey)."""


@dataclass(frozen=True)
class Table:
    """Rows of plain text cells."""

    header: list[str]
    rows: list[list[str]]
    widths: list[float]
    """Relative column widths."""
    numeric: frozenset[int] = frozenset()
    """Columns aligned right."""
    swatch: str | int | None = None
    """``"header"``: header cells are emotions; a column index: that column's cells are; they get a colour mark."""
    facts: bool = False
    """A two-column key/value table (no header row)."""


@dataclass(frozen=True)
class Figure:
    """An image (PNG) with a caption."""

    png: bytes
    width: float
    """Share of the text width."""
    caption: str
    alt: str


@dataclass(frozen=True)
class Faces:
    """Face thumbnails in a row, each with two caption lines."""

    faces: list[tuple[bytes, str, str]] = field(default_factory=list)
    """(PNG, first caption line, second caption line)."""


@dataclass(frozen=True)
class Break:
    """Where a printed page may (or must) end."""

    hard: bool = False
    """A hard break always starts a new page; a soft one only when less than ``room_mm`` is left."""
    room_mm: float = 0.0


Block = Title | Heading | Para | Table | Figure | Faces | Break


def outline(report: Report) -> list[Block]:
    """The blocks of a report, in order."""
    out: list[Block] = [_title(report)]
    project = report.scope == "project"
    if project:
        out += [Heading(1, "Overview"), _overview(report)]
        if report.not_analysed:
            out.append(Para("Not analysed yet, so not in this report: " + ", ".join(report.not_analysed) + ".", "note"))
    for video in report.videos:
        if project:
            out += [Break(hard=True), Heading(1, video.video.name), Para(_video_line(video), "lead")]
        out += _video(video, 2 if project else 1)
    out += [Break(hard=True), *_method(report)]
    return out


def _title(report: Report) -> Title:
    p = report.provenance
    facts = [("Project", p.project), ("Generated", f"{say.when(p.generated_at)} by Lepton Desktop {p.app_version}")]
    if report.scope == "video":
        video = report.videos[0]
        facts.insert(0, ("Video", _video_line(video)))
        facts.append(("Model", video.model.name))
        facts.append(("Analysis", f"run {video.run_id}, finished {say.when(video.run_finished)}"))
    else:
        facts.append(("Videos", f"{len(report.videos)} analysed, {people(report.people)}"))
    return Title("Emotion analysis report", report.subtitle, _people_line(report), facts)


def _people_line(report: Report) -> str:
    n = report.people
    if report.scope == "video":
        who = "no face found" if n == 0 else people(n)
        return f"{who} · {say.duration(report.videos[0].video.duration_s)}"
    return f"{len(report.videos)} videos · {n} people"


def _video_line(video: VideoReport) -> str:
    v = video.video
    return f"{say.duration(v.duration_s)} · {v.frames} frames · {v.fps:.3g} fps · {v.width}×{v.height}"


def _overview(report: Report) -> Table:
    rows = []
    for v in report.videos:
        mostly = ", ".join(sorted({p.dominant_corrected for p in v.people})) or "–"
        kappa = f"{v.agreement.kappa:.2f}" if v.agreement and v.agreement.frames else "–"
        done = sum(p.review_status == "done" for p in v.people)
        rows.append(
            [
                v.video.name,
                say.duration(v.video.duration_s),
                str(len(v.people)),
                mostly,
                str(sum(a.corrections for a in v.annotators)),
                kappa,
                f"{done} of {len(v.people)}",
            ]
        )
    header = ["Video", "Length", "People", "Mostly", "Corrections", "Kappa", "Reviewed"]
    return Table(header, rows, [3.2, 1.2, 0.9, 2, 1.3, 0.9, 1.2], frozenset({1, 2, 4, 5}))


def _video(video: VideoReport, level: int) -> list[Block]:
    out: list[Block] = [Heading(level, "Summary")]
    if not video.people:
        return [*out, Para("The analysis found no face in this video.", "lead"),
                *(Para(note, "note") for note in video.notes)]  # fmt: skip
    out.append(_summary(video))
    if video.agreement is not None:
        out.append(Para(say.agreement_sentence(video.agreement, "this video"), "lead"))
    out += [Para(note, "note") for note in video.notes]
    for person in video.people:
        out += [Break(room_mm=110), *_person(person, video, level)]
    out += [Break(room_mm=45), *_corrections(video, level)]
    return out


def _summary(video: VideoReport) -> Table:
    rows = [
        [
            say.person_title(p),
            f"{say.stamp(p.first_s)}–{say.stamp(p.last_s)}",
            str(p.frames_seen),
            p.dominant,
            f"{p.dominant_corrected} ({say.pct(p.corrected_share[p.dominant_corrected])})" if p.human_frames else "–",
            str(p.human_frames),
            say.REVIEW.get(p.review_status, p.review_status),
        ]
        for p in video.people
    ]
    header = ["Person", "Seen", "Frames", "Mostly (model)", "Mostly (corrected)", "Labelled", "Review"]
    return Table(header, rows, [2.8, 1.9, 0.9, 1.4, 1.7, 1.0, 1.45], frozenset({2, 5}))


def _person(person: PersonReport, video: VideoReport, level: int) -> list[Block]:
    out: list[Block] = [Heading(level, say.person_title(person)), Para(say.person_line(person))]
    share_rows = [["Model", *(say.pct(person.model_share[e]) for e in EMOTIONS)]]
    if person.human_frames:
        share_rows.append(["After corrections", *(say.pct(person.corrected_share[e]) for e in EMOTIONS)])
    out += [
        Figure(person.share_png, 1.0, "", f"Share of time per emotion for {person.name}"),
        Table(
            ["Share of time", *EMOTIONS],
            share_rows,
            [2.2] + [1.0] * len(EMOTIONS),
            frozenset(range(1, 8)),
            swatch="header",
        ),
        Figure(
            person.timeline_png,
            1.0,
            "Curves: each emotion's probability, frame by frame. Bands: the model's most likely emotion, and the "
            "human label (where corrections overlap, the newest wins). Light grey: not seen, or not labelled.",
            f"Emotion timeline of {person.name}",
        ),
    ]
    if person.thumbnails:
        out += [
            Heading(level + 1, "Strongest moments"),
            Faces([(t.png, *say.thumb_caption(t)) for t in person.thumbnails]),
        ]
    elif person.frames_seen:
        out.append(Para("No face thumbnails: the video file could not be read (see the notes above).", "note"))
    out += [Heading(level + 1, "Segments (model)"), *_segments(person)]
    if person.human_segments:
        rows = [
            [s.label, say.stamp(s.start_s), say.stamp(s.end_s), say.duration(s.end_s - s.start_s), s.who]
            for s in person.human_segments
        ]
        out += [
            Heading(level + 1, "Human labels"),
            Table(
                ["Emotion", "Start", "End", "Duration", "By"],
                rows,
                [1.6, 1.2, 1.2, 1.2, 3],
                frozenset({1, 2, 3}),
                swatch=0,
            ),
        ]
    if person.agreement is not None:
        out.append(Para(say.agreement_sentence(person.agreement, person.name), "lead"))
    out += _affect(person, level)
    return out


def _affect(person: PersonReport, level: int) -> list[Block]:
    """Valence, arousal and the most active facial actions (when the analysis read them)."""
    if person.valence is None:
        return []
    rows = [["Valence (−1 negative … +1 positive)", f"{person.valence:+.2f}"]]
    if person.arousal is not None:
        rows.append(["Arousal (0 still … 1 very active)", f"{person.arousal:.2f}"])
    rows += [[f"Facial action: {name}", f"{value:.2f}"] for name, value in person.top_actions]
    out: list[Block] = [
        Heading(level + 1, "Valence, arousal and facial actions"),
        Table(["Measure (mean over the frames seen)", "Value"], rows, [4, 1], frozenset({1})),
    ]
    if person.arousal is None:
        out.append(
            Para(
                "Arousal and facial actions were not read in this analysis: analyse with facial actions "
                "(lepton analyze --actions, or Analysis > Read facial actions in the app) to include them.",
                "note",
            )
        )
    return out


def _segments(person: PersonReport) -> list[Block]:
    rows = [
        [
            str(i),
            s.label,
            say.stamp(s.start_s),
            say.stamp(s.end_s),
            say.duration(s.end_s - s.start_s),
            f"{s.confidence:.0%}" if s.confidence is not None else "–",
        ]
        for i, s in enumerate(person.segments, start=1)
    ]
    out: list[Block] = []
    if rows:
        out.append(
            Table(
                ["#", "Emotion", "Start", "End", "Duration", "Mean confidence"],
                rows,
                [0.5, 1.6, 1.2, 1.2, 1.2, 1.6],
                frozenset({0, 2, 3, 4, 5}),
                swatch=1,
            )
        )
    n = person.segments_left_out
    if n:
        out.append(
            Para(
                f"{n} more segment{'s' if n != 1 else ''} not listed: shorter than {MIN_SEGMENT_S:g} s "
                f"(a flickering label), or beyond the {MAX_SEGMENT_ROWS} longest.",
                "note",
            )
        )
    return out


def _corrections(video: VideoReport, level: int) -> list[Block]:
    out: list[Block] = [Heading(level, "Corrections")]
    if not video.annotators:
        return [*out, Para("Nobody has corrected this analysis yet: every share above is the model's.")]
    rows = [
        [a.name, str(a.corrections), str(a.frames), str(a.people), str(a.undone), say.origins(a.origins)]
        for a in video.annotators
    ]
    out.append(
        Table(
            ["Annotator", "Corrections", "Frames", "People", "Undone", "Kind"],
            rows,
            [2, 1.2, 1, 0.9, 0.9, 3],
            frozenset({1, 2, 3, 4}),
        )
    )
    agreed = [("the whole video", video.agreement)] + [(p.name, p.agreement) for p in video.people]
    rows = [
        [
            scope,
            " & ".join(a.annotators),
            str(a.frames),
            f"{a.agreement:.0%}" if a.frames else "–",
            f"{a.kappa:.2f}" if a.frames else "–",
            say.kappa_reading(a.kappa) if a.frames else "no overlap",
        ]
        for scope, a in agreed
        if a is not None
    ]
    if rows:
        out += [
            Heading(level + 1, "Agreement"),
            Table(
                ["Over", "Annotators", "Frames both", "Same label", "Kappa", "Reading"],
                rows,
                [2, 2.2, 1.2, 1.2, 0.9, 1.6],
                frozenset({2, 3, 4}),
            ),
        ]
        out.append(
            Para(
                "Cohen's kappa over the frames both annotators labelled, with each annotator's newest "
                "correction per frame; the two who labelled the most frames are compared.",
                "note",
            )
        )
    else:
        out.append(Para("Agreement needs two annotators on the same person; there is one so far.", "note"))
    done = sum(p.review_status == "done" for p in video.people)
    started = sum(p.review_status == "in_progress" for p in video.people)
    out.append(Para(f"Review: {done} of {len(video.people)} people done, {started} in progress."))
    return out


def _method(report: Report) -> list[Block]:
    out: list[Block] = [Heading(1, "Method and provenance")]
    for video in report.videos:
        v = video.video
        out.append(Heading(2, f"Video: {v.name}" if report.scope == "project" else "Video"))
        out.append(
            _facts(
                [
                    ("File", v.path),
                    ("Length", f"{say.duration(v.duration_s)} ({v.frames} frames)"),
                    ("Frame rate", f"{v.fps:.3f} fps" + (" (variable)" if v.vfr else "")),
                    ("Resolution", f"{v.width} × {v.height} px"),
                    ("Format", f"{v.codec} in {v.container}, {say.size(v.size_bytes)}"),
                    ("Content fingerprint", v.fingerprint),
                ]
            )
        )
        settings = [(r[0], r[1]) for r in say.setting_rows(video.settings)]
        out.append(Heading(3, "Analysis"))
        out.append(
            _facts(
                [
                    ("Run", f"{video.run_id}, finished {say.when(video.run_finished)}"),
                    ("Device", video.device or "–"),
                    *settings,
                ]
            )
        )
    for model in _distinct_models(report):
        out += _model(model)
    p = report.provenance
    out.append(Heading(2, "Software"))
    out.append(_facts([*p.packages, ("System", p.platform), ("Generated", say.when(p.generated_at))]))
    out.append(
        Para(
            f"Project file: {Path(p.project).name}. Face detection: MTCNN; tracking fills the frames between "
            "detections; the expression model scores each face per frame. The scores describe facial expressions, "
            "not what a person feels.",
            "note",
        )
    )
    return out


def _distinct_models(report: Report) -> list[ModelFacts]:
    seen: dict[object, ModelFacts] = {}
    for video in report.videos:
        seen.setdefault(video.model.id or video.model.name, video.model)
    return list(seen.values())


def _model(model: ModelFacts) -> list[Block]:
    measured = "–"
    if model.accuracy is not None:
        measured = f"accuracy {model.accuracy:.1%}, macro-F1 {model.macro_f1 or 0:.3f}, on {model.measured_on}"
    rows = [
        ("Model", model.name),
        ("Version", str(model.id) if model.id is not None else "–"),
        ("Weights SHA-256", model.weights_sha256 or "–"),
        ("Measured", measured),
    ]
    out: list[Block] = [Heading(2, "Model"), _facts(rows)]
    title = f"Model card: {model.card_title}" if model.card_title else "Model card"
    out += [Heading(3, title), Para(model.card_summary)]
    if model.card_facts:
        out.append(_facts(model.card_facts))
    return out


def _facts(rows: list[tuple[str, str]]) -> Table:
    return Table(["", ""], [[k, v] for k, v in rows], [1.6, 5.4], facts=True)
