"""index: active members in the directory's order (state, lower(name), id)

SQLite cannot reflect an index on an expression: a batch migration that copies the
member table (``render_as_batch``) drops it, and must create it again.

Revision ID: 0100
Revises: 0090
Create Date: 2026-12-07 15:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0100"
down_revision = "0090"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_member_directory", "member", ["state", sa.text("lower(name)"), "id"])
    bind = op.get_bind()
    stats = "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"
    if bind.dialect.name == "sqlite" and bind.execute(sa.text(stats)).first():
        # Statistics made before this index would lead SQLite's planner to read the
        # organisations' list through it (ten times slower): make them again for member.
        op.execute("ANALYZE member")


def downgrade():
    op.drop_index("ix_member_directory", table_name="member")
