"""Opening, creating, migrating and refusing project files."""

from __future__ import annotations

import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from lepton_desktop.store import NewerProjectError, NotAProjectError, ProjectNotFoundError, open_project
from lepton_desktop.store.database import alembic_config, head_revision
from lepton_desktop.store.errors import ProjectExistsError
from lepton_desktop.store.schema import Base
from tests.store.helpers import video_info


def test_migrations_build_exactly_the_models(project):
    with project.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], f"schema.py and the migrations disagree: {diff}"
    assert project.schema_revision() == head_revision()


def _migrated_sqlite(path):
    """An SQLite project built the long way: every migration from an empty file."""
    from alembic import command

    from lepton_desktop.store.database import _make_engine

    engine = _make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
    engine.dispose()


def _sqlite_schema(path):
    """Every table's columns, indexes, foreign keys and CHECK clauses, independent of column order."""
    import re

    con = sqlite3.connect(path)
    out = {}
    for name, sql in con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'"):
        columns = {r[1]: (r[2].upper(), r[3], r[4], r[5]) for r in con.execute(f"PRAGMA table_info('{name}')")}
        indexes = set()
        for _, index, unique, origin, _partial in con.execute(f"PRAGMA index_list('{name}')"):
            cols = tuple(r[2] for r in con.execute(f"PRAGMA index_info('{index}')"))
            indexes.add((None if index.startswith("sqlite_autoindex") else index, unique, origin, cols))
        keys = {(r[2], r[3], r[4], r[6]) for r in con.execute(f"PRAGMA foreign_key_list('{name}')")}
        checks = sorted(re.sub(r"\s+", " ", c).strip() for c in re.findall(r"CHECK \((.*?)\)(?:,|\s*\)?$)", sql, re.M))
        out[name] = {"columns": columns, "indexes": indexes, "keys": keys, "checks": checks}
    con.close()
    return out


def test_a_new_project_has_exactly_the_migrated_schema(tmp_path):
    # new SQLite projects are made from the models at once; they must equal a project built by
    # replaying every migration, and must upgrade like one later
    _migrated_sqlite(tmp_path / "migrated.lepton")
    with open_project(tmp_path / "new.lepton", create=True) as proj:
        assert proj.schema_revision() == head_revision()
        with proj.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    migrated, new = _sqlite_schema(tmp_path / "migrated.lepton"), _sqlite_schema(tmp_path / "new.lepton")
    assert set(new) == set(migrated)
    for table in migrated:
        assert new[table] == migrated[table], table
    assert any(s["checks"] for s in new.values())  # the comparison saw the CHECK constraints


def test_migrations_build_exactly_the_models_on_sqlite(tmp_path):
    _migrated_sqlite(tmp_path / "migrated.lepton")
    with open_project(tmp_path / "migrated.lepton") as proj, proj.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
        assert proj.schema_revision() == head_revision()


def test_sqlite_pragmas(tmp_path):
    with open_project(tmp_path / "p.lepton", create=True) as proj, proj.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL: crash-safe in WAL mode


def test_reopen_keeps_data(tmp_path):
    path = tmp_path / "p.lepton"
    with open_project(path, create=True) as proj:
        proj.videos.add(video_info(), "a" * 64)
    with open_project(path) as proj:
        assert [v.fingerprint for v in proj.videos.list()] == ["a" * 64]


def test_missing_project_is_not_created_silently(tmp_path):
    with pytest.raises(ProjectNotFoundError, match="lepton project init"):
        open_project(tmp_path / "nope.lepton")
    assert not (tmp_path / "nope.lepton").exists()


def test_exclusive_create_refuses_existing(tmp_path):
    path = tmp_path / "p.lepton"
    open_project(path, create=True).close()
    with pytest.raises(ProjectExistsError):
        open_project(path, exclusive_create=True)


def test_not_sqlite_is_refused(tmp_path):
    path = tmp_path / "movie.lepton"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 100)
    with pytest.raises(NotAProjectError, match="not an SQLite database"):
        open_project(path)
    assert path.read_bytes().startswith(b"\x00\x00\x00\x18ftyp")
    assert [p.name for p in tmp_path.iterdir()] == ["movie.lepton"]  # no -wal or -shm made beside it
    stray = tmp_path / "movie.lepton-wal"  # a stray -wal beside it: SQLite would replay it into the file
    with sqlite3.connect(tmp_path / "other.db") as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE t (x)")
    stray.write_bytes(b"\x37\x7f\x06\x82" + b"\x00" * 4092)
    with pytest.raises(NotAProjectError, match="not an SQLite database"):
        open_project(path)
    assert path.read_bytes().startswith(b"\x00\x00\x00\x18ftyp") and len(path.read_bytes()) == 112


