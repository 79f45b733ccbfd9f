"""Open, create and migrate a project database; hand out short sessions.

A project is one SQLite file by default (WAL mode, foreign keys on, a busy
timeout, synchronous=NORMAL) or any SQLAlchemy URL, e.g. ``postgresql+psycopg://...``
for teams. Opening runs pending migrations (an SQLite file is copied to
``<name>.bak-<revision>`` first) and refuses a project from a newer version.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event, inspect, text
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from lepton_desktop.store.errors import (
    NewerProjectError,
    NotAProjectError,
    ProjectExistsError,
    ProjectNotFoundError,
    StorageError,
)

log = logging.getLogger(__name__)

_MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 10_000


def alembic_config(connection: Any | None = None) -> Any:
    """An Alembic configuration pointing at the packaged migrations.

    Alembic is imported only here and when a project needs upgrading: it costs about 0.3 s of
    start-up, and opening a project that is up to date does not need it.
    """
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The schema revision this version of the program writes: the newest migration file's number.

    Migration files are named ``NNNN_what.py`` with ``revision = "NNNN"`` (a test holds them to it).
    """
    return max(f.name.split("_", 1)[0] for f in (_MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))


_OPEN: Counter[str] = Counter()
"""Project files this process has open (resolved path -> open Project objects)."""


def _key(path: Path) -> str:
    return str(path.resolve())


def to_url(target: str | Path) -> str:
    """A database URL for a path or URL (paths become absolute SQLite URLs)."""
    value = str(target)
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"


_STORAGE_PROBLEMS = (
    ("database or disk is full", "the disk holding the project is full; nothing from this step was saved. "
     "Free some space and try again"),
    ("disk i/o error", "the disk holding the project could not be read or written (full, removed or failing); "
     "nothing from this step was saved. Check the disk and try again"),
    ("readonly database", "the project file is read-only here; nothing was saved. Copy it somewhere you may write, "
     "or change its permissions"),
    ("database is locked", "another program kept the project busy for too long; nothing from this step was saved. "
     "Try again"),
    ("no space left on device", "the disk holding the project is full; nothing from this step was saved. "
     "Free some space and try again"),
    ("unable to open database file", "the project or its folder cannot be opened for writing (permissions, a "
     "removed or full disk); nothing was changed. Check the folder and try again"),
)  # fmt: skip


def storage_error(exc: OperationalError, url: str) -> Exception:
    """A database failure as one sentence saying what to do (unknown ones keep the database's own text)."""
    text_ = str(exc.orig).lower()
    where = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else url.rsplit("@", 1)[-1]
    for needle, sentence in _STORAGE_PROBLEMS:
        if needle in text_:
            return StorageError(f"Project {where}: {sentence}.")
    return exc


class Project:
    """An open project: an engine, a session factory, and the repositories over them."""

    def __init__(self, engine: Engine, url: str) -> None:
        from lepton_desktop.store.annotators import AnnotatorRepository
        from lepton_desktop.store.corrections import CorrectionRepository
        from lepton_desktop.store.model_versions import ModelVersionRepository
        from lepton_desktop.store.review_marks import ReviewMarkRepository
        from lepton_desktop.store.runs import RunRepository
        from lepton_desktop.store.videos import VideoRepository

        self.engine = engine
        self.url = url
        self._file: str | None = None  # the SQLite file, counted in _OPEN while open
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.videos = VideoRepository(self)
        self.runs = RunRepository(self)
        self.annotators = AnnotatorRepository(self)
        self.corrections = CorrectionRepository(self)
        self.model_versions = ModelVersionRepository(self)
        self.review_marks = ReviewMarkRepository(self)

    @property
    def is_sqlite(self) -> bool:
        """True for a single-file SQLite project."""
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work: committed on success, rolled back on error (a storage failure: one sentence)."""
        try:
            with self._sessions() as session, session.begin():
                yield session
        except OperationalError as exc:
            raise storage_error(exc, self.url) from None

    def schema_revision(self) -> str:
        """The revision stored in the database."""
        with self.engine.connect() as conn:
            rev = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        return str(rev or "")

    def integrity_check(self) -> str:
        """``ok``, or SQLite's description of the damage (always ``ok`` elsewhere)."""
        if not self.is_sqlite:
            return "ok"
        with self.engine.connect() as conn:
            rows = conn.execute(text("PRAGMA integrity_check")).scalars().all()
            fk = conn.execute(text("PRAGMA foreign_key_check")).all()
        result = "; ".join(str(r) for r in rows)
        if fk:
            result = f"{result}; {len(fk)} broken foreign keys" if result != "ok" else f"{len(fk)} broken foreign keys"
        return result

    def counts(self) -> dict[str, int]:
        """How many rows of each kind the project holds (predictions count frames)."""
        from sqlalchemy import func, select

        from lepton_desktop.store import schema

        tables = {
            "videos": schema.VideoRow,
            "runs": schema.AnalysisRunRow,
            "tracks": schema.TrackRow,
            "corrections": schema.CorrectionRow,
            "annotators": schema.AnnotatorRow,
            "model_versions": schema.ModelVersionRow,
        }
        with self.session() as s:
            out = {name: int(s.scalar(select(func.count()).select_from(row)) or 0) for name, row in tables.items()}
        out["predictions"] = self.runs.prediction_count()
        return out

    def close(self) -> None:
        """Release all connections."""
        self.engine.dispose()
        if self._file is not None and _OPEN[self._file] > 0:
            _OPEN[self._file] -= 1
        self._file = None

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_project(target: str | Path, *, create: bool = False, exclusive_create: bool = False) -> Project:
    """Open the project at ``target`` (a file path or a database URL).

    ``create`` makes a new project when none exists; ``exclusive_create``
    additionally refuses to reuse an existing one.
    """
    url = to_url(target)
    sqlite_path = _sqlite_path(url)
    read_only = False
    if sqlite_path is not None:
        _check_sqlite_file(sqlite_path, create=create, exclusive_create=exclusive_create)
        read_only = sqlite_path.exists() and not _writable(sqlite_path)
    engine = _make_engine(url, read_only_path=sqlite_path if read_only else None)
    try:
        _migrate(engine, url, sqlite_path, create=create or exclusive_create, read_only=read_only)
    except BaseException:
        engine.dispose()
        raise
    project = Project(engine, url)
    if sqlite_path is not None:
        project._file = _key(sqlite_path)
        _OPEN[project._file] += 1
    return project


