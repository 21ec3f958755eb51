"""first schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-25
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import domain.columns


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('organisation',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('short_name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('kind', sa.Enum('region', 'joint_authority', 'hospital_district', 'municipality', 'stakeholder', 'ministry', name='organisationkind', native_enum=False, length=24), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('programme',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('language', sa.Enum('fi', 'sv', 'en', name='language', native_enum=False, length=24), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organisation_id', 'email')
    )
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('call',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('programme_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('deadline_at', domain.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('state_share_percent', sa.Integer(), nullable=False),
    sa.Column('appropriation_cents', sa.BigInteger(), nullable=False),
    sa.Column('officer_contact_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['officer_contact_id'], ['contact.id'], ),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_programme_id'), ['programme_id'], unique=False)

    op.create_table('application',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('call_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('applicant_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('stage', sa.Enum('preparation', 'submitted', 'under_review', 'granted', 'partially_granted', 'rejected', 'started', 'withdrawn', name='stage', native_enum=False, length=24), nullable=False),
    sa.Column('total_cost_cents', sa.BigInteger(), nullable=False),
    sa.Column('requested_cents', sa.BigInteger(), nullable=False),
    sa.Column('submitted_at', domain.columns.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['applicant_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_applicant_id'), ['applicant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_application_call_id'), ['call_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_application_stage'), ['stage'], unique=False)

    op.create_table('calculatedshare',
    sa.Column('call_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('organisation_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('call_id', 'organisation_id')
    )
    op.create_table('decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('outcome', sa.Enum('full', 'partial', 'rejected', name='outcome', native_enum=False, length=24), nullable=False),
    sa.Column('granted_cents', sa.BigInteger(), nullable=False),
    sa.Column('justification', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=True),
    sa.Column('period_end', sa.Date(), nullable=True),
    sa.Column('decided_at', domain.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('recorded_at', domain.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('applied_at', domain.columns.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('application_id')
    )
    op.create_table('domainevent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=96), nullable=False),
    sa.Column('from_stage', sa.Enum('preparation', 'submitted', 'under_review', 'granted', 'partially_granted', 'rejected', 'started', 'withdrawn', name='stage', native_enum=False, length=24), nullable=True),
    sa.Column('to_stage', sa.Enum('preparation', 'submitted', 'under_review', 'granted', 'partially_granted', 'rejected', 'started', 'withdrawn', name='stage', native_enum=False, length=24), nullable=True),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('occurred_at', domain.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('relayed_at', domain.columns.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('domainevent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_domainevent_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_domainevent_relayed_at'), ['relayed_at'], unique=False)

    op.create_table('duty',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('phase', sa.Enum('submission', 'follow_up', 'startup', 'reporting', name='dutyphase', native_enum=False, length=24), nullable=False),
    sa.Column('due_at', domain.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('done_at', domain.columns.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('application_id', 'kind')
    )
    with op.batch_alter_table('duty', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_duty_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_duty_due_at'), ['due_at'], unique=False)

    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('application_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('recipient', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('language', sa.Enum('fi', 'sv', 'en', name='language', native_enum=False, length=24), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'sent', 'failed', name='deliverystatus', native_enum=False, length=24), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('created_at', domain.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', domain.columns.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_status'), ['status'], unique=False)

    op.create_table('participant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('organisation_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('requested_cents', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('application_id', 'organisation_id')
    )
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_participant_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_participant_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('project',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('started_at', domain.columns.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('application_id')
    )
    op.create_table('subarea',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('total_cost_cents', sa.BigInteger(), nullable=False),
    sa.Column('requested_cents', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('application_id', 'number')
    )
    with op.batch_alter_table('subarea', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subarea_application_id'), ['application_id'], unique=False)

    op.create_table('submissionsnapshot',
    sa.Column('application_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('submitted_at', domain.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], ),
    sa.PrimaryKeyConstraint('application_id')
    )
    op.create_table('workshop',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('purpose', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('place', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('remote', sa.Boolean(), nullable=False),
    sa.Column('participants', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('application_id', 'number')
    )
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workshop_application_id'), ['application_id'], unique=False)

    op.create_table('decisionline',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('sub_area_id', sa.Integer(), nullable=False),
    sa.Column('granted_cents', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['decision_id'], ['decision.id'], ),
    sa.ForeignKeyConstraint(['sub_area_id'], ['subarea.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('decision_id', 'sub_area_id')
    )
    with op.batch_alter_table('decisionline', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decisionline_decision_id'), ['decision_id'], unique=False)

    op.create_table('decisionshare',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('granted_cents', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['decision_id'], ['decision.id'], ),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('decision_id', 'participant_id')
    )
    with op.batch_alter_table('decisionshare', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decisionshare_decision_id'), ['decision_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('decisionshare', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decisionshare_decision_id'))

    op.drop_table('decisionshare')
    with op.batch_alter_table('decisionline', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decisionline_decision_id'))

    op.drop_table('decisionline')
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workshop_application_id'))

    op.drop_table('workshop')
    op.drop_table('submissionsnapshot')
    with op.batch_alter_table('subarea', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subarea_application_id'))

    op.drop_table('subarea')
    op.drop_table('project')
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_participant_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_participant_application_id'))

    op.drop_table('participant')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_status'))
        batch_op.drop_index(batch_op.f('ix_notification_application_id'))

    op.drop_table('notification')
    with op.batch_alter_table('duty', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_duty_due_at'))
        batch_op.drop_index(batch_op.f('ix_duty_application_id'))

    op.drop_table('duty')
    with op.batch_alter_table('domainevent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_domainevent_relayed_at'))
        batch_op.drop_index(batch_op.f('ix_domainevent_application_id'))

    op.drop_table('domainevent')
    op.drop_table('decision')
    op.drop_table('calculatedshare')
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_stage'))
        batch_op.drop_index(batch_op.f('ix_application_call_id'))
        batch_op.drop_index(batch_op.f('ix_application_applicant_id'))

    op.drop_table('application')
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_programme_id'))

    op.drop_table('call')
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_organisation_id'))

    op.drop_table('contact')
    op.drop_table('programme')
    op.drop_table('organisation')
