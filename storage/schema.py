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
    # Preferred channel (#12, office IM): notices go there; NULL: the channel last used.
    Column("notice_channel", String(20), nullable=True),
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
    # Preferred channel (#12): when the person last wrote on this channel (10-min steps).
    Column("last_seen_at", UTCDateTime, nullable=True),
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
    # the counter: a product's last sales, a station's or the county's (issue 9, 0009);
    # partial, so the parcels (no product) cost nothing.
    Index(
        "ix_ledger_product_station",
        "product_id",
        "station_id",
        "id",
        sqlite_where=text("product_id IS NOT NULL"),
        postgresql_where=text("product_id IS NOT NULL"),
    ),
    Index(
        "ix_ledger_product_recent",
        "product_id",
        "id",
        sqlite_where=text("product_id IS NOT NULL"),
        postgresql_where=text("product_id IS NOT NULL"),
    ),
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


# --- office IM (#12): county group robots for staff alerts ------------------------------

# A WeCom group robot (its webhook key) or a DingTalk custom robot (its access token and
# signing secret) that receives a county's staff notices. The secrets are stored here
# because operators add robots at run time (`python -m bot channels add`); they are never
# printed or logged in full. `fingerprint` (a SHA-256 of the key or token) keeps one robot
# from being added twice, which would double its messages and its rate.
office_robots = Table(
    "office_robots",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("county_id", Integer, ForeignKey("counties.id"), nullable=False, index=True),
    Column("kind", String(20), nullable=False),  # wecom | dingtalk (the outbox channel)
    Column("name", String(100), nullable=False),
    Column("secret", String(200), nullable=False),  # WeCom key / DingTalk access token
    Column("sign_secret", String(200), nullable=True),  # DingTalk "SEC…" signing secret
    Column("fingerprint", String(64), nullable=False),
    Column("language", String(8), nullable=False),
    # True: the county's staff notices go to its robots *instead of* staff members' chats.
    Column("replaces_staff_chats", Boolean, nullable=False, server_default=false()),
    Column("created_at", UTCDateTime, nullable=False),
    Column("removed_at", UTCDateTime, nullable=True),
    # The robot's next free send slot, shared by every bot process (its pace is 20/min).
    Column("next_send_at", UTCDateTime, nullable=True),
    UniqueConstraint("kind", "fingerprint", name="uq_office_robots_kind_fingerprint"),
)
# --- subsidy claims (issue 10) -------------------------------------------------------------

