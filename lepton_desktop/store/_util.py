"""Small helpers shared by the repositories."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything this program stores is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def aware_required(value: datetime) -> datetime:
    """:func:`aware` for non-null columns."""
    result = aware(value)
    assert result is not None
    return result


def canonical_key(payload: Any) -> str:
    """SHA-256 of the canonical JSON of ``payload`` (sorted keys, no spaces)."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()
