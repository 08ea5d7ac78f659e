"""Alembic environment. Migrations always run on a connection we hand over (the cookbook's
connection-sharing recipe), so they work from the CLI and from inside the running bot's
event loop alike; see storage/migrate.py."""

from alembic import context

from storage.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - guarded by storage.migrate
    raise RuntimeError("run migrations through `python -m bot db upgrade`")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite needs batch ALTERs
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
