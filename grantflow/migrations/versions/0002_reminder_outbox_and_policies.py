"""reminder outbox and policies

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import domain.columns


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminder_policy', sa.JSON(), nullable=True))

    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deadline_key', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True))
        batch_op.add_column(sa.Column('due_at', domain.columns.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('slot', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
        batch_op.add_column(sa.Column('planned_at', domain.columns.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('next_attempt_at', domain.columns.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('claim_token', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True))
        batch_op.add_column(sa.Column('claimed_at', domain.columns.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('in_doubt', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('message_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True))
        batch_op.add_column(sa.Column('result', sa.JSON(), nullable=True))
        batch_op.create_index(batch_op.f('ix_notification_deadline_key'), ['deadline_key'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_deadline_key'))
        batch_op.drop_column('result')
        batch_op.drop_column('message_id')
        batch_op.drop_column('in_doubt')
        batch_op.drop_column('claimed_at')
        batch_op.drop_column('claim_token')
        batch_op.drop_column('next_attempt_at')
        batch_op.drop_column('planned_at')
        batch_op.drop_column('slot')
        batch_op.drop_column('due_at')
        batch_op.drop_column('deadline_key')

    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.drop_column('reminder_policy')

