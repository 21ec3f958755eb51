"""database clock

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""
from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import domain.columns

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    clock = op.create_table('databaseclock',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.Enum('system', 'replay', name='clockmode', native_enum=False, length=24), nullable=False),
    sa.Column('chosen_at', domain.columns.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('id = 1', name='ck_databaseclock_one_row'),
    sa.PrimaryKeyConstraint('id')
    )
    # Every database, an existing one included, runs on the system clock until made a replay one while empty.
    op.bulk_insert(clock, [{'id': 1, 'mode': 'system', 'chosen_at': datetime.now(UTC)}])
    with op.batch_alter_table('domainevent', schema=None) as batch_op:
        batch_op.add_column(sa.Column('replayed', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('recorded_at', domain.columns.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('domainevent', schema=None) as batch_op:
        batch_op.drop_column('recorded_at')
        batch_op.drop_column('replayed')
    op.drop_table('databaseclock')
