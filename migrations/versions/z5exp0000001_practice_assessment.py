"""Expert assessment of a practice under review: five criteria scored 0–2, a conclusion, who and when

One row per submission of a practice (the «submit» transition that put it under review), so a resubmission after a
return gets a new assessment and the earlier ones stay as its history; a practice put under review without a
«submit» transition (submission_id NULL, which the unique constraint lets repeat) has one too, by a partial unique
index. AUTOINCREMENT on SQLite, as every table whose ids are given out (o5ids0000001).

Revision ID: z5exp0000001
Revises: z6sub0000001
Create Date: 2026-12-10 10:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'z5exp0000001'
down_revision = 'z6sub0000001'
branch_labels = None
depends_on = None

CRITERIA = ('relevance', 'novelty', 'effectiveness', 'stability', 'replicability')


UNSUBMITTED = 'uq_practice_assessment_unsubmitted'


def _unsubmitted_index():
    """One assessment of a round with no «submit» transition either: the unique constraint does not hold for NULL."""
    inspector = sa.inspect(op.get_bind())
    if UNSUBMITTED in {index['name'] for index in inspector.get_indexes('practice_assessment')}:
        return
    where = sa.text('submission_id IS NULL')
    op.create_index(UNSUBMITTED, 'practice_assessment', ['practice_id'], unique=True,
                    sqlite_where=where, postgresql_where=where)


def upgrade():
    if 'practice_assessment' in sa.inspect(op.get_bind()).get_table_names():  # run again over a schema that has it
        _unsubmitted_index()
        return
    op.create_table(
        'practice_assessment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('practice_id', sa.Integer(), nullable=False),
        sa.Column('submission_id', sa.Integer(), nullable=True),
        sa.Column('revision', sa.Integer(), nullable=False),
        *(sa.Column(key, sa.SmallInteger(), nullable=True) for key in CRITERIA),
        sa.Column('conclusion', sa.Text(), server_default='', nullable=False),
        sa.Column('assessor_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        *(sa.CheckConstraint(f'{key} BETWEEN 0 AND 2', name=op.f(f'ck_practice_assessment_{key}_range'))
          for key in CRITERIA),
        sa.ForeignKeyConstraint(['practice_id'], ['practice.id'], ondelete='CASCADE',
                                name=op.f('fk_practice_assessment_practice_id_practice')),
        sa.ForeignKeyConstraint(['submission_id'], ['practice_transition.id'], ondelete='CASCADE',
                                name=op.f('fk_practice_assessment_submission_id_practice_transition')),
        sa.ForeignKeyConstraint(['assessor_id'], ['user.id'], ondelete='SET NULL',
                                name=op.f('fk_practice_assessment_assessor_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_practice_assessment')),
        sa.UniqueConstraint('practice_id', 'submission_id', name='uq_practice_assessment_submission'),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f('ix_practice_assessment_practice_id'), 'practice_assessment', ['practice_id'])
    op.create_index(op.f('ix_practice_assessment_assessor_id'), 'practice_assessment', ['assessor_id'])
    _unsubmitted_index()


def downgrade():
    op.drop_index(UNSUBMITTED, table_name='practice_assessment', if_exists=True)  # a schema of an earlier draft
    op.drop_index(op.f('ix_practice_assessment_assessor_id'), table_name='practice_assessment')
    op.drop_index(op.f('ix_practice_assessment_practice_id'), table_name='practice_assessment')
    op.drop_table('practice_assessment')
