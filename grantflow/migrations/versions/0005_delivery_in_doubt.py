"""delivery in doubt: resends and their reporting recorded on the outbox row

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import domain.columns

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resent_at', domain.columns.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('doubt_reported_at', domain.columns.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_column('doubt_reported_at')
        batch_op.drop_column('resent_at')
