"""scoring index: the monthly aggregate reads only the kinds it sums, from an index

On PostgreSQL, `ix_ledger_period_kind_station` (period, kind, station_id) INCLUDE
(amount_fen, parcel_count) lets the scoring aggregate (`SqlScoreRepo.window_totals`) be an
index-only scan of the month's rows of the kinds the policy counts (about a third of the
month) instead of a scan of every row of the ledger. SQLite does not get it: its planner
already walks `ix_ledger_station_period_kind` in station order, which the GROUP BY wants,
and the benchmark showed no gain there.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 21:05:00
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

NAME = "ix_ledger_period_kind_station"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(
            NAME,
            "ledger_entries",
            ["period", "kind", "station_id"],
            postgresql_include=["amount_fen", "parcel_count"],
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index(NAME, table_name="ledger_entries")
