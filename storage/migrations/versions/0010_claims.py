"""subsidy claims (issue 10): claims, their parcels, approved tracking numbers, transitions, evidence

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 08:31:46

A tracking number backs at most one approved claim, across stations: approved_parcels is
keyed by it. One live ledger-backed claim per station, rule and month: uq_claims_live.
"""
from alembic import op
import sqlalchemy as sa
import storage.types


revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('claims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('county_id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('rule_code', sa.String(length=20), nullable=False),
    sa.Column('rule_kind', sa.String(length=20), nullable=False),
    sa.Column('fund', sa.String(length=40), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('working', sa.Text(), server_default='{}', nullable=False),
    sa.Column('flags', sa.Text(), server_default='[]', nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('policy_version', sa.Integer(), nullable=False),
    sa.Column('filed_by', sa.Integer(), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('payment_ref', sa.String(length=100), nullable=True),
    sa.Column('request_key', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['county_id'], ['counties.id'], name=op.f('fk_claims_county_id_counties')),
    sa.ForeignKeyConstraint(['decided_by'], ['people.id'], name=op.f('fk_claims_decided_by_people')),
    sa.ForeignKeyConstraint(['filed_by'], ['people.id'], name=op.f('fk_claims_filed_by_people')),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_claims_station_id_stations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claims')),
    sa.UniqueConstraint('request_key', name=op.f('uq_claims_request_key'))
    )
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.create_index('ix_claims_county_state', ['county_id', 'state'], unique=False)
        batch_op.create_index('uq_claims_live', ['station_id', 'rule_code', 'period'], unique=True, sqlite_where=sa.text("state <> 'rejected' AND rule_kind <> 'other'"), postgresql_where=sa.text("state <> 'rejected' AND rule_kind <> 'other'"))

    op.create_table('approved_parcels',
    sa.Column('tracking_no', sa.String(length=40), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_approved_parcels_claim_id_claims')),
    sa.ForeignKeyConstraint(['entry_id'], ['ledger_entries.id'], name=op.f('fk_approved_parcels_entry_id_ledger_entries')),
    sa.PrimaryKeyConstraint('tracking_no', name=op.f('pk_approved_parcels'))
    )
    with op.batch_alter_table('approved_parcels', schema=None) as batch_op:
        batch_op.create_index('ix_approved_parcels_entry', ['entry_id'], unique=False)

    op.create_table('claim_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=12), nullable=False),
    sa.Column('state_before', sa.String(length=12), nullable=True),
    sa.Column('state_after', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('by_person', sa.Integer(), nullable=True),
    sa.Column('at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('request_key', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['by_person'], ['people.id'], name=op.f('fk_claim_events_by_person_people')),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_claim_events_claim_id_claims')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claim_events')),
    sa.UniqueConstraint('request_key', name=op.f('uq_claim_events_request_key'))
    )
    with op.batch_alter_table('claim_events', schema=None) as batch_op:
        batch_op.create_index('ix_claim_events_claim', ['claim_id'], unique=False)

    op.create_table('claim_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('path', sa.String(length=300), nullable=False),
    sa.Column('media_type', sa.String(length=60), nullable=True),
    sa.Column('sent_by', sa.Integer(), nullable=True),
    sa.Column('sent_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('request_key', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_claim_evidence_claim_id_claims')),
    sa.ForeignKeyConstraint(['sent_by'], ['people.id'], name=op.f('fk_claim_evidence_sent_by_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claim_evidence')),
    sa.UniqueConstraint('claim_id', 'sha256', name='uq_claim_evidence_claim_sha256'),
    sa.UniqueConstraint('request_key', name=op.f('uq_claim_evidence_request_key'))
    )
    with op.batch_alter_table('claim_evidence', schema=None) as batch_op:
        batch_op.create_index('ix_claim_evidence_sha256', ['sha256'], unique=False)

    op.create_table('claim_lines',
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.BigInteger(), nullable=False),
    sa.Column('tracking_no', sa.String(length=40), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_claim_lines_claim_id_claims')),
    sa.ForeignKeyConstraint(['entry_id'], ['ledger_entries.id'], name=op.f('fk_claim_lines_entry_id_ledger_entries')),
    sa.PrimaryKeyConstraint('claim_id', 'entry_id', name=op.f('pk_claim_lines'))
    )
    with op.batch_alter_table('claim_lines', schema=None) as batch_op:
        batch_op.create_index('ix_claim_lines_tracking', ['tracking_no'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('claim_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_claim_lines_tracking')

    op.drop_table('claim_lines')
    with op.batch_alter_table('claim_evidence', schema=None) as batch_op:
        batch_op.drop_index('ix_claim_evidence_sha256')

    op.drop_table('claim_evidence')
    with op.batch_alter_table('claim_events', schema=None) as batch_op:
        batch_op.drop_index('ix_claim_events_claim')

    op.drop_table('claim_events')
    with op.batch_alter_table('approved_parcels', schema=None) as batch_op:
        batch_op.drop_index('ix_approved_parcels_entry')

    op.drop_table('approved_parcels')
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.drop_index('uq_claims_live', sqlite_where=sa.text("state <> 'rejected' AND rule_kind <> 'other'"), postgresql_where=sa.text("state <> 'rejected' AND rule_kind <> 'other'"))
        batch_op.drop_index('ix_claims_county_state')

    op.drop_table('claims')