# A claim for money under a county subsidy rule (bot.services.subsidy_rules). Its amount
# and working (which parcels counted, which did not and why) are computed by the services.
claims = Table(
    "claims",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("county_id", Integer, ForeignKey("counties.id"), nullable=False),
    Column("station_id", Integer, ForeignKey("stations.id"), nullable=False),
    Column("rule_code", String(20), nullable=False),
    Column("rule_kind", String(20), nullable=False),  # per_parcel | upstream_reward | other
    Column("fund", String(40), nullable=False),  # the subsidy account it is paid from
    Column("period", String(7), nullable=False),
    # draft | submitted | needs_info | approved | rejected | paid (bot.domain.claims)
    Column("state", String(12), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("working", Text, nullable=False, server_default="{}"),  # JSON
    Column("flags", Text, nullable=False, server_default="[]"),  # JSON list of Flag values
    Column("description", Text, nullable=True),
    Column("policy_version", Integer, nullable=False),
    Column("filed_by", Integer, ForeignKey("people.id"), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("decided_by", Integer, ForeignKey("people.id"), nullable=True),
    Column("payment_ref", String(100), nullable=True),
    Column("request_key", String(120), nullable=False, unique=True),
    Index("ix_claims_county_state", "county_id", "state"),
    # One live ledger-backed claim per station, rule and month (a rejected one may be
    # filed again; "other" claims may be several).
    Index(
        "uq_claims_live",
        "station_id",
        "rule_code",
        "period",
        unique=True,
        sqlite_where=text("state <> 'rejected' AND rule_kind <> 'other'"),
        postgresql_where=text("state <> 'rejected' AND rule_kind <> 'other'"),
    ),
)

# The parcels behind a per-parcel claim, each with its share of the amount in fen.
claim_lines = Table(
    "claim_lines",
    metadata,
    Column("claim_id", Integer, ForeignKey("claims.id"), primary_key=True),
    Column("entry_id", BigInteger, ForeignKey("ledger_entries.id"), primary_key=True),
    Column("tracking_no", String(40), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Index("ix_claim_lines_tracking", "tracking_no"),
)

# A tracking number backs at most one approved claim, across stations: approving a claim
# inserts its parcels here, and the primary key refuses a second one in the database.
approved_parcels = Table(
    "approved_parcels",
    metadata,
    Column("tracking_no", String(40), primary_key=True),
    Column("claim_id", Integer, ForeignKey("claims.id"), nullable=False),
    Column("entry_id", BigInteger, ForeignKey("ledger_entries.id"), nullable=False),
    Index("ix_approved_parcels_entry", "entry_id"),
)

# Every transition of a claim: who, when, why. One row per request key, so a double tap
# moves a claim once.
claim_events = Table(
    "claim_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("claim_id", Integer, ForeignKey("claims.id"), nullable=False),
    Column("step", String(12), nullable=False),
    Column("state_before", String(12), nullable=True),
    Column("state_after", String(12), nullable=False),
    Column("reason", Text, nullable=True),
    Column("by_person", Integer, ForeignKey("people.id"), nullable=True),
    Column("at", UTCDateTime, nullable=False),
    Column("request_key", String(120), nullable=False, unique=True),
    Index("ix_claim_events_claim", "claim_id"),
)

# Evidence files (photos of receipts, waybills) kept in the evidence store; never deleted
# while the claim exists (the foreign key holds them to it).
claim_evidence = Table(
    "claim_evidence",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("claim_id", Integer, ForeignKey("claims.id"), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("path", String(300), nullable=False),
    Column("media_type", String(60), nullable=True),
    Column("sent_by", Integer, ForeignKey("people.id"), nullable=True),
    Column("sent_at", UTCDateTime, nullable=False),
    Column("request_key", String(120), nullable=False, unique=True),
    UniqueConstraint("claim_id", "sha256", name="uq_claim_evidence_claim_sha256"),
    Index("ix_claim_evidence_sha256", "sha256"),
)
# --- the notice board: public QR codes, profiles, scans (issue 11) -----------------------

# A station's public code, printed on its poster. Only the newest generation that is not
# revoked answers; revoking issues generation + 1.
station_codes = Table(
    "station_codes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("station_id", Integer, ForeignKey("stations.id"), nullable=False),
    Column("generation", Integer, nullable=False),
    Column("code", String(40), nullable=False, unique=True),
    Column("issued_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
    Column("revoked_by", Integer, ForeignKey("people.id"), nullable=True),
    # The /revoke_qr that issued this generation: a retry of it finds this code and
    # revokes nothing more.
    Column("request_key", String(120), nullable=True, unique=True),
    UniqueConstraint("station_id", "generation"),
)

# What the keeper puts on the notice board (their own words), one row per station.
station_profiles = Table(
    "station_profiles",
    metadata,
    Column("station_id", Integer, ForeignKey("stations.id"), primary_key=True),
    Column("hours", String(100), nullable=False, server_default=""),
    Column("services", String(300), nullable=False, server_default=""),
    Column("fees", String(300), nullable=False, server_default=""),
    Column("contact", String(20), nullable=False),  # bot.domain.board.ContactShown
    Column("phone", String(20), nullable=False, server_default=""),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by", Integer, ForeignKey("people.id"), nullable=True),
    Column("request_key", String(120), nullable=False),
)

# A keeper's daily check-in by scanning the station's code: one per station and local day.
station_checkins = Table(
    "station_checkins",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("station_id", Integer, ForeignKey("stations.id"), nullable=False),
    Column("day", Date, nullable=False),  # in the county's zone
    Column("person_id", Integer, ForeignKey("people.id"), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("lat_e6", Integer, nullable=False),  # as the phone claimed it
    Column("lon_e6", Integer, nullable=False),
    Column("distance_m", Integer, nullable=True),  # NULL: the station has no position
    Column("verified", Boolean, nullable=False),  # within the geofence, by location only
    Column("flag", String(40), nullable=True),  # e.g. impossible_move
    Column("request_key", String(120), nullable=False, unique=True),
    UniqueConstraint("station_id", "day"),
)

# The notice board (issue 11): a check-in answered with a live location, followed through
# its updates (Telegram's edited_message) until it moves or is flagged as never moving.
checkin_live_tracks = Table(
    "checkin_live_tracks",
    metadata,
    Column("checkin_id", Integer, ForeignKey("station_checkins.id"), primary_key=True),
    Column("until", UTCDateTime, nullable=False),  # the end of the shared period
    Column("last_edit_at", UTCDateTime, nullable=True),  # the latest update counted
    Column("updates", Integer, nullable=False, server_default="0"),  # same position
    Column("moved", Boolean, nullable=False, server_default=false()),
    Column("flagged_at", UTCDateTime, nullable=True),
)

# A visit by county staff or the township operator (现场检查).
station_inspections = Table(
    "station_inspections",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("station_id", Integer, ForeignKey("stations.id"), nullable=False, index=True),
    Column("person_id", Integer, ForeignKey("people.id"), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("lat_e6", Integer, nullable=False),
    Column("lon_e6", Integer, nullable=False),
    Column("distance_m", Integer, nullable=True),
    Column("checklist", Text, nullable=False),  # JSON {item: ok}
    Column("notes", Text, nullable=False, server_default=""),
    Column("photos", Text, nullable=False, server_default="[]"),  # JSON [file id]
    Column("result", String(10), nullable=False),  # pass | fail
    Column("request_key", String(120), nullable=False, unique=True),
)

# Villagers' stars, one per person and station (the latest counts).
station_ratings = Table(
    "station_ratings",
    metadata,
    Column("station_id", Integer, ForeignKey("stations.id"), primary_key=True),
    Column("channel", String(20), primary_key=True),
    Column("external_id", String(100), primary_key=True),
    Column("stars", Integer, nullable=False),
    Column("rated_at", UTCDateTime, nullable=False),
    CheckConstraint("stars BETWEEN 1 AND 5", name="stars"),
)

# Complaints (举报监督): received → handled, the answer sent back to the villager.
station_complaints = Table(
    "station_complaints",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("reference", String(20), nullable=False, unique=True),
    Column("station_id", Integer, ForeignKey("stations.id"), nullable=False, index=True),
    Column("channel", String(20), nullable=False),
    Column("external_id", String(100), nullable=False),
    Column("chat_id", String(100), nullable=False),
    Column("language", String(8), nullable=True),
    Column("name", String(200), nullable=True),  # NULL: anonymous
    Column("body", Text, nullable=False),
    Column("photos", Text, nullable=False, server_default="[]"),
    Column("status", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("answer", Text, nullable=True),
    Column("handled_at", UTCDateTime, nullable=True),
    Column("handled_by", Integer, ForeignKey("people.id"), nullable=True),
    Column("request_key", String(120), nullable=False, unique=True),
    Index("ix_station_complaints_filer", "channel", "external_id", "created_at"),
)

# Parcel-arrival notices: the ledger's keyed phone hash and last four, never the number.
arrival_subscriptions = Table(
    "arrival_subscriptions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("channel", String(20), nullable=False),
    Column("external_id", String(100), nullable=False),
    Column("chat_id", String(100), nullable=False),
    Column("language", String(8), nullable=True),
    Column("phone_digest", String(64), nullable=False, index=True),
    Column("last4", String(4), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("channel", "external_id", "phone_digest"),
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

# --- subsidy payables (issue 10, part 3) -------------------------------------------------
# The separate account per county and fund (专款专用、单独建账): an approved claim becomes one
# payable line (its claim is the key, so approving twice cannot owe twice); paying the claim
# settles the line with the payment reference. Lines are never deleted.
subsidy_payables = Table(
    "subsidy_payables",
    metadata,
    Column("claim_id", Integer, ForeignKey("claims.id"), primary_key=True),
    Column("county_id", Integer, ForeignKey("counties.id"), nullable=False),
    Column("fund", String(40), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("payable_at", UTCDateTime, nullable=False),
    Column("settled_at", UTCDateTime, nullable=True),
    Column("payment_ref", String(100), nullable=True),
    Index("ix_subsidy_payables_county_fund", "county_id", "fund"),
)
