"""The selection council (issue 14): councils, their members, rounds (rubric and rules copied at
opening), the dossiers of a round, recusals, scores, comments and the audit trail of scoring.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def _fk(column: str, target: str, name: str, ondelete: str = "CASCADE", **kw) -> sa.Column:
    return sa.Column(column, sa.Integer(), sa.ForeignKey(target, name=name, ondelete=ondelete),
                     **kw)


def upgrade() -> None:
    op.create_table(
        "councils",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("unit", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "council_members",
        _fk("council_id", "councils.id", "fk_council_members_council", primary_key=True),
        _fk("officer_id", "officers.id", "fk_council_members_officer", primary_key=True),
        sa.Column("chair", sa.Boolean(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "council_rounds",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _fk("council_id", "councils.id", "fk_council_rounds_council", nullable=False),
        sa.Column("label", sa.String(80), nullable=False),
        sa.Column("rubric", sa.JSON(), nullable=False),
        sa.Column("rubric_source", sa.String(300), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("closes_on", sa.Date(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(200), nullable=True),
    )
    op.create_index("ix_council_rounds_status", "council_rounds", ["status"])
    op.create_table(
        "round_dossiers",
        _fk("round_id", "council_rounds.id", "fk_round_dossiers_round", primary_key=True),
        _fk("entry_id", "entries.id", "fk_round_dossiers_entry", primary_key=True),
    )
    op.create_table(
        "council_recusals",
        _fk("round_id", "council_rounds.id", "fk_council_recusals_round", primary_key=True),
        _fk("entry_id", "entries.id", "fk_council_recusals_entry", primary_key=True),
        _fk("officer_id", "officers.id", "fk_council_recusals_officer", primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("automatic", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "council_scores",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _fk("round_id", "council_rounds.id", "fk_council_scores_round", nullable=False),
        _fk("entry_id", "entries.id", "fk_council_scores_entry", nullable=False),
        _fk("officer_id", "officers.id", "fk_council_scores_officer", nullable=False),
        sa.Column("criterion", sa.String(40), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("round_id", "entry_id", "officer_id", "criterion",
                            name="uq_council_scores"),
    )
    op.create_table(
        "council_comments",
        _fk("round_id", "council_rounds.id", "fk_council_comments_round", primary_key=True),
        _fk("entry_id", "entries.id", "fk_council_comments_entry", primary_key=True),
        _fk("officer_id", "officers.id", "fk_council_comments_officer", primary_key=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "council_audit",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _fk("round_id", "council_rounds.id", "fk_council_audit_round", nullable=False),
        _fk("entry_id", "entries.id", "fk_council_audit_entry", ondelete="SET NULL",
            nullable=True),
        _fk("officer_id", "officers.id", "fk_council_audit_officer", ondelete="SET NULL",
            nullable=True),
        sa.Column("actor_name", sa.String(200), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("criterion", sa.String(40), nullable=True),
        sa.Column("old", sa.Text(), nullable=True),
        sa.Column("new", sa.Text(), nullable=True),
    )
    op.create_index("ix_council_audit_officer", "council_audit", ["officer_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_council_audit_officer", "council_audit")
    op.drop_table("council_audit")
    op.drop_table("council_comments")
    op.drop_table("council_scores")
    op.drop_table("council_recusals")
    op.drop_table("round_dossiers")
    op.drop_index("ix_council_rounds_status", "council_rounds")
    op.drop_table("council_rounds")
    op.drop_table("council_members")
    op.drop_table("councils")
