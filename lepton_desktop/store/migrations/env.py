"""Alembic environment: runs on the connection the program hands it (never from an ini file)."""

from alembic import context

from lepton_desktop.store.schema import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only for 'alembic revision --autogenerate' by developers
    raise SystemExit("run migrations through lepton_desktop.store.database (it passes a connection)")

context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
