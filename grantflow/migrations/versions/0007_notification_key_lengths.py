"""notification key lengths

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26

Keys built from the longest ids and addresses the input accepts: a call deadline's key of two 64-character
ids, and a reminder's key holding it and a 254-character address.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.alter_column('key', existing_type=sa.String(length=255), type_=sa.String(length=432), existing_nullable=False)
        batch_op.alter_column('deadline_key', existing_type=sa.String(length=128), type_=sa.String(length=134), existing_nullable=True)


def downgrade() -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.alter_column('deadline_key', existing_type=sa.String(length=134), type_=sa.String(length=128), existing_nullable=True)
        batch_op.alter_column('key', existing_type=sa.String(length=432), type_=sa.String(length=255), existing_nullable=False)