def read_only_here(target: str | Path) -> bool:
    """Whether an existing project file would open read-only here (a read-only share, disk, file or folder)."""
    path = _sqlite_path(to_url(target))
    return path is not None and path.is_file() and not _writable(path)


def _writable(path: Path) -> bool:
    """Whether SQLite may write the project here: the file and its folder (WAL keeps files beside it)."""
    import os

    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _sqlite_path(url: str) -> Path | None:
    if not url.startswith("sqlite:///"):
        return None
    raw = url[len("sqlite:///") :]
    return None if raw in ("", ":memory:") else Path(raw)


def _check_sqlite_file(path: Path, *, create: bool, exclusive_create: bool) -> None:
    if path.is_dir():
        raise NotAProjectError(
            f"{path} is a folder; a project is a single file (for example {path / 'project.lepton'})."
        )
    if not path.exists():
        if not (create or exclusive_create):
            raise ProjectNotFoundError(f"No project at {path}. Create one with: lepton project init {path}")
        if not path.parent.is_dir():
            raise ProjectNotFoundError(f"Cannot create {path}: the folder {path.parent} does not exist.")
        return
    if exclusive_create:
        raise ProjectExistsError(f"{path} already exists; choose another name or open it instead.")
    # The first bytes are read only while this process holds no connection to the file: closing
    # any descriptor of a file drops every POSIX lock the process holds on it, SQLite's included,
    # and another process would then take the project for unused and delete its -wal file under
    # this one's feet (commits lost). A file already open here was checked when it was opened.
    if _OPEN[_key(path)] == 0:
        with path.open("rb") as handle:
            head = handle.read(16)
        if head and head != _SQLITE_MAGIC:  # refused before SQLite could replay a stray -wal into it
            raise _not_sqlite(path)


def _not_sqlite(path: Path) -> NotAProjectError:
    return NotAProjectError(f"{path} is not a Lepton project (it is not an SQLite database).")


