"""product sales index: a product's last sales for the plausibility check

`售 脆李 20斤 40000` is compared with what 脆李 usually sells for: the station's last 50
sales of it, else the county's (`LedgerRepo.past_sales`). `ix_ledger_product_station`
(product_id, station_id, id) finds one station's newest sales of a product directly and
the county's from the product's own rows (a product belongs to one county), so the check
reads a few rows, not the ledger.

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-06 09:00:00
"""

from alembic import op

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None

NAME = "ix_ledger_product_station"


def upgrade() -> None:
    op.create_index(NAME, "ledger_entries", ["product_id", "station_id", "id"])


def downgrade() -> None:
    op.drop_index(NAME, table_name="ledger_entries")
