"""Project fixtures: a temporary SQLite file, and PostgreSQL when LEPTON_TEST_POSTGRES_URL is set."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text

from lepton_desktop.store import open_project

PG_URL = os.environ.get("LEPTON_TEST_POSTGRES_URL")


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def project(request, tmp_path):
    if request.param == "postgresql":
        if not PG_URL:
            pytest.skip("set LEPTON_TEST_POSTGRES_URL to run the store tests on PostgreSQL (.ci/run does)")
        _reset_postgres(PG_URL)
        target = PG_URL
    else:
        target = tmp_path / "test.lepton"
    with open_project(target, create=True) as proj:
        yield proj