def _make_engine(url: str, read_only_path: Path | None = None) -> Engine:
    if read_only_path is not None:
        return _read_only_engine(read_only_path)
    if url.startswith("sqlite"):
        path = _sqlite_path(url)
        # a project file is named by a URL built from its path, never parsed from text: a "?" or
        # "%20" in a file name is part of the name, not a query or an escape
        target: str | URL = url if path is None else URL.create("sqlite", database=str(path))
        engine = create_engine(target, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cur.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL: a commit survives any crash or kill of this process (the WAL is
            # written before commit returns); only an OS crash or power cut can lose the
            # newest commits. FULL would fsync every commit (~80 ms on some disks).
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def _read_only_engine(path: Path) -> Engine:
    """A project file this process may not write (a read-only share, disk or file): opened to read only.

    Reading, reports and exports work; anything that would store something fails with the
    "read-only here" sentence (:func:`storage_error`). SQLite reads it in ``mode=ro`` (it sees
    commits still in a ``-wal`` file beside it, and others writing meanwhile); where that cannot
    work (no shared-memory file can be made beside it), ``immutable``: no lock, and a ``-wal``
    beside it is not read (a project closed normally has none; the log says so otherwise). The
    connection is made by :mod:`sqlite3` itself, so ``#``, ``%`` or ``?`` in a path stay literal.
    """
    import sqlite3
    from urllib.parse import quote

    target = f"file:{quote(str(path.resolve()), safe='/')}"

    def connect() -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(f"{target}?mode=ro", uri=True, check_same_thread=False)
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError:
            wal = path.with_name(f"{path.name}-wal")
            if wal.is_file() and wal.stat().st_size > 0:
                log.warning("%s is read-only here; its newest changes (in %s) cannot be read", path, wal.name)
            conn = sqlite3.connect(f"{target}?mode=ro&immutable=1", uri=True, check_same_thread=False)
        conn.execute("PRAGMA query_only=ON")
        return conn

    return create_engine("sqlite://", creator=connect)


def _migrate(engine: Engine, url: str, sqlite_path: Path | None, *, create: bool, read_only: bool = False) -> None:
    head = head_revision()
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            current = None
            if "alembic_version" in tables:
                current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except (DatabaseError, OperationalError) as exc:
        disk = storage_error(exc, url) if isinstance(exc, OperationalError) else exc
        if isinstance(disk, StorageError):  # a full or failing disk, not a bad file
            raise disk from None
        if "file is not a database" in str(exc.orig).lower() and sqlite_path is not None:
            raise _not_sqlite(sqlite_path) from None
        raise NotAProjectError(f"{url} cannot be read as a project database: {exc.orig}") from None
    if current is None:
        if tables - {"alembic_version"}:
            raise NotAProjectError(f"{url} is a database of another program, not a Lepton project.")
        if not create:
            raise NotAProjectError(
                f"{url} is an empty database, not a Lepton project. Create one with 'lepton project init'."
            )
        if sqlite_path is not None and not tables:
            _create_at_head(engine, head)
            return
    elif current == head:
        return
    else:
        from alembic.script import ScriptDirectory

        known = {rev.revision for rev in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
        if current not in known:
            raise NewerProjectError(
                f"This project was saved by a newer version of Lepton Desktop (schema {current}); "
                "update Lepton Desktop to open it. The file was not changed."
            )
        if read_only:
            raise StorageError(
                f"Project {url.removeprefix('sqlite:///')}: it was saved by an older version and must be "
                "upgraded, but it is read-only here; copy it somewhere you may write and open the copy."
            )
        if sqlite_path is not None:
            backup = sqlite_path.with_name(f"{sqlite_path.name}.bak-{current}")
            with engine.connect() as conn:  # fold the WAL into the main file before copying
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            engine.dispose()  # no connection open while Python opens and closes the file (that drops its locks)
            shutil.copy2(sqlite_path, backup)
            log.info("backed up %s to %s before upgrading from %s", sqlite_path, backup, current)
    from alembic import command

    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")


def _create_at_head(engine: Engine, head: str) -> None:
    """A new SQLite project: the models' tables made at once, stamped with the newest revision.

    The same schema the migrations build (``tests/store/test_database.py`` compares the two table by
    table, with their indexes, keys and checks), without importing Alembic or replaying every
    migration: 0.4 s less before a first analysis. Later upgrades go through Alembic as usual.
    One script in one transaction (Python's sqlite3 would commit each CREATE on its own), so a
    process killed half-way leaves an empty file, which the next open makes again, never tables
    without their revision.
    """
    from sqlalchemy.schema import CreateIndex, CreateTable

    from lepton_desktop.store.schema import Base

    if not head.isdigit():
        raise ValueError(f"unexpected schema revision {head!r}")
    statements = [str(CreateTable(t).compile(dialect=engine.dialect)) for t in Base.metadata.sorted_tables]
    statements += [
        str(CreateIndex(index).compile(dialect=engine.dialect))
        for table in Base.metadata.sorted_tables
        for index in sorted(table.indexes, key=lambda i: str(i.name))
    ]
    statements += [
        "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
        "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))",
        f"INSERT INTO alembic_version (version_num) VALUES ('{head}')",
    ]
    raw = engine.raw_connection()
    try:
        raw.driver_connection.executescript("BEGIN;\n" + ";\n".join(statements) + ";\nCOMMIT;")  # type: ignore[union-attr]
    except BaseException:
        with contextlib.suppress(Exception):
            raw.driver_connection.rollback()  # type: ignore[union-attr]
        raise
    finally:
        raw.close()
