"""the notice board: live locations followed after a check-in

`checkin_live_tracks` follows a check-in answered with a live location through its
updates, so one that never moves over its period is flagged to staff.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 09:40:00
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "checkin_live_tracks",
        sa.Column("checkin_id", sa.Integer(), nullable=False),
        sa.Column("until", UTCDateTime(), nullable=False),
        sa.Column("last_edit_at", UTCDateTime(), nullable=True),
        sa.Column("updates", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("moved", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("flagged_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["checkin_id"],
            ["station_checkins.id"],
            name=op.f("fk_checkin_live_tracks_checkin_id_station_checkins"),
        ),
        sa.PrimaryKeyConstraint("checkin_id", name=op.f("pk_checkin_live_tracks")),
    )


def downgrade() -> None:
    op.drop_table("checkin_live_tracks")
