"""update transactions: an update's claim is its committed result, with its replies

`processed_updates` rows are now written in the update's own transaction, so a row means
the update's work committed (no lease, no unfinished claims). `replies` holds the Bot API
calls the update answered with, sent after the commit and again when Telegram redelivers
the update; `replies_sent_at` is empty until they went out, so a crash between the commit
and the send is made good at the next start. `poison_updates` keeps updates that can never
succeed, with their payload, for operators (`python -m bot updates poison`).

Old unfinished claims (the lease scheme's) are deleted: their work may not have
committed, so a redelivery must run them as new.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 21:45:00
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM processed_updates WHERE finished_at IS NULL")
    with op.batch_alter_table("processed_updates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("replies", sa.Text(), server_default="[]", nullable=False))
        batch_op.add_column(sa.Column("replies_sent_at", UTCDateTime(), nullable=True))
        batch_op.create_index("ix_processed_updates_unsent", ["replies_sent_at"], unique=False)
    op.create_table(
        "poison_updates",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("bot_id", sa.BigInteger(), nullable=False),
        sa.Column("update_id", sa.BigInteger(), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poison_updates")),
    )
    with op.batch_alter_table("poison_updates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_poison_updates_created_at"), ["created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("poison_updates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_poison_updates_created_at"))
    op.drop_table("poison_updates")
    with op.batch_alter_table("processed_updates", schema=None) as batch_op:
        batch_op.drop_index("ix_processed_updates_unsent")
        batch_op.drop_column("replies_sent_at")
        batch_op.drop_column("replies")
