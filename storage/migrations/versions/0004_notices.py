"""notices: the outbox stores channel-neutral notices (kind, params, actions), not text

A row is now a notice addressed to a person (resolved to an address and a language when
it is sent) or to one chat (channel, chat_id, language); `text` and `buttons` are gone,
`kind`, `params` and `actions` hold what the renderer needs. Status gains
`undeliverable` (a person with no address on any channel).

Existing outbox rows are DROPPED, not migrated: there is no production data yet, and an
old row's rendered text cannot be turned back into facts. `alert_mutes` and
`chat_states` are untouched, so mutes and known blocked or migrated chats carry over.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 20:40:00
"""

from alembic import op
import sqlalchemy as sa
import storage.types


revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _common() -> list:
    return [
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("dedup_key", sa.String(length=200), nullable=False),
    ]


def _tail() -> list:
    return [
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("sent_at", storage.types.UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("claimed_until", storage.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_outbox_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("dedup_key", name=op.f("uq_outbox_dedup_key")),
    ]


def _drop() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_due")
    op.drop_table("outbox")


def _index() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_due", ["status", "next_attempt_at"], unique=False)


def upgrade() -> None:
    _drop()
    op.create_table(
        "outbox",
        *_common(),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("category", sa.String(length=30), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=True),
        sa.Column("chat_id", sa.String(length=100), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("params", sa.Text(), server_default="{}", nullable=False),
        sa.Column("actions", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        *_tail(),
        sa.CheckConstraint(
            "person_id IS NOT NULL OR (channel IS NOT NULL AND chat_id IS NOT NULL)",
            name=op.f("ck_outbox_addressed"),
        ),
    )
    _index()


def downgrade() -> None:
    # Back to rendered text: notices cannot be rendered here, so they are dropped too.
    _drop()
    op.create_table(
        "outbox",
        *_common(),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("chat_id", sa.String(length=100), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("buttons", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        *_tail(),
    )
    _index()
