"""webhooks: subscriptions with a cursor over the stamped sequence, their delivery log and dead letters

Revision ID: 0009
Revises: 0006
Create Date: 2026-12-03 12:30:00
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('webhook_subscriptions',
    sa.Column('id', sa.BigInteger(), sa.Identity(), nullable=False),
    sa.Column('warehouse', sa.String(length=16), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('types', postgresql.ARRAY(sa.Text()), server_default='{}', nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('secret', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    # kept with the subscription so that every instance's dispatcher treats it alike
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('timeout_s', sa.Float(), nullable=False),
    # the last seq of the warehouse stream this subscription is done with (delivered, skipped or dead)
    sa.Column('cursor', sa.BigInteger(), nullable=False),
    # the item being retried: its seq, whether it is a dead-letter replay, and how many tries it had
    sa.Column('head_seq', sa.BigInteger(), nullable=True),
    sa.Column('head_replay', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('attempt', sa.Integer(), server_default='0', nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('leased_by', sa.Text(), nullable=True),
    sa.Column('leased_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('consecutive_failures', sa.Integer(), server_default='0', nullable=False),
    sa.Column('failing_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_status', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_success_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.BigInteger(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['warehouse'], ['warehouses.code'], name=op.f('fk_webhook_subscriptions_warehouse_warehouses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_subscriptions')),
    )
    op.create_index('ix_webhook_subscriptions_due', 'webhook_subscriptions', ['next_attempt_at'], unique=False,
                    postgresql_where=sa.text('active'))
    op.create_table('webhook_deliveries',
    sa.Column('id', sa.BigInteger(), sa.Identity(), nullable=False),
    sa.Column('subscription_id', sa.BigInteger(), nullable=False),
    sa.Column('event_id', sa.Uuid(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('event_type', sa.Text(), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('replay', sa.Boolean(), nullable=False),
    sa.Column('response_code', sa.Integer(), nullable=True),
    sa.Column('latency_ms', sa.Float(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['subscription_id'], ['webhook_subscriptions.id'], ondelete='CASCADE',
                            name=op.f('fk_webhook_deliveries_subscription_id_webhook_subscriptions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_deliveries')),
    )
    op.create_index('ix_webhook_deliveries_log', 'webhook_deliveries', ['subscription_id', 'id'], unique=False)
    op.create_table('webhook_dead_letters',
    sa.Column('id', sa.BigInteger(), sa.Identity(), nullable=False),
    sa.Column('subscription_id', sa.BigInteger(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('event_id', sa.Uuid(), nullable=False),
    sa.Column('event_type', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_response_code', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('dead_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('replay_requested_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('replay_requested_by', sa.Text(), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('dead', 'queued', 'delivered')", name=op.f('ck_webhook_dead_letters_state')),
    sa.ForeignKeyConstraint(['subscription_id'], ['webhook_subscriptions.id'], ondelete='CASCADE',
                            name=op.f('fk_webhook_dead_letters_subscription_id_webhook_subscriptions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_dead_letters')),
    sa.UniqueConstraint('subscription_id', 'seq', name=op.f('uq_webhook_dead_letters_subscription_id')),
    )
    op.create_index('ix_webhook_dead_letters_state', 'webhook_dead_letters', ['subscription_id', 'state', 'seq'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_webhook_dead_letters_state', table_name='webhook_dead_letters')
    op.drop_table('webhook_dead_letters')
    op.drop_index('ix_webhook_deliveries_log', table_name='webhook_deliveries')
    op.drop_table('webhook_deliveries')
    op.drop_index('ix_webhook_subscriptions_due', table_name='webhook_subscriptions')
    op.drop_table('webhook_subscriptions')
