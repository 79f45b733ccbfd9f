"""A report as a PDF, typeset by ReportLab.

Why ReportLab: it is pure Python (wheels for every platform, no Cairo, Pango or browser engine to
ship), so the one-click installers keep working offline and unchanged; it is well kept (BSD
licence, releases for two decades) and lays out real flowing documents (tables that split across
pages, kept-together figures, page numbers). Qt's PDF writer would tie reports to the GUI layer,
WeasyPrint to system libraries. Text is set in DejaVu Sans, the font matplotlib ships (so figures and
text match and names in most scripts print); Helvetica if that font is missing.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    HRFlowable,
    Image,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Table as RLTable

from lepton_desktop.core.colors import hex_color
from lepton_desktop.core.emotions import EMOTIONS
from lepton_desktop.services.report_blocks import Block, Break, Faces, Figure, Heading, Para, Table, Title, outline
from lepton_desktop.services.report_data import Report
from lepton_desktop.services.report_figures import use_our_folders

INK = colors.HexColor("#1d2430")
MUTED = colors.HexColor("#5d6673")
LINE = colors.HexColor("#dfe3e8")
ACCENT = colors.HexColor("#1f3a5f")
SOFT = colors.HexColor("#f5f7fa")
MARGIN = 16 * mm
WIDTH = A4[0] - 2 * MARGIN


def _fonts() -> tuple[str, str]:
    """(regular, bold) font names: DejaVu Sans from matplotlib's data folder, else Helvetica."""
    try:
        use_our_folders()
        import matplotlib

        folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
        if "LeptonSans" not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont("LeptonSans", str(folder / "DejaVuSans.ttf")))
            pdfmetrics.registerFont(TTFont("LeptonSans-Bold", str(folder / "DejaVuSans-Bold.ttf")))
            pdfmetrics.registerFontFamily("LeptonSans", normal="LeptonSans", bold="LeptonSans-Bold")
        return "LeptonSans", "LeptonSans-Bold"
    except Exception:  # any trouble with the font file: the built-in font still prints
        return "Helvetica", "Helvetica-Bold"


class _Styles:
    def __init__(self) -> None:
        self.regular, self.bold = _fonts()
        self.unicode = self.regular != "Helvetica"
        base = ParagraphStyle("body", fontName=self.regular, fontSize=9.2, leading=12.6, textColor=INK, spaceAfter=5)
        self.body = base
        self.lead = ParagraphStyle(
            "lead",
            base,
            backColor=SOFT,
            borderPadding=(5, 7, 5, 7),
            leftIndent=7,
            rightIndent=7,
            spaceBefore=5,
            spaceAfter=10,
        )
        self.note = ParagraphStyle("note", base, fontSize=7.8, leading=10.4, textColor=MUTED)
        self.caption = ParagraphStyle("caption", self.note, spaceBefore=2, spaceAfter=8)
        self.kicker = ParagraphStyle("kicker", base, fontName=self.bold, fontSize=8.2, textColor=ACCENT, spaceAfter=3)
        self.title = ParagraphStyle("title", base, fontName=self.bold, fontSize=22, leading=27, spaceAfter=2)
        self.subtitle = ParagraphStyle("subtitle", base, fontSize=11, leading=14, textColor=MUTED, spaceAfter=10)
        heading = ParagraphStyle("h", base, fontName=self.bold, textColor=ACCENT, keepWithNext=1)
        self.h = {
            1: ParagraphStyle("h1", heading, fontSize=14.5, leading=18, spaceBefore=12, spaceAfter=3),
            2: ParagraphStyle("h2", heading, fontSize=12, leading=15, spaceBefore=10, spaceAfter=4),
            3: ParagraphStyle("h3", heading, fontSize=9.8, leading=12.5, spaceBefore=8, spaceAfter=3, textColor=INK),
        }
        self.cell = ParagraphStyle("cell", base, fontSize=8.2, leading=10.4, spaceAfter=0)
        self.cell_num = ParagraphStyle("cellnum", self.cell, alignment=TA_RIGHT)
        self.head = ParagraphStyle("head", self.cell, fontName=self.bold, textColor=MUTED, fontSize=7.6)
        self.head_num = ParagraphStyle("headnum", self.head, alignment=TA_RIGHT)
        self.key = ParagraphStyle("key", self.cell, textColor=MUTED)
        self.face = ParagraphStyle("face", self.cell, alignment=TA_CENTER, fontSize=7.6, leading=9.4)
        self.face_small = ParagraphStyle("facesmall", self.face, textColor=MUTED, fontSize=6.8)

    def text(self, text: str, swatch: bool = False) -> str:
        """Paragraph markup for plain text (escaped), with a colour mark before an emotion's name."""
        mark = ""
        if swatch and self.unicode and text.split(" ")[0] in EMOTIONS:
            mark = f'<font color="{hex_color(text.split(" ")[0])}">■</font> '
        return mark + escape(text)


def _image(png: bytes, width: float) -> Image:
    w, h = ImageReader(io.BytesIO(png)).getSize()
    return Image(io.BytesIO(png), width=width, height=width * h / w)


