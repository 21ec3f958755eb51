"""change requests

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sqlmodel

import domain.columns

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('changerequest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('submitted_at', domain.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('submitted_by', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('decided_at', domain.columns.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_changerequest_application_id'), 'changerequest', ['application_id'], unique=False)
    op.create_table('changepart',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('change_request_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('extension', 'reallocation', 'content', name='changekind', native_enum=False, length=24), nullable=False),
    sa.Column('duty_kind', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('requested_due_at', domain.columns.UTCDateTime(timezone=True), nullable=True),
    sa.Column('granted_due_at', domain.columns.UTCDateTime(timezone=True), nullable=True),
    sa.Column('content', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('outcome', sa.Enum('accepted', 'accepted_with_changes', 'rejected', name='changeoutcome', native_enum=False, length=24), nullable=True),
    sa.Column('justification', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('above_request_allowed', sa.Boolean(), nullable=False),
    sa.Column('decided_at', domain.columns.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
    sa.ForeignKeyConstraint(['change_request_id'], ['changerequest.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('change_request_id', 'number')
    )
    op.create_index(op.f('ix_changepart_change_request_id'), 'changepart', ['change_request_id'], unique=False)
    op.create_table('changeline',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('change_part_id', sa.Integer(), nullable=False),
    sa.Column('sub_area_id', sa.Integer(), nullable=False),
    sa.Column('proposed_cents', sa.BigInteger(), nullable=False),
    sa.Column('before_cents', sa.BigInteger(), nullable=True),
    sa.Column('after_cents', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['change_part_id'], ['changepart.id'], ),
    sa.ForeignKeyConstraint(['sub_area_id'], ['subarea.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('change_part_id', 'sub_area_id')
    )
    op.create_index(op.f('ix_changeline_change_part_id'), 'changeline', ['change_part_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_changeline_change_part_id'), table_name='changeline')
    op.drop_table('changeline')
    op.drop_index(op.f('ix_changepart_change_request_id'), table_name='changepart')
    op.drop_table('changepart')
    op.drop_index(op.f('ix_changerequest_application_id'), table_name='changerequest')
    op.drop_table('changerequest')
