"""Alembic environment: migrations run on the connection handed over by storage.db.migrate."""

from alembic import context

from storage.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Run migrations through `sangkien migrate`, which supplies the connection.")

context.configure(connection=connection, target_metadata=metadata)
with context.begin_transaction():
    context.run_migrations()
