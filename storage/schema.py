"""The schema, as SQLAlchemy Core tables. Alembic migrations are written against it.

Rules the schema holds: money is integer fen (BigInteger), instants are UTC (`UTCDateTime`),
natural keys are unique so that every write can be idempotent.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from storage.types import UTCDateTime

naming = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=naming)

# --- the station network -------------------------------------------------------------

counties = Table(
    "counties",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

townships = Table(
    "townships",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("county_id", Integer, ForeignKey("counties.id"), nullable=False, index=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

villages = Table(
    "villages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("township_id", Integer, ForeignKey("townships.id"), nullable=False, index=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

stations = Table(
    "stations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
    Column("village_id", Integer, ForeignKey("villages.id"), nullable=False, index=True),
    Column("tier", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    # GPS as integer micro-degrees: exact, comparable, no float in storage.
    Column("lat_e6", Integer, nullable=True),
    Column("lon_e6", Integer, nullable=True),
    Column("opened_on", Date, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# --- people, identities, roles -------------------------------------------------------

people = Table(
    "people",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("display_name", String(200), nullable=False),
    Column("language", String(8), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
)

# One person, many front ends: a Telegram account today, a WeChat OpenID later.
identities = Table(
    "identities",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("person_id", Integer, ForeignKey("people.id"), nullable=False, index=True),
    Column("channel", String(20), nullable=False),
    Column("external_id", String(100), nullable=False),
    Column("chat_id", String(100), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("channel", "external_id", name="uq_identities_channel_external"),
)

role_grants = Table(
    "role_grants",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("person_id", Integer, ForeignKey("people.id"), nullable=False),
    Column("role", String(20), nullable=False),
    Column("county_id", Integer, ForeignKey("counties.id"), nullable=True),
    Column("township_id", Integer, ForeignKey("townships.id"), nullable=True),
    Column("station_id", Integer, ForeignKey("stations.id"), nullable=True),
    Column("invite_id", Integer, ForeignKey("invites.id"), nullable=True),
    Column("granted_by", Integer, ForeignKey("people.id"), nullable=True),
    Column("granted_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
    Column("revoked_by", Integer, ForeignKey("people.id"), nullable=True),
    Column("revoke_reason", Text, nullable=True),
    # At most one live grant per person: a keeper is keeper of one station.
    Index(
        "uq_role_grants_live_person",
        "person_id",
        unique=True,
        sqlite_where=text("revoked_at IS NULL"),
        postgresql_where=text("revoked_at IS NULL"),
    ),
)

invites = Table(
    "invites",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("role", String(20), nullable=False),
    Column("county_id", Integer, ForeignKey("counties.id"), nullable=True),
    Column("township_id", Integer, ForeignKey("townships.id"), nullable=True),
    Column("station_id", Integer, ForeignKey("stations.id"), nullable=True),
    Column("created_by", Integer, ForeignKey("people.id"), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("redeemed_at", UTCDateTime, nullable=True),
    Column("redeemed_by", Integer, ForeignKey("people.id"), nullable=True),
    # Set when an invite is made by a button press: a second tap finds it and stops.
    Column("request_key", String(80), nullable=True, unique=True),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor_person_id", Integer, ForeignKey("people.id"), nullable=True),
    Column("action", String(60), nullable=False),
    Column("subject", String(120), nullable=False),
    Column("details", Text, nullable=False, server_default="{}"),
)

# --- delivery bookkeeping ------------------------------------------------------------

# Telegram redelivers; this table makes an update count once. `finished_at` NULL means a
# handler was interrupted: the update may be claimed again after a lease.
processed_updates = Table(
    "processed_updates",
    metadata,
    Column("bot_id", BigInteger, primary_key=True),
    Column("update_id", BigInteger, primary_key=True),
    Column("claimed_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=True),
)

# aiogram FSM state in SQL, so a restart mid-dialog resumes it.
dialog_states = Table(
    "dialog_states",
    metadata,
    Column("bot_id", BigInteger, primary_key=True),
    Column("chat_id", BigInteger, primary_key=True),
    Column("user_id", BigInteger, primary_key=True),
    Column("thread_id", BigInteger, primary_key=True),
    Column("business_connection_id", String(100), primary_key=True),
    Column("destiny", String(40), primary_key=True),
    Column("state", String(200), nullable=True),
    Column("data", Text, nullable=False, server_default="{}"),
    Column("updated_at", UTCDateTime, nullable=False, index=True),
)
