"""notice board: station public codes, profiles, check-ins

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 09:00:00
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "station_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("issued_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_by", sa.Integer(), nullable=True),
        sa.Column("request_key", sa.String(120), nullable=True),
        sa.ForeignKeyConstraint(
            ["station_id"], ["stations.id"], name=op.f("fk_station_codes_station_id_stations")
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by"], ["people.id"], name=op.f("fk_station_codes_revoked_by_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_station_codes")),
        sa.UniqueConstraint("code", name=op.f("uq_station_codes_code")),
        sa.UniqueConstraint("request_key", name=op.f("uq_station_codes_request_key")),
        sa.UniqueConstraint(
            "station_id", "generation", name=op.f("uq_station_codes_station_id")
        ),
    )
    op.create_table(
        "station_profiles",
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("hours", sa.String(100), server_default="", nullable=False),
        sa.Column("services", sa.String(300), server_default="", nullable=False),
        sa.Column("fees", sa.String(300), server_default="", nullable=False),
        sa.Column("contact", sa.String(20), nullable=False),
        sa.Column("phone", sa.String(20), server_default="", nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("request_key", sa.String(120), nullable=False),
        sa.ForeignKeyConstraint(
            ["station_id"], ["stations.id"], name=op.f("fk_station_profiles_station_id_stations")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["people.id"], name=op.f("fk_station_profiles_updated_by_people")
        ),
        sa.PrimaryKeyConstraint("station_id", name=op.f("pk_station_profiles")),
    )
    op.create_table(
        "station_checkins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("lat_e6", sa.Integer(), nullable=False),
        sa.Column("lon_e6", sa.Integer(), nullable=False),
        sa.Column("distance_m", sa.Integer(), nullable=True),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("flag", sa.String(40), nullable=True),
        sa.Column("request_key", sa.String(120), nullable=False),
        sa.ForeignKeyConstraint(
            ["station_id"], ["stations.id"], name=op.f("fk_station_checkins_station_id_stations")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_station_checkins_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_station_checkins")),
        sa.UniqueConstraint("request_key", name=op.f("uq_station_checkins_request_key")),
        sa.UniqueConstraint("station_id", "day", name=op.f("uq_station_checkins_station_id")),
    )


    op.create_table(
        "station_inspections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("lat_e6", sa.Integer(), nullable=False),
        sa.Column("lon_e6", sa.Integer(), nullable=False),
        sa.Column("distance_m", sa.Integer(), nullable=True),
        sa.Column("checklist", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), server_default="", nullable=False),
        sa.Column("photos", sa.Text(), server_default="[]", nullable=False),
        sa.Column("result", sa.String(10), nullable=False),
        sa.Column("request_key", sa.String(120), nullable=False),
        sa.ForeignKeyConstraint(
            ["station_id"], ["stations.id"], name=op.f("fk_station_inspections_station_id_stations")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_station_inspections_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_station_inspections")),
        sa.UniqueConstraint("request_key", name=op.f("uq_station_inspections_request_key")),
    )
    op.create_index(
        "ix_station_inspections_station_id", "station_inspections", ["station_id"]
    )
    op.create_table(
        "station_ratings",
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("external_id", sa.String(100), nullable=False),
        sa.Column("stars", sa.Integer(), nullable=False),
        sa.Column("rated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("stars BETWEEN 1 AND 5", name=op.f("ck_station_ratings_stars")),
        sa.ForeignKeyConstraint(
            ["station_id"], ["stations.id"], name=op.f("fk_station_ratings_station_id_stations")
        ),
        sa.PrimaryKeyConstraint(
            "station_id", "channel", "external_id", name=op.f("pk_station_ratings")
        ),
    )
    op.create_table(
        "station_complaints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(20), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("external_id", sa.String(100), nullable=False),
        sa.Column("chat_id", sa.String(100), nullable=False),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("photos", sa.Text(), server_default="[]", nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("handled_at", UTCDateTime(), nullable=True),
        sa.Column("handled_by", sa.Integer(), nullable=True),
        sa.Column("request_key", sa.String(120), nullable=False),
        sa.ForeignKeyConstraint(
            ["station_id"], ["stations.id"], name=op.f("fk_station_complaints_station_id_stations")
        ),
        sa.ForeignKeyConstraint(
            ["handled_by"], ["people.id"], name=op.f("fk_station_complaints_handled_by_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_station_complaints")),
        sa.UniqueConstraint("reference", name=op.f("uq_station_complaints_reference")),
        sa.UniqueConstraint("request_key", name=op.f("uq_station_complaints_request_key")),
    )
    op.create_index(
        "ix_station_complaints_station_id", "station_complaints", ["station_id"]
    )
    op.create_index(
        "ix_station_complaints_filer",
        "station_complaints",
        ["channel", "external_id", "created_at"],
    )
    op.create_table(
        "arrival_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("external_id", sa.String(100), nullable=False),
        sa.Column("chat_id", sa.String(100), nullable=False),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("phone_digest", sa.String(64), nullable=False),
        sa.Column("last4", sa.String(4), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_arrival_subscriptions")),
        sa.UniqueConstraint(
            "channel", "external_id", "phone_digest", name=op.f("uq_arrival_subscriptions_channel")
        ),
    )
    op.create_index(
        "ix_arrival_subscriptions_phone_digest", "arrival_subscriptions", ["phone_digest"]
    )


def downgrade() -> None:
    op.drop_table("arrival_subscriptions")
    op.drop_table("station_complaints")
    op.drop_table("station_ratings")
    op.drop_table("station_inspections")
    op.drop_table("station_checkins")
    op.drop_table("station_profiles")
    op.drop_table("station_codes")
