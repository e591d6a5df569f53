"""One person on two channels: `users.person_id` names the person a later-linked chat belongs to,
and `link_codes` keeps the hashes of the one-time codes that link them. Existing chats stay
people of their own.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("person_id", sa.Integer(), nullable=True))
    op.create_table(
        "link_codes",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("link_codes")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("person_id")
