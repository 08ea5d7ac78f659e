"""The schema, as SQLAlchemy Core tables. Alembic migrations are written against it.

Rules the schema holds: money is integer fen (BigInteger), instants are UTC (`UTCDateTime`),
natural keys are unique so that every write can be idempotent.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
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
    false,
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
    # The row exists only if the update's transaction committed; these are the Bot API
    # calls it answered with (JSON), sent after the commit, again on redelivery.
    Column("replies", Text, nullable=False, server_default="[]"),
    Column("replies_sent_at", UTCDateTime, nullable=True),
    Index("ix_processed_updates_unsent", "replies_sent_at"),
)

# Updates that can never succeed (malformed, invalid, a handler failing every time), kept
# with their payload for operators instead of blocking Telegram's queue.
poison_updates = Table(
    "poison_updates",
    metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True),
    Column("bot_id", BigInteger, nullable=False),
    Column("update_id", BigInteger, nullable=True),
    Column("payload", Text, nullable=False),
    Column("error", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False, index=True),
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

# --- the keeper's ledger (工作台账) ----------------------------------------------------

products = Table(
    "products",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("county_id", Integer, ForeignKey("counties.id"), nullable=False),
    Column("name", String(40), nullable=False),
    Column("created_by", Integer, ForeignKey("people.id"), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("county_id", "name", name="uq_products_county_name"),
)

# Append-only. A correction is a reversal row (`reverses_id`) with negated amounts and
# counts, in the period of the entry it reverses, so every metric is a plain SUM.
ledger_entries = Table(
    "ledger_entries",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("station_id", Integer, ForeignKey("stations.id"), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("period", String(7), nullable=False),  # YYYY-MM in the county's time zone
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("recorded_by", Integer, ForeignKey("people.id"), nullable=True),
    Column("source", String(20), nullable=False),
    Column("request_key", String(120), nullable=False, unique=True),
    Column("amount_fen", BigInteger, nullable=False, server_default="0"),
    Column("fee_fen", BigInteger, nullable=False, server_default="0"),
    Column("parcel_count", Integer, nullable=False, server_default="0"),
    Column("tracking_no", String(40), nullable=True),
    Column("carrier", String(20), nullable=True),
    Column("product_id", Integer, ForeignKey("products.id"), nullable=True),
    Column("quantity_milli", BigInteger, nullable=True),  # quantity × 1000, exact
    Column("unit", String(10), nullable=True),
    Column("weight_g", Integer, nullable=True),
    Column("channel", String(20), nullable=True),
    Column("service_kind", String(20), nullable=True),
    Column("item", String(200), nullable=True),
    Column("recipient_name", String(100), nullable=True),
    Column("phone_last4", String(4), nullable=True),
    Column("phone_hash", String(64), nullable=True),  # HMAC-SHA256; never the number
    Column("pickup_code", String(10), nullable=True),
    Column("notified", String(20), nullable=True),
    Column("refers_to_id", BigInteger, ForeignKey("ledger_entries.id"), nullable=True),
    Column("reverses_id", BigInteger, ForeignKey("ledger_entries.id"), nullable=True),
    Column("reason", Text, nullable=True),
    # A correction made after the month was scored, under a staff exception.
    Column("post_close", Boolean, nullable=False, server_default=false()),
    Index("ix_ledger_station_period_kind", "station_id", "period", "kind"),
    # The scoring aggregate as an index-only scan of the kinds it sums (migration 0005).
    Index(
        "ix_ledger_period_kind_station",
        "period",
        "kind",
        "station_id",
        postgresql_include=["amount_fen", "parcel_count"],
    ).ddl_if(dialect="postgresql"),
    # An entry is reversed at most once.
    Index("uq_ledger_reverses", "reverses_id", unique=True),
)

# A projection of parcel_in entries for fast pickup look-ups; mutable by design (it is an
# index over the ledger, rebuilt from it if need be), never the record of truth.
parcels = Table(
    "parcels",
    metadata,
    Column("entry_id", BigInteger, ForeignKey("ledger_entries.id"), primary_key=True),
    Column("station_id", Integer, ForeignKey("stations.id"), nullable=False),
    Column("pickup_code", String(10), nullable=False),
    Column("phone_last4", String(4), nullable=True),
    Column("status", String(12), nullable=False),  # waiting | picked_up | returned | voided
    Column("arrived_at", UTCDateTime, nullable=False),
    Column("closed_by_id", BigInteger, ForeignKey("ledger_entries.id"), nullable=True),
    Index("ix_parcels_station_status", "station_id", "status"),
    Index(
        "uq_parcels_waiting_code",
        "station_id",
        "pickup_code",
        unique=True,
        sqlite_where=text("status = 'waiting'"),
        postgresql_where=text("status = 'waiting'"),
    ),
)

# One live entry per tracking number, station and direction: the claim goes when the
# entry is voided, so a mistyped entry can be logged again correctly.
tracking_claims = Table(
    "tracking_claims",
    metadata,
    Column("station_id", Integer, ForeignKey("stations.id"), primary_key=True),
    Column("direction", String(4), primary_key=True),  # down | up
    Column("tracking_no", String(40), primary_key=True),
    Column("entry_id", BigInteger, ForeignKey("ledger_entries.id"), nullable=False),
)

pickup_sequences = Table(
    "pickup_sequences",
    metadata,
    Column("station_id", Integer, ForeignKey("stations.id"), primary_key=True),
    Column("last_seq", Integer, nullable=False),
)

# --- monthly scoring, locks, decisions (站点考核) --------------------------------------

# A county's policy as validated JSON (bot.services.policy.CountyPolicy); versioned so a
# score row can say which policy judged it.
county_policies = Table(
    "county_policies",
    metadata,
    Column("county_id", Integer, ForeignKey("counties.id"), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("policy", Text, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by", String(100), nullable=False),
)

# Exactly-once claims for job runs: (job, county, period key, run number) is unique, so of
# two schedulers racing for the same month only one inserts. A claim never finished (its
# process died) can be taken over after a lease. Re-runs are explicit: run_no > 1.
job_runs = Table(
    "job_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("job", String(30), nullable=False),
    Column("county_id", Integer, ForeignKey("counties.id"), nullable=False),
    Column("period", String(10), nullable=False),  # YYYY-MM, or YYYY-MM-DD for daily jobs
    Column("run_no", Integer, nullable=False),
    Column("trigger", String(20), nullable=False),  # schedule | startup | cli | rescore
    Column("claimed_at", UTCDateTime, nullable=False),
    Column("claimed_by", String(100), nullable=False),
    Column("finished_at", UTCDateTime, nullable=True),
    Column("reason", Text, nullable=True),
    Column("summary", Text, nullable=True),
    UniqueConstraint("job", "county_id", "period", "run_no", name="uq_job_runs_claim"),
)

station_scores = Table(
    "station_scores",
    metadata,
    Column("station_id", Integer, ForeignKey("stations.id"), primary_key=True),
    Column("period", String(7), primary_key=True),
    Column("run_no", Integer, primary_key=True),
    Column("policy_version", Integer, nullable=False),
    Column("tier", String(20), nullable=False),
    Column("window_months", Integer, nullable=False),
    Column("downstream_fen", BigInteger, nullable=False),  # window averages, fen
    Column("upstream_fen", BigInteger, nullable=False),
    Column("upstream_parcels", Integer, nullable=False),  # window average, rounded down
    Column("threshold_downstream_fen", BigInteger, nullable=False),
    Column("threshold_upstream_fen", BigInteger, nullable=False),
    Column("threshold_upstream_parcels", Integer, nullable=False),
    Column("verdict", String(10), nullable=False),  # pass | fail | grace
    Column("failing_months", Integer, nullable=False),  # consecutive, including this one
    Column("ladder_step", String(20), nullable=False),  # active|warned|probation|candidate
    Column("status_before", String(20), nullable=False),
    Column("scored_at", UTCDateTime, nullable=False),
    Index("ix_station_scores_period", "period"),
)

period_locks = Table(
    "period_locks",
    metadata,
    Column("county_id", Integer, ForeignKey("counties.id"), primary_key=True),
    Column("period", String(7), primary_key=True),
    Column("locked_at", UTCDateTime, nullable=False),
    Column("job_run_id", Integer, ForeignKey("job_runs.id"), nullable=True),
)

# A time-boxed permission, opened by staff, to correct one station's closed month.
lock_exceptions = Table(
    "lock_exceptions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("station_id", Integer, ForeignKey("stations.id"), nullable=False),
    Column("period", String(7), nullable=False),
    Column("opened_by", Integer, ForeignKey("people.id"), nullable=True),
    Column("opened_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("reason", Text, nullable=False),
    Index("ix_lock_exceptions_station_period", "station_id", "period"),
)

station_decisions = Table(
    "station_decisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("station_id", Integer, ForeignKey("stations.id"), nullable=False),
    Column("decision", String(20), nullable=False),  # remove | keep | reinstate
    Column("status_before", String(20), nullable=False),
    Column("status_after", String(20), nullable=False),
    Column("period", String(7), nullable=True),
    Column("reason", Text, nullable=False),
    Column("decided_by", Integer, ForeignKey("people.id"), nullable=True),
    Column("decided_at", UTCDateTime, nullable=False),
    Column("request_key", String(120), nullable=False, unique=True),
)

# --- notices: written first, delivered by a worker ---------------------------------------

# A notice is facts, not text: it is rendered for its channel and reader when sent.
outbox = Table(
    "outbox",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    # Natural key of the notice, e.g. "verdict:2026-10:1:12:7": enqueueing the same notice
    # twice (a re-run, a restart) is a no-op.
    Column("dedup_key", String(200), nullable=False, unique=True),
    Column("kind", String(30), nullable=False),  # bot.domain.notices.NoticeKind
    Column("category", String(30), nullable=True),  # for mutes; NULL: cannot be muted
    # To a person (resolved to an address and a language when sent) or to one chat.
    Column("person_id", Integer, ForeignKey("people.id"), nullable=True),
    Column("channel", String(20), nullable=True),  # a chat's channel; NULL for a person
    # A chat notice's address; for a person, the address it was last tried at.
    Column("chat_id", String(100), nullable=True),
    Column("language", String(8), nullable=True),  # a chat notice's reader's language
    Column("params", Text, nullable=False, server_default="{}"),  # JSON facts
    Column("actions", Text, nullable=True),  # JSON [{"label":{msgid,params},"intent","args"}]
    # pending | sent | failed | blocked | muted | undeliverable (no address)
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("claimed_until", UTCDateTime, nullable=True),  # a worker's lease on the row
    Index("ix_outbox_due", "status", "next_attempt_at"),
    CheckConstraint(
        "person_id IS NOT NULL OR (channel IS NOT NULL AND chat_id IS NOT NULL)",
        name="addressed",
    ),
)

alert_mutes = Table(
    "alert_mutes",
    metadata,
    Column("person_id", Integer, ForeignKey("people.id"), primary_key=True),
    Column("category", String(30), primary_key=True),
    Column("muted_at", UTCDateTime, nullable=False),
)

# Chats that blocked the bot, or moved (a group upgraded to a supergroup).
chat_states = Table(
    "chat_states",
    metadata,
    Column("channel", String(20), primary_key=True),
    Column("chat_id", String(100), primary_key=True),
    Column("blocked_at", UTCDateTime, nullable=True),
    Column("migrated_to", String(100), nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
)

# --- WeChat Official Account (issue 12) ----------------------------------------------

# One row per message or event WeChat delivered, written in the same transaction as its
# work: a redelivery finds it and gets `reply` again instead of acting twice. `delivery`
# says how the reply went: passive (in the HTTP answer) or custom (the customer-service
# API, when the work outlasted WeChat's 5-second window); `sent_at` when the latter
# went out.
wechat_messages = Table(
    "wechat_messages",
    metadata,
    Column("account", String(64), primary_key=True),
    Column("dedup_key", String(200), primary_key=True),
    Column("openid", String(64), nullable=False),
    Column("received_at", UTCDateTime, nullable=False, index=True),
    Column("reply", Text, nullable=True),
    Column("delivery", String(10), nullable=False, server_default="passive"),
    Column("sent_at", UTCDateTime, nullable=True),
)

# A WeChat user's conversation state (an open form, a pickup being chosen), JSON, and
# when they last wrote: the customer-service API only reaches them 48 h after that.
wechat_users = Table(
    "wechat_users",
    metadata,
    Column("account", String(64), primary_key=True),
    Column("openid", String(64), primary_key=True),
    Column("dialog", Text, nullable=True),
    Column("last_inbound_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# The account's access token, shared by every process: whoever finds it near expiry
# refreshes it under a compare-and-set on `version`.
wechat_tokens = Table(
    "wechat_tokens",
    metadata,
    Column("account", String(64), primary_key=True),
    Column("token", Text, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("version", Integer, nullable=False),
)

# One-time codes that link a second channel to a person (`/link` on the first channel).
# Only a hash of the code is kept; used once, expiring.
channel_link_codes = Table(
    "channel_link_codes",
    metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("person_id", Integer, ForeignKey("people.id"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime, nullable=True),
    Column("used_by", String(120), nullable=True),
    Column("request_key", String(200), nullable=True, unique=True),
)
