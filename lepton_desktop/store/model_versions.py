"""Model versions known to a project: which weights produced which runs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from lepton_desktop.core.records import ModelVersion
from lepton_desktop.store._util import aware_required
from lepton_desktop.store.errors import RecordNotFoundError
from lepton_desktop.store.schema import ModelVersionRow, ModelWeightsRow

if TYPE_CHECKING:
    from lepton_desktop.store.database import Project


def _record(row: ModelVersionRow) -> ModelVersion:
    return ModelVersion(
        id=row.id,
        name=row.name,
        weights_sha256=row.weights_sha256,
        weights_path=row.weights_path,
        parent_id=row.parent_id,
        created_at=aware_required(row.created_at),
        active=row.active,
        dataset_fingerprint=row.dataset_fingerprint,
        metrics=dict(row.metrics or {}),
    )


class ModelVersionRepository:
    """Model versions of one project."""

    def __init__(self, project: Project) -> None:
        self._project = project

    def ensure(
        self,
        name: str,
        weights_sha256: str,
        *,
        weights_path: str | None = None,
        parent_id: int | None = None,
        dataset_fingerprint: str | None = None,
        metrics: dict[str, Any] | None = None,
    ) -> ModelVersion:
        """The version with these weights, registered on first sight; the first one becomes active."""
        with self._project.session() as s:
            row = s.scalar(select(ModelVersionRow).where(ModelVersionRow.weights_sha256 == weights_sha256))
            if row is None:
                has_active = s.scalar(select(ModelVersionRow.id).where(ModelVersionRow.active.is_(True))) is not None
                row = ModelVersionRow(
                    name=name,
                    weights_sha256=weights_sha256,
                    weights_path=weights_path,
                    parent_id=parent_id,
                    dataset_fingerprint=dataset_fingerprint,
                    metrics=metrics or {},
                    active=not has_active,
                )
                s.add(row)
                s.flush()
            return _record(row)

    def keep_weights(self, sha256: str, data: bytes) -> None:
        """Keep these weights in the project (once per content), so every machine of a team project finds them."""
        with self._project.session() as s:
            if s.get(ModelWeightsRow, sha256) is None:
                s.add(ModelWeightsRow(sha256=sha256, data=data, size=len(data)))

    def kept_weights(self, sha256: str) -> bytes | None:
        """The weights kept in the project under this SHA-256, if any."""
        with self._project.session() as s:
            row = s.get(ModelWeightsRow, sha256)
            return None if row is None else bytes(row.data)

    def activate(self, version_id: int) -> ModelVersion:
        """Make this version the one new analyses use."""
        with self._project.session() as s:
            row = s.get(ModelVersionRow, version_id)
            if row is None:
                raise RecordNotFoundError(f"The project has no model version with id {version_id}.")
            s.execute(update(ModelVersionRow).values(active=False))
            row.active = True
            s.flush()
            return _record(row)

    def active(self) -> ModelVersion | None:
        """The active version, if any."""
        with self._project.session() as s:
            row = s.scalar(select(ModelVersionRow).where(ModelVersionRow.active.is_(True)))
            return None if row is None else _record(row)

    def get(self, version_id: int) -> ModelVersion:
        """The version with this id."""
        with self._project.session() as s:
            row = s.get(ModelVersionRow, version_id)
            if row is None:
                raise RecordNotFoundError(f"The project has no model version with id {version_id}.")
            return _record(row)

    def list(self) -> list[ModelVersion]:
        """All versions, oldest first."""
        with self._project.session() as s:
            return [_record(r) for r in s.scalars(select(ModelVersionRow).order_by(ModelVersionRow.id))]
