"""payments

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27

A call's payment plan, and the payment of each instalment of a grant.
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import domain.columns

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payment_plan', sa.JSON(), nullable=True))

    op.create_table(
        'payment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('application_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('instalment', sa.Integer(), nullable=False),
        sa.Column('percent', sa.Integer(), nullable=False),
        sa.Column('trigger', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('amount_cents', sa.BigInteger(), nullable=False),
        sa.Column('status', sa.Enum('created', 'approved', 'sent', 'paid', 'failed', name='paymentstatus', native_enum=False, create_constraint=False,
                                    length=24), nullable=False),
        sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=25), nullable=True),
        sa.Column('created_at', domain.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column('approved_at', domain.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column('sent_at', domain.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column('paid_at', domain.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column('failed_at', domain.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column('failure', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True),
        sa.ForeignKeyConstraint(['application_id'], ['application.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('application_id', 'instalment'),
        sa.UniqueConstraint('reference'),
    )
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_status'))
        batch_op.drop_index(batch_op.f('ix_payment_application_id'))
    op.drop_table('payment')

    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.drop_column('payment_plan')
