"""domain event ids

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""
from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('domainevent', schema=None) as batch_op:
        batch_op.add_column(sa.Column('event_id', sa.Uuid(), nullable=True))
    events = sa.table('domainevent', sa.column('id', sa.Integer), sa.column('event_id', sa.Uuid))
    connection = op.get_bind()
    ids = [row.id for row in connection.execute(sa.select(events.c.id))]
    if ids:
        connection.execute(events.update().where(events.c.id == sa.bindparam('b_id')).values(event_id=sa.bindparam('b_event_id')),
                           [{'b_id': i, 'b_event_id': uuid.uuid4()} for i in ids])
    with op.batch_alter_table('domainevent', schema=None) as batch_op:
        batch_op.alter_column('event_id', existing_type=sa.Uuid(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_domainevent_event_id'), ['event_id'])


def downgrade() -> None:
    with op.batch_alter_table('domainevent', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_domainevent_event_id'), type_='unique')
        batch_op.drop_column('event_id')
