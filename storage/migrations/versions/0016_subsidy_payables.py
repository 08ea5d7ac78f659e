"""subsidy payables: the separate account per county and fund (issue 10, part 3)

An approved claim is one payable line of its county's fund; paying it settles the line with
the payment reference. Claims approved or paid before this revision get their lines here.

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-06 09:45:00
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0016"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subsidy_payables",
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("county_id", sa.Integer(), nullable=False),
        sa.Column("fund", sa.String(40), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("payable_at", UTCDateTime(), nullable=False),
        sa.Column("settled_at", UTCDateTime(), nullable=True),
        sa.Column("payment_ref", sa.String(100), nullable=True),
        sa.ForeignKeyConstraint(["claim_id"], ["claims.id"]),
        sa.ForeignKeyConstraint(["county_id"], ["counties.id"]),
        sa.PrimaryKeyConstraint("claim_id"),
    )
    op.create_index(
        "ix_subsidy_payables_county_fund", "subsidy_payables", ["county_id", "fund"]
    )
    op.execute(
        "INSERT INTO subsidy_payables "
        "(claim_id, county_id, fund, amount_fen, payable_at, settled_at, payment_ref) "
        "SELECT id, county_id, fund, amount_fen, updated_at, "
        "CASE WHEN state = 'paid' THEN updated_at END, payment_ref "
        "FROM claims WHERE state IN ('approved', 'paid')"
    )


def downgrade() -> None:
    op.drop_index("ix_subsidy_payables_county_fund", table_name="subsidy_payables")
    op.drop_table("subsidy_payables")
