"""Where a report's numbers come from: the model version and its card, the software and its versions."""

from __future__ import annotations

import platform
import re
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from lepton_desktop import __version__
from lepton_desktop.core.records import ModelVersion
from lepton_desktop.services.models import describe, shipped_by_sha256
from lepton_desktop.services.report_data import ModelFacts, Provenance
from lepton_desktop.store import Project
from lepton_desktop.store.errors import RecordNotFoundError
from lepton_desktop.vision.weight_files import WeightsError, bundled_weights

PACKAGES = (
    "numpy",
    "torch",
    "onnxruntime",
    "av",
    "opencv-python-headless",
    "SQLAlchemy",
    "matplotlib",
    "reportlab",
    "safetensors",
)
"""Libraries whose versions a report names (what decoded, scored, stored and drew the results)."""
CARD_FACTS = ("Architecture", "Data", "Validation", "Licence")
"""Rows of a model card's table that a report quotes."""
FACT_CHARS = 420


def _plain(markdown: str) -> str:
    """Markdown inline syntax to plain text: links keep their words, code marks and emphasis go."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    text = re.sub(r"`([^`]*)`", r"\1", text)
    text = re.sub(r"\*\*([^*]+)\*\*", r"\1", text)
    text = re.sub(r"(?<![\w*])\*([^*]+)\*(?![\w*])", r"\1", text)
    return re.sub(r"(?<!\w)_([^_]+)_(?!\w)", r"\1", text).strip()


def _short(text: str, limit: int = FACT_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;: ") + "…"


def card_summary(path: Path) -> tuple[str, str, list[tuple[str, str]]]:
    """(title, first paragraph, quoted table rows) of a model card in ``models/``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    title = next((ln.lstrip("# ").strip() for ln in lines if ln.startswith("#")), path.stem)
    title = _plain(title.removeprefix("Model card:")).replace(".safetensors", "").strip()
    paragraph: list[str] = []
    for line in lines:
        if line.startswith("#") or line.startswith("|"):
            if paragraph:
                break
            continue
        if line.strip():
            paragraph.append(line.strip())
        elif paragraph:
            break
    facts = []
    for line in lines:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) >= 2 and cells[0] in CARD_FACTS:
            facts.append((cells[0], _short(_plain(" | ".join(cells[1:])))))
    return title, _short(_plain(" ".join(paragraph)), 600), facts


def _shipped_card(sha: str) -> Path | None:
    shipped = shipped_by_sha256().get(sha)
    if shipped is None:
        return None
    try:
        card = bundled_weights(shipped.file).with_suffix(".md")
    except WeightsError:
        return None
    return card if card.is_file() else None


def model_facts(project: Project, version_id: int | None) -> ModelFacts:
    """The model version of a run, with its card (a fine-tuned version: its shipped ancestor's card)."""
    if version_id is None:
        return ModelFacts(None, "unknown (the run names no model version)", "", None, None, None, "", "")
    try:
        version = project.model_versions.get(version_id)
    except RecordNotFoundError:
        return ModelFacts(
            version_id, f"model version {version_id} (no longer in the project)", "", None, None, None, "", ""
        )
    info = describe(version)
    ancestor: ModelVersion | None = version
    card = None
    while ancestor is not None and card is None:
        card = _shipped_card(ancestor.weights_sha256)
        if card is None:
            ancestor = _parent(project, ancestor)
    if card is None:
        facts: list[tuple[str, str]] = []
        title, summary = "", "This version has no model card: it was not shipped with Lepton Desktop."
    else:
        title, summary, facts = card_summary(card)
        if ancestor is not version:
            summary = f"Fine-tuned from {ancestor.name if ancestor else 'a shipped model'}; its card: {summary}"
    return ModelFacts(
        version.id,
        str(info["name"]),
        version.weights_sha256,
        info["accuracy"],
        info["macro_f1"],
        info["measured_on"],
        title,
        summary,
        facts,
    )


def _parent(project: Project, version: ModelVersion) -> ModelVersion | None:
    if version.parent_id is None:
        return None
    try:
        return project.model_versions.get(version.parent_id)
    except RecordNotFoundError:
        return None


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:  # a frozen app may lack a library's metadata
        return "unknown"


def project_label(project: str | Path) -> str:
    """A project as a report names it: its file, or its database URL without the password."""
    return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", str(project))


def project_name(project: str | Path) -> str:
    """A short name for a title: the file's name, or the database's."""
    text = str(project)
    return text.rsplit("/", 1)[-1].split("?")[0] or text if "://" in text else Path(text).name


def provenance(project: str | Path) -> Provenance:
    """Lepton Desktop's version, its libraries' and the time, for the report's last section."""
    packages = [("Lepton Desktop", __version__), ("Python", platform.python_version())]
    packages += [(dist, _version(dist)) for dist in PACKAGES]
    system = f"{platform.system()} {platform.release()} ({platform.machine()})"
    frozen = " (installer build)" if getattr(sys, "frozen", False) else ""
    return Provenance(__version__, datetime.now(UTC), project_label(project), system + frozen, packages)
