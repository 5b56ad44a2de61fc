"""auth hardening: atomic login counters, badge lockout, shared devices, per-user device queues

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 12:20:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('login_counters',
    sa.Column('key', sa.String(length=160), nullable=False),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_login_counters'))
    )
    op.add_column('users', sa.Column('pin_failures', sa.Integer(), server_default='0', nullable=False))
    op.add_column('users', sa.Column('pin_locked_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('devices', sa.Column('shared', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table('device_queues',
    sa.Column('device_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('last_mutation_id', sa.BigInteger(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_device_queues_device_id_devices')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_device_queues_user_id_users')),
    sa.PrimaryKeyConstraint('device_id', 'user_id', name=op.f('pk_device_queues'))
    )
    # every existing device was its registering user's: their queue carries on where it was
    op.execute(
        "INSERT INTO device_queues (device_id, user_id, last_mutation_id) SELECT id, user_id, last_mutation_id FROM devices"
    )
    op.drop_constraint('pk_device_mutations', 'device_mutations', type_='primary')
    op.create_primary_key('pk_device_mutations', 'device_mutations', ['device_id', 'user_id', 'mutation_id'])


def downgrade() -> None:
    op.drop_constraint('pk_device_mutations', 'device_mutations', type_='primary')
    op.create_primary_key('pk_device_mutations', 'device_mutations', ['device_id', 'mutation_id'])
    op.drop_table('device_queues')
    op.drop_column('devices', 'shared')
    op.drop_column('users', 'pin_locked_at')
    op.drop_column('users', 'pin_failures')
    op.drop_table('login_counters')
