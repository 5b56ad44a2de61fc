"""imports: suppliers, warehouses a customer is served from, price validity, master-data history, import runs

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-03 12:30:00
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('suppliers',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('lead_time_days', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=128), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_suppliers'))
    )
    op.create_table('customer_warehouses',
    sa.Column('customer_id', sa.BigInteger(), nullable=False),
    sa.Column('warehouse', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_customer_warehouses_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['warehouse'], ['warehouses.code'], name=op.f('fk_customer_warehouses_warehouse_warehouses')),
    sa.PrimaryKeyConstraint('customer_id', 'warehouse', name=op.f('pk_customer_warehouses'))
    )
    for table in ('price_list_prices', 'customer_prices'):
        op.add_column(table, sa.Column('valid_from', sa.Date(), nullable=True))
        op.add_column(table, sa.Column('valid_to', sa.Date(), nullable=True))
    op.create_table('master_data_history',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('entity', sa.String(length=32), nullable=False),
    sa.Column('entity_key', sa.String(length=120), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('changes', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('changed_by', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_master_data_history'))
    )
    op.create_index('ix_master_data_history_entity', 'master_data_history', ['entity', 'entity_key', 'id'], unique=False)
    op.create_table('import_runs',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('dry_run', sa.Boolean(), nullable=False),
    sa.Column('started_by', sa.String(length=64), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rows_read', sa.BigInteger(), nullable=False),
    sa.Column('rows_applied', sa.BigInteger(), nullable=False),
    sa.Column('created', sa.BigInteger(), nullable=False),
    sa.Column('updated', sa.BigInteger(), nullable=False),
    sa.Column('unchanged', sa.BigInteger(), nullable=False),
    sa.Column('errors_total', sa.BigInteger(), nullable=False),
    sa.Column('errors', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_runs'))
    )


def downgrade() -> None:
    op.drop_table('import_runs')
    op.drop_index('ix_master_data_history_entity', table_name='master_data_history')
    op.drop_table('master_data_history')
    for table in ('customer_prices', 'price_list_prices'):
        op.drop_column(table, 'valid_to')
        op.drop_column(table, 'valid_from')
    op.drop_table('customer_warehouses')
    op.drop_table('suppliers')