def test_other_programs_database_is_refused_and_untouched(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE recipes (name TEXT)")
    with pytest.raises(NotAProjectError, match="another program"):
        open_project(path)
    with sqlite3.connect(path) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == {"recipes"}


def test_newer_project_is_refused_and_untouched(tmp_path):
    path = tmp_path / "future.lepton"
    open_project(path, create=True).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    before = path.read_bytes()
    with pytest.raises(NewerProjectError, match="newer version"):
        open_project(path)
    assert path.read_bytes() == before


def test_older_project_is_upgraded_with_a_backup(tmp_path):
    """Every revision's predecessor is upgraded in place, keeping a backup of the old file."""
    revisions = list(ScriptDirectory.from_config(alembic_config()).walk_revisions())
    older = [r for r in revisions if r.revision != head_revision()]
    if not older:
        pytest.skip("the schema has a single revision so far; nothing older to upgrade from")
    from alembic import command
    from sqlalchemy import create_engine

    for rev in older:
        path = tmp_path / f"old-{rev.revision}.lepton"
        engine = create_engine(f"sqlite:///{path}")
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), rev.revision)
        engine.dispose()
        with open_project(path) as proj:
            assert proj.schema_revision() == head_revision()
        assert (tmp_path / f"{path.name}.bak-{rev.revision}").is_file()


def test_upgrade_path_with_a_newer_schema(tmp_path, monkeypatch):
    """Simulate the next release: a project made by today's schema is upgraded in place, with a backup."""
    import shutil

    from lepton_desktop.store import database

    path = tmp_path / "today.lepton"
    with open_project(path, create=True) as proj:
        proj.videos.add(video_info(), "u" * 64)
    today = head_revision()
    future = tmp_path / "migrations"
    shutil.copytree(database._MIGRATIONS, future)
    (future / "versions" / "9000_next.py").write_text(
        "import sqlalchemy as sa\nfrom alembic import op\n"
        f"revision = '9000'\ndown_revision = {today!r}\nbranch_labels = None\ndepends_on = None\n"
        "def upgrade():\n    op.add_column('videos', sa.Column('note', sa.String(100), nullable=True))\n"
        "def downgrade():\n    op.drop_column('videos', 'note')\n"
    )
    monkeypatch.setattr(database, "_MIGRATIONS", future)
    with open_project(path) as proj:
        assert proj.schema_revision() == "9000"
        assert [v.fingerprint for v in proj.videos.list()] == ["u" * 64]  # nothing lost
    backup = tmp_path / f"today.lepton.bak-{today}"
    assert backup.is_file()
    with sqlite3.connect(backup) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == today
    monkeypatch.setattr(database, "_MIGRATIONS", database.Path(database.__file__).resolve().parent / "migrations")
    with pytest.raises(NewerProjectError):  # and today's program refuses the upgraded file
        open_project(path)


def test_integrity_check(project):
    assert project.integrity_check() == "ok"


def test_head_revision_is_alembics_head():
    """Opening an up-to-date project does not load Alembic: the head comes from the file names."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    assert head_revision() == script.get_current_head()
    for rev in script.walk_revisions():
        assert rev.module.__file__.split("/")[-1].startswith(rev.revision + "_")


def test_a_creation_that_fails_half_way_leaves_no_half_made_project(tmp_path, monkeypatch):
    import sqlalchemy.schema

    class Broken:  # the last statements of the creation script fail, after the tables were made
        def __init__(self, index):
            pass

        def compile(self, dialect):
            return "CREATE NONSENSE"

    path = tmp_path / "p.lepton"
    with monkeypatch.context() as patch:
        patch.setattr(sqlalchemy.schema, "CreateIndex", Broken)
        with pytest.raises(Exception, match=r"NONSENSE|syntax"):
            open_project(path, create=True)
    con = sqlite3.connect(path)
    assert con.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)  # nothing half-made
    con.close()
    with open_project(path, create=True) as proj:  # and the next try makes it whole
        assert proj.schema_revision() == head_revision()
