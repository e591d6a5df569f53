"""Attachments kept by the bot's file store: its key and the file's SHA-256. Both nullable:
rows from before hold a Telegram file id (or a console path) in file_ref and are sent as before.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("attachments", sa.Column("store_key", sa.String(128)))
    op.add_column("attachments", sa.Column("sha256", sa.String(64)))


def downgrade() -> None:
    with op.batch_alter_table("attachments") as batch:
        batch.drop_column("sha256")
        batch.drop_column("store_key")
