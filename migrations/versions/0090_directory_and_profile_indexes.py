"""indexes: a member's updates by time (profiles, the directory); organisations by state

Revision ID: 0090
Revises: 0060
Create Date: 2026-12-03 14:45:00

"""

from alembic import op

revision = "0090"
down_revision = "0060"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_post_author_board", "post", ["author_id", "parent_id", "created_at", "id"]
    )
    op.create_index("ix_member_organisations", "member", ["state", "organisation"])


def downgrade():
    op.drop_index("ix_member_organisations", table_name="member")
    op.drop_index("ix_post_author_board", table_name="post")
