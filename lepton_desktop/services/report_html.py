"""A report as one self-contained HTML file: CSS inline, images as base64 PNG, no external reference.

It opens in any browser without a network and prints cleanly (A4, figures and tables kept whole).
"""

from __future__ import annotations

import base64
from html import escape

from lepton_desktop.core.colors import hex_color
from lepton_desktop.core.emotions import EMOTIONS
from lepton_desktop.services.report_blocks import Block, Break, Faces, Figure, Heading, Para, Table, Title, outline
from lepton_desktop.services.report_data import Report

CSS = """
:root { --ink: #1d2430; --muted: #5d6673; --line: #dfe3e8; --accent: #1f3a5f; --soft: #f5f7fa; }
* { box-sizing: border-box; }
body { margin: 0; background: #eef1f4; color: var(--ink);
  font: 14px/1.5 "Segoe UI", "Helvetica Neue", Helvetica, Arial, "DejaVu Sans", sans-serif; }
main { max-width: 900px; margin: 28px auto; background: white; padding: 44px 56px 56px;
  box-shadow: 0 1px 4px rgba(0,0,0,.08); }
header.title { border-bottom: 3px solid var(--accent); padding-bottom: 18px; margin-bottom: 8px; }
.kicker { text-transform: uppercase; letter-spacing: .12em; font-size: 11.5px; color: var(--accent); font-weight: 600; }
h1.doc { font-size: 30px; line-height: 1.2; margin: 6px 0 2px; overflow-wrap: anywhere; color: var(--ink);
  border: none; padding: 0; }
.subtitle { color: var(--muted); font-size: 15px; margin-bottom: 14px; }
h1 { font-size: 21px; color: var(--accent); margin: 34px 0 10px; padding-bottom: 4px;
  border-bottom: 1px solid var(--line); }
h2 { font-size: 17px; color: var(--accent); margin: 28px 0 8px; }
h3 { font-size: 14px; margin: 18px 0 6px; color: var(--ink); }
p { margin: 6px 0 10px; }
p.lead { background: var(--soft); border-left: 3px solid var(--accent); padding: 8px 12px; }
p.note { color: var(--muted); font-size: 12.5px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 14px; font-size: 13px; }
th { text-align: left; font-weight: 600; color: var(--muted); font-size: 12px;
  border-bottom: 1.5px solid var(--ink);
  padding: 5px 8px; }
td { border-bottom: 1px solid var(--line); padding: 5px 8px; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.facts td { border: none; padding: 3px 8px 3px 0; }
table.facts td:first-child { color: var(--muted); white-space: nowrap; width: 24%; }
table.facts td:last-child { overflow-wrap: anywhere; }
.tag { white-space: nowrap; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px;
  vertical-align: -1px; }
figure { margin: 10px 0 14px; }
figure img { width: 100%; height: auto; display: block; }
figcaption { color: var(--muted); font-size: 12px; margin-top: 4px; }
.faces { display: flex; flex-wrap: wrap; gap: 14px; margin: 6px 0 12px; }
.face { width: 118px; text-align: center; font-size: 12px; }
.face img { width: 118px; height: 118px; border-radius: 6px; display: block; border: 1px solid var(--line); }
.face b { display: block; margin-top: 4px; font-weight: 600; }
.face span { color: var(--muted); font-size: 11px; }
footer { margin-top: 36px; color: var(--muted); font-size: 11.5px; border-top: 1px solid var(--line);
  padding-top: 8px; }
@page { size: A4; margin: 16mm 14mm; }
@media print {
  body { background: white; font-size: 10.5pt; }
  main { box-shadow: none; margin: 0; padding: 0; max-width: none; }
  .page-break, .section-break { break-before: page; }
  figure, table, .faces, h1, h2, h3 { break-inside: avoid; }
  h1, h2, h3 { break-after: avoid; }
}
"""

SECTION_MM = 100
"""A soft break that asks for this much room starts a new printed page (a browser cannot ask how much is left)."""


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{escape(alt)}">'


def _swatch(emotion: str) -> str:
    if emotion not in EMOTIONS:
        return ""
    return f'<span class="swatch" style="background:{hex_color(emotion)}"></span>'


def _table(block: Table) -> str:
    def cell(tag: str, text: str, col: int, marked: bool) -> str:
        cls = ' class="num"' if col in block.numeric else ""
        if marked and text in EMOTIONS:
            return f'<{tag}{cls}><span class="tag">{_swatch(text)}{escape(text)}</span></{tag}>'
        return f"<{tag}{cls}>{escape(text)}</{tag}>"

    parts = [f'<table class="{"facts" if block.facts else "grid"}">']
    if not block.facts:
        total = sum(block.widths)
        parts.append(
            "<colgroup>" + "".join(f'<col style="width:{w / total:.1%}">' for w in block.widths) + "</colgroup>"
        )
    if not block.facts:
        head = "".join(cell("th", h, i, block.swatch == "header") for i, h in enumerate(block.header))
        parts.append(f"<thead><tr>{head}</tr></thead>")
    parts.append("<tbody>")
    for row in block.rows:
        parts.append("<tr>" + "".join(cell("td", v, i, block.swatch == i) for i, v in enumerate(row)) + "</tr>")
    parts.append("</tbody></table>")
    return "".join(parts)


def _block(block: Block) -> str:
    if isinstance(block, Title):
        facts = Table(["", ""], [[k, v] for k, v in block.facts], [1, 3], facts=True)
        return (
            f'<header class="title"><div class="kicker">{escape(block.kicker)}</div>'
            f'<h1 class="doc">{escape(block.title)}</h1><div class="subtitle">{escape(block.subtitle)}</div>'
            f"{_table(facts)}</header>"
        )
    if isinstance(block, Heading):
        level = min(block.level, 3)
        return f"<h{level}>{escape(block.text)}</h{level}>"
    if isinstance(block, Para):
        return f'<p class="{block.style}">{escape(block.text)}</p>'
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Figure):
        caption = f"<figcaption>{escape(block.caption)}</figcaption>" if block.caption else ""
        return f'<figure style="width:{block.width:.0%}">{_img(block.png, block.alt)}{caption}</figure>'
    if isinstance(block, Faces):
        faces = "".join(
            f'<div class="face">{_img(png, top)}<b>{_swatch(top.split()[0])}{escape(top)}</b>'
            f"<span>{escape(bottom)}</span></div>"
            for png, top, bottom in block.faces
        )
        return f'<div class="faces">{faces}</div>'
    if isinstance(block, Break):
        if block.hard:
            return '<div class="page-break"></div>'
        return '<div class="section-break"></div>' if block.room_mm >= SECTION_MM else ""
    raise TypeError(f"unknown report block {block!r}")


def render_html(report: Report) -> str:
    """The whole document."""
    body = "\n".join(_block(b) for b in outline(report))
    p = report.provenance
    title = f"{report.title}: {report.subtitle}"
    footer = f"Made with Lepton Desktop {escape(p.app_version)} on {p.generated_at:%Y-%m-%d %H:%M} UTC."
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n{body}\n"
        f"<footer>{footer}</footer>\n</main>\n</body>\n</html>\n"
    )


def sections(report: Report) -> int:
    """Headings of the document (what the CLI reports as its sections)."""
    return sum(isinstance(b, Heading) for b in outline(report))
