"""Typed user settings, stored as versioned JSON in the user config folder (never pickled).

Window geometry lives in QSettings (gui/); everything else is here, readable
and testable without Qt.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from lepton_desktop.core.paths import user_config_dir

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
MAX_RECENT = 10


@dataclass
class Settings:
    """What the app remembers between sessions."""

    schema_version: int = SCHEMA_VERSION
    recent_videos: list[str] = field(default_factory=list)
    project: str | None = None
    """The project file (or URL) in use; None means the per-user default project."""
    annotator: str = ""
    show_overlay: bool = True
    playback_speed: float = 1.0
    device: str = "auto"
    stride: int = 3
    actions: bool = False
    """Analyses also read the 52 facial actions of every face (slower: see bench/actions.py)."""
    proxy_media: bool = True
    """Keep a small short-GOP copy of large videos in the cache, so seeking shows a frame at once."""
    proxy_cache_gb: float = 10.0
    """Room the copies may take; the least recently used go first."""
    review_low_top: float = 0.5
    """Review queue: a frame is uncertain when its top probability is below this..."""
    review_high_entropy: float = 0.8
    """...or its entropy (as a share of the largest possible) is above this."""
    review_min_frames: int = 8
    """Review queue: shorter stretches are not listed (annotator disagreement always is)."""
    review_flicker_window: int = 25
    """Review queue: frames in the window that counts changes of the dominant emotion..."""
    review_flicker_changes: int = 3
    """...and how many changes within it are flicker."""

    def proxy_budget_bytes(self) -> int:
        """``proxy_cache_gb`` in bytes."""
        return int(self.proxy_cache_gb * 1e9)

    def remember_video(self, path: str | Path) -> None:
        """Put ``path`` first in the recent list."""
        text = str(Path(path).resolve())
        self.recent_videos = [text, *[p for p in self.recent_videos if p != text]][:MAX_RECENT]


def settings_path() -> Path:
    """Where the settings file lives."""
    return user_config_dir() / "settings.json"


def load_settings(path: Path | None = None) -> Settings:
    """Read the settings; a missing, damaged or newer file gives defaults (and is left alone)."""
    source = path or settings_path()
    try:
        raw = json.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings()
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable settings %s: %s", source, exc)
        return Settings()
    if not isinstance(raw, dict) or int(raw.get("schema_version", 0)) > SCHEMA_VERSION:
        log.warning("ignoring settings %s from a newer version", source)
        return Settings()
    known = {f.name for f in fields(Settings)}
    values = {k: v for k, v in raw.items() if k in known}
    try:
        settings = Settings(**values)
    except TypeError:
        return Settings()
    settings.schema_version = SCHEMA_VERSION
    return settings


def save_settings(settings: Settings, path: Path | None = None) -> None:
    """Write the settings atomically (a crash never leaves half a file)."""
    target = path or settings_path()
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(json.dumps(asdict(settings), indent=2), encoding="utf-8")
    os.replace(tmp, target)
