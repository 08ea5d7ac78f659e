"""update inbox: polled updates are stored before Telegram is told they arrived

Polling confirms an update's offset only once the update is a row of `update_inbox`, so a
crash at any moment leaves it either unconfirmed (Telegram sends it again) or here
(handled at the next start). See storage/repositories/inbox.py.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 21:40:00
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "update_inbox",
        sa.Column("bot_id", sa.BigInteger(), nullable=False),
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_key", sa.BigInteger(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("done_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("bot_id", "update_id", name=op.f("pk_update_inbox")),
    )
    op.create_index("ix_update_inbox_pending", "update_inbox", ["bot_id", "done_at", "update_id"])


def downgrade() -> None:
    op.drop_index("ix_update_inbox_pending", table_name="update_inbox")
    op.drop_table("update_inbox")
