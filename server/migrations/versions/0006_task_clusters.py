"""task_clusters: a claim loads its whole cluster trip by cluster id

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 00:45:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        'ix_tasks_cluster', 'tasks', ['cluster_id'], unique=False, postgresql_where=sa.text('cluster_id IS NOT NULL')
    )


def downgrade() -> None:
    op.drop_index('ix_tasks_cluster', table_name='tasks', postgresql_where=sa.text('cluster_id IS NOT NULL'))
