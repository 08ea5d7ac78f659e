"""product sales indexes: a product's last sales for the plausibility check

`售 脆李 20斤 40000` is compared with what 脆李 usually sells for: the station's last 50
sales of it, else the county's (`LedgerRepo.past_sales`). `ix_ledger_product_station`
(product_id, station_id, id) reads one station's newest sales of a product directly,
`ix_ledger_product_recent` (product_id, id) the county's (a product belongs to one county),
so the check reads 50 index entries, not the product's whole history
(`python -m benchmarks.usual_prices` prints both with and without them). Both are partial
(rows with a product only): parcels, most of the ledger, are not indexed.

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-06 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None

WITH_PRODUCT = sa.text("product_id IS NOT NULL")
INDEXES = {
    "ix_ledger_product_station": ["product_id", "station_id", "id"],
    "ix_ledger_product_recent": ["product_id", "id"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(
            name,
            "ledger_entries",
            columns,
            sqlite_where=WITH_PRODUCT,
            postgresql_where=WITH_PRODUCT,
        )


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="ledger_entries")
