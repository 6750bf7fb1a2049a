"""digest_feature: which members each digest issue showed in full

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 14:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "digest_feature",
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["issue_id"],
            ["digest_issue.id"],
            name=op.f("fk_digest_feature_issue_id_digest_issue"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
            name=op.f("fk_digest_feature_member_id_member"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("issue_id", "member_id", name=op.f("pk_digest_feature")),
    )
    with op.batch_alter_table("digest_feature", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_digest_feature_member_id"), ["member_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("digest_feature", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_digest_feature_member_id"))
    op.drop_table("digest_feature")
