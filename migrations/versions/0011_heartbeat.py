"""heartbeat: when the scheduler last ticked

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-02 13:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "heartbeat",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("beat_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_heartbeat")),
    )


def downgrade():
    op.drop_table("heartbeat")
