"""office IM: county group robots (WeCom, DingTalk) and each person's preferred channel

`office_robots` holds the robots a county's staff notices go to; `people.notice_channel`
is a person's chosen channel and `identities.last_seen_at` when they last wrote on each,
so a person reachable on several channels gets a notice once, on the preferred one.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 09:00:00
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "office_robots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("county_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("secret", sa.String(200), nullable=False),
        sa.Column("sign_secret", sa.String(200), nullable=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column(
            "replaces_staff_chats", sa.Boolean(), nullable=False, server_default=sa.false()
        ),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("removed_at", UTCDateTime(), nullable=True),
        sa.Column("next_send_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["county_id"], ["counties.id"], name=op.f("fk_office_robots_county_id_counties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_office_robots")),
        sa.UniqueConstraint("kind", "fingerprint", name="uq_office_robots_kind_fingerprint"),
    )
    op.create_index("ix_office_robots_county_id", "office_robots", ["county_id"])
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("notice_channel", sa.String(20), nullable=True))
    with op.batch_alter_table("identities") as batch:
        batch.add_column(sa.Column("last_seen_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("identities") as batch:
        batch.drop_column("last_seen_at")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("notice_channel")
    op.drop_index("ix_office_robots_county_id", table_name="office_robots")
    op.drop_table("office_robots")
