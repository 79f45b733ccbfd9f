"""Make a report file: build the data (:mod:`report_build`), render it as HTML or PDF, write it at once.

    for step in export_report("study.lepton", "talk.pdf", video="talk.mp4"):
        print(step.done, step.total, step.message)

The format comes from the file name (``.html`` or ``.pdf``). The file is written to a temporary
name and renamed at the end, so a stopped or failed report leaves no file, and an old report of
the same name stays until the new one is complete.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path

from lepton_desktop.services.output import OutputFileError, atomic_output
from lepton_desktop.services.report_data import Report, ReportError, ReportProgress, WrittenReport

FORMATS = {".html": "html", ".htm": "html", ".pdf": "pdf"}


def report_format(out: Path) -> str:
    """``html`` or ``pdf``, from the file name."""
    fmt = FORMATS.get(out.suffix.lower())
    if out.is_dir():
        raise ReportError(f"{out} is a folder; give the report's file name in it, ending in .html or .pdf.")
    if fmt is None:
        raise ReportError(f"{out.name}: a report's format comes from its file name; end it in .html or .pdf.")
    return fmt


def export_report(
    project: str | Path,
    out: str | Path,
    video: str | Path | None = None,
    *,
    all_videos: bool = False,
    should_stop: Callable[[], bool] = lambda: False,
) -> Iterator[ReportProgress]:
    """Steps of building, then one of writing; the last step carries :class:`WrittenReport` (or says cancelled)."""
    out = Path(out).expanduser()
    fmt = report_format(out)
    if not out.parent.is_dir():
        raise ReportError(f"{out}: the folder {out.parent} does not exist.")
    from lepton_desktop.services.report_build import build_report  # the project, figures and torch: after the checks

    report: Report | None = None
    total = 1
    for step in build_report(project, video, all_videos=all_videos, should_stop=should_stop):
        total = step.total + 1
        if step.state == "cancelled":
            yield dataclasses.replace(step, total=total)
            return
        if step.report is not None:
            report = step.report
        else:
            yield dataclasses.replace(step, total=total)
    assert report is not None
    if should_stop():
        yield ReportProgress(total - 1, total, "Stopped: no report was made.", "cancelled")
        return
    yield ReportProgress(total, total, f"Writing {out.name}")
    written = write_report(report, out, fmt)
    yield ReportProgress(total, total, f"Wrote {out}", "done", report=report, written=written)


def write_report(report: Report, out: Path, fmt: str) -> WrittenReport:
    """Render and write atomically (a temporary file renamed at the end)."""
    from lepton_desktop.services.report_html import render_html, sections

    pages = None
    try:
        with atomic_output(out) as tmp:
            if fmt == "pdf":
                from lepton_desktop.services.report_pdf import render_pdf

                pages = render_pdf(report, tmp)
            else:
                tmp.write_text(render_html(report), encoding="utf-8")
    except OutputFileError as exc:
        raise ReportError(str(exc)) from None
    thumbs = sum(len(p.thumbnails) for v in report.videos for p in v.people)
    return WrittenReport(
        out, fmt, out.stat().st_size, pages, sections(report), len(report.videos), report.people, thumbs
    )
