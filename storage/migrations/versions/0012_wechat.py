"""WeChat Official Account: delivered messages with their replies, users' dialogs and
48-hour windows, the shared access token, one-time codes linking a second channel.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 08:40:00
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "wechat_messages",
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("dedup_key", sa.String(200), nullable=False),
        sa.Column("openid", sa.String(64), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.Column("delivery", sa.String(10), nullable=False, server_default="passive"),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("account", "dedup_key", name=op.f("pk_wechat_messages")),
    )
    op.create_index(
        op.f("ix_wechat_messages_received_at"), "wechat_messages", ["received_at"]
    )
    op.create_table(
        "wechat_users",
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("openid", sa.String(64), nullable=False),
        sa.Column("dialog", sa.Text(), nullable=True),
        sa.Column("last_inbound_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("account", "openid", name=op.f("pk_wechat_users")),
    )
    op.create_table(
        "wechat_tokens",
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("token", sa.Text(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("account", name=op.f("pk_wechat_tokens")),
    )
    op.create_table(
        "channel_link_codes",
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.Column("used_by", sa.String(120), nullable=True),
        sa.Column("request_key", sa.String(200), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_channel_link_codes_person_id_people")
        ),
        sa.PrimaryKeyConstraint("code_hash", name=op.f("pk_channel_link_codes")),
        sa.UniqueConstraint("request_key", name=op.f("uq_channel_link_codes_request_key")),
    )


def downgrade() -> None:
    op.drop_table("channel_link_codes")
    op.drop_table("wechat_tokens")
    op.drop_table("wechat_users")
    op.drop_index(op.f("ix_wechat_messages_received_at"), table_name="wechat_messages")
    op.drop_table("wechat_messages")