def _table(block: Table, st: _Styles) -> RLTable:
    total = sum(block.widths)
    widths = [WIDTH * w / total for w in block.widths]
    rows: list[list[Any]] = []
    if block.facts:
        rows = [[Paragraph(st.text(k), st.key), Paragraph(st.text(v), st.cell)] for k, v in block.rows]
    else:
        rows.append(
            [
                Paragraph(st.text(h, block.swatch == "header"), st.head_num if i in block.numeric else st.head)
                for i, h in enumerate(block.header)
            ]
        )
        for row in block.rows:
            rows.append(
                [
                    Paragraph(st.text(v, block.swatch == i), st.cell_num if i in block.numeric else st.cell)
                    for i, v in enumerate(row)
                ]
            )
    table = RLTable(rows, colWidths=widths, repeatRows=0 if block.facts else 1, hAlign="LEFT")
    style: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4 if not block.facts else 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 2.6),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.6),
    ]
    if not block.facts:
        style += [("LINEBELOW", (0, 0), (-1, 0), 1, INK), ("LINEBELOW", (0, 1), (-1, -1), 0.4, LINE)]
    table.setStyle(TableStyle(style))
    return table


def _faces(block: Faces, st: _Styles) -> RLTable:
    per_row = len(EMOTIONS)
    side = WIDTH / per_row - 6
    cells: list[Any] = [
        [_image(png, side), Paragraph(st.text(top, swatch=True), st.face), Paragraph(st.text(bottom), st.face_small)]
        for png, top, bottom in block.faces
    ]
    rows = [cells[i : i + per_row] for i in range(0, len(cells), per_row)]
    rows[-1] += [""] * (per_row - len(rows[-1]))
    table = RLTable(rows, colWidths=[WIDTH / per_row] * per_row, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _flowables(blocks: list[Block], st: _Styles) -> list[Flowable]:
    out: list[Flowable] = []
    for block in blocks:
        if isinstance(block, Title):
            out += [
                Paragraph(st.text(block.kicker.upper()), st.kicker),
                Paragraph(st.text(block.title), st.title),
                Paragraph(st.text(block.subtitle), st.subtitle),
                _table(Table(["", ""], [[k, v] for k, v in block.facts], [1.3, 5.7], facts=True), st),
                Spacer(1, 6),
                HRFlowable(width="100%", thickness=2, color=ACCENT, spaceAfter=4),
            ]
        elif isinstance(block, Heading):
            level = min(block.level, 3)
            out.append(Paragraph(st.text(block.text), st.h[level]))
            if level == 1:
                out.append(HRFlowable(width="100%", thickness=0.6, color=LINE, spaceBefore=0, spaceAfter=5))
        elif isinstance(block, Para):
            out.append(Paragraph(st.text(block.text), {"lead": st.lead, "note": st.note}.get(block.style, st.body)))
        elif isinstance(block, Table):
            out.append(_table(block, st))
            out.append(Spacer(1, 6))
        elif isinstance(block, Figure):
            parts: list[Flowable] = [_image(block.png, WIDTH * block.width)]
            if block.caption:
                parts.append(Paragraph(st.text(block.caption), st.caption))
            out.append(KeepTogether(parts))
        elif isinstance(block, Faces):
            out += [_faces(block, st), Spacer(1, 6)]
        elif isinstance(block, Break):
            out.append(PageBreak() if block.hard else CondPageBreak(block.room_mm * mm))
    return out


def _canvas_maker(footer: str, st: _Styles, pages: list[int]) -> Callable[..., Canvas]:
    """A canvas that numbers pages "Page N of M" (it keeps the pages until it knows M)."""

    class NumberedCanvas(Canvas):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # ReportLab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            pages.append(len(self._pages))
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont(st.regular, 7.5)
                self.setFillColor(MUTED)
                self.setStrokeColor(LINE)
                self.line(MARGIN, 11 * mm, A4[0] - MARGIN, 11 * mm)
                self.drawString(MARGIN, 7.5 * mm, footer)
                self.drawRightString(A4[0] - MARGIN, 7.5 * mm, f"Page {self._pageNumber} of {len(self._pages)}")
                super().showPage()
            super().save()

    return NumberedCanvas


def render_pdf(report: Report, out: Path) -> int:
    """Write the report to ``out`` as PDF; return its page count."""
    st = _Styles()
    p = report.provenance
    footer = f"{report.title} · {report.subtitle} · Lepton Desktop {p.app_version} · {p.generated_at:%Y-%m-%d}"
    doc = BaseDocTemplate(
        str(out),
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=16 * mm,
        title=f"{report.title}: {report.subtitle}",
        author=f"Lepton Desktop {p.app_version}",
        subject="Facial expression analysis",
        creator="Lepton Desktop (ReportLab)",
    )
    frame = Frame(
        MARGIN,
        16 * mm,
        WIDTH,
        A4[1] - MARGIN - 16 * mm,
        id="body",
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    pages: list[int] = []
    doc.build(_flowables(outline(report), st), canvasmaker=_canvas_maker(footer[:150], st, pages))
    return pages[-1] if pages else 0
