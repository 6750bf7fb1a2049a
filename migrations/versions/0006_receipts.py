"""receipts for updates that arrived by email

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 02:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("inbound_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("receipt_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("inbound_message", schema=None) as batch_op:
        batch_op.drop_column("receipt_at")
